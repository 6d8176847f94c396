"""The fast (zlib) LFS container: same payload once inflated, accepted by the device's inflater rules."""

import gzip
import os
import random

import pytest

import vm
import vm.lfs

from tests.oracles import GOLDEN_DIR
from vm.lfs.deflate import DEVICE_MIN_FILE, GZIP_HEADER, gzip_compress, gzip_compress_fast
from vm.lfs.inflate import gunzip_for_device


def _payloads():
    rng = random.Random(11)
    for path in sorted(GOLDEN_DIR.glob("*.lfs51.raw")):
        yield path.name, path.read_bytes()
    yield "random-mix", bytes(rng.randrange(256) for _ in range(30000)) + os.urandom(2000) * 8
    yield "long-runs", b"\x54\xa1\xfa\xfa" + bytes(rng.randrange(3) for _ in range(60000))


@pytest.mark.parametrize("name,payload", list(_payloads()), ids=lambda v: v if isinstance(v, str) else "")
def test_fast_container_inflates_to_the_payload_on_the_device(name, payload):
    packed = gzip_compress_fast(payload)
    assert packed[:10] == GZIP_HEADER
    assert len(packed) >= DEVICE_MIN_FILE
    assert gzip.decompress(packed) == payload
    # The device's own rules: 16 KiB window, no reference to byte 0, exact ISIZE.
    assert gunzip_for_device(packed) == payload


def test_fast_falls_back_to_exact_when_the_first_bytes_recur():
    # A reference to output byte 0 is refused by the device; zlib could make one here.
    payload = b"\x54\xa1\xfa" + bytes(500) + b"\x54\xa1\xfa" + bytes(500)
    assert gzip_compress_fast(payload) == gzip_compress(payload)


def test_smallest_real_image_stays_above_the_device_minimum():
    # One empty module is the smallest image luac.cross can make (spec §6.5).
    empty = vm.compile(b"", b"@empty.lua")
    empty.strip_names()
    payload = vm.lfs.build_image([empty], 1600000000).raw.payload()
    packed = gzip_compress_fast(payload)
    assert len(packed) >= DEVICE_MIN_FILE
    assert gunzip_for_device(packed) == payload


def test_builds_in_fast_mode_differ_only_in_the_container():
    modules = []
    for name in ("mod_basic", "closures", "strings"):
        proto = vm.compile((GOLDEN_DIR / f"{name}.lua").read_bytes(), f"@{name}.lua".encode())
        proto.strip_names()
        modules.append(proto)
    exact = vm.lfs.build_image(modules, 1767225600)
    fast = vm.lfs.build_image(modules, 1767225600, fast=True)
    assert fast.data != exact.data
    assert gunzip_for_device(fast.data) == gunzip_for_device(exact.data) == exact.raw.payload()
