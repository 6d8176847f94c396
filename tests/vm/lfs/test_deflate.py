"""The uzlib-compatible encoder: container bytes, device window, agreement with Python's inflaters."""

import gzip
import os
import random
import zlib

import pytest

from vm.lfs.deflate import GZIP_HEADER, gzip_compress, lz77_tokens
from vm.lfs.errors import LfsImageError
from vm.lfs.inflate import gunzip_for_device


def _samples():
    rng = random.Random(7)
    yield b""
    yield b"a"
    yield b"abc"
    yield bytes(1000)
    yield b"abcabcabcabcabcabcabcabcabcd" * 50
    yield bytes(rng.randrange(4) for _ in range(40000))
    yield os.urandom(5000) + os.urandom(3000) * 3
    yield bytes(rng.randrange(256) for _ in range(70000)) + bytes(70000)


@pytest.mark.parametrize("data", list(_samples()), ids=lambda d: f"{len(d)}B")
def test_round_trip(data):
    packed = gzip_compress(data)
    assert packed[:10] == GZIP_HEADER
    assert gzip.decompress(packed) == data
    assert zlib.decompress(packed, 16 + 14) == data
    if data[:3] not in data[1:]:
        assert gunzip_for_device(packed) == data


def test_reference_to_first_byte_is_refused_by_the_device():
    # uzlib happily refers back to output byte 0; the firmware's off-by-one check refuses it
    # (spec §1.12.2). luac.cross images only hit this when their first three bytes recur.
    packed = gzip_compress(bytes(300))
    assert gzip.decompress(packed) == bytes(300)
    with pytest.raises(LfsImageError) as info:
        gunzip_for_device(packed)
    assert info.value.device_message == "invalid dictionary offset on inflate"
    assert "start of the output" in info.value.message


@pytest.mark.parametrize("data", list(_samples()), ids=lambda d: f"{len(d)}B")
def test_matches_respect_device_window(data):
    tokens = lz77_tokens(data)
    out = 0
    for token in tokens:
        if token < 256:
            out += 1
            continue
        length, distance = token >> 16, token & 0xFFFF
        assert 3 <= length <= 258
        assert 1 <= distance <= 16384 and distance <= out
        out += length
    assert out == len(data)


def test_single_fixed_block():
    packed = gzip_compress(b"hello hello hello")
    assert packed[10] & 0b111 == 0b011      # BFINAL=1, BTYPE=01
