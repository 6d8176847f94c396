"""The uzlib-compatible encoder: container bytes, device window, agreement with Python's inflaters."""

import gzip
import os
import random
import zlib

import pytest

from tests.oracles import GOLDEN_DIR
from tests.vm.lfs.uzlib_reference import lz77_tokens_reference
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


def _large_inputs():
    """Inputs past 32 KiB, where uzlib's 15-bit position stamps and 14-bit chain slots wrap."""
    rng = random.Random(11)
    golden = [(GOLDEN_DIR / f"{case}.lfs51.raw").read_bytes() for case in
              ("combined", "manyconst", "closures", "strings")]
    mixed = bytearray()
    while len(mixed) < 150000:
        piece = bytearray(rng.choice(golden))
        for _ in range(rng.randrange(50)):
            piece[rng.randrange(len(piece))] = rng.randrange(256)
        mixed += piece[rng.randrange(len(piece)):]
    yield bytes(mixed)
    words = [b"local ", b"function ", b"end\n", b"return ", b"gpio.write(", b"\x00\x00\x00\x00",
             b"\x04\x40\x00\x00", b"tmr.create()", b"print(", b'"', b"1", b"2"]
    yield b"".join(rng.choice(words) for _ in range(30000))
    yield bytes(rng.choice(b"\x00\x01\x02\x40\x80\xff") for _ in range(100000))


@pytest.mark.parametrize("data", list(_large_inputs()), ids=lambda d: f"{len(d)}B")
def test_fast_parse_equals_literal_walk(data):
    assert lz77_tokens(data) == lz77_tokens_reference(data)


@pytest.mark.parametrize("data", list(_samples()), ids=lambda d: f"{len(d)}B")
def test_fast_parse_equals_literal_walk_small(data):
    assert lz77_tokens(data) == lz77_tokens_reference(data)
