"""Spec §6.2, §6.3 and §6.6: Lua 5.1 string hashes, bucket counts and the collection order."""

import pytest

from vm.lfs.image_format import bitmap_words, string_buckets
from vm.lfs.string_table import collection_order, lua_hash

HASHES = [
    (b"", 0x00000000), (b"a", 0x00000080), (b"\x01", 0x00000020), (b"\x04", 0x00000025),
    (b"hi", 0x00001559), (b"print", 0x11BAAE46), (b"empty", 0x12CDB6AD),
    (b"=(luac)", 0xBE5FC006), (b"@empty.lua", 0xC96F266F), (b"@hi.lua", 0x77C41CC2),
    (b"hello world", 0xAB2D3B75), (b"x" * 40, 0xAE06ABAD),
    (b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", 0xCD8DC0ED),
]


@pytest.mark.parametrize("text, expected", HASHES)
def test_lua_hash(text, expected):
    assert lua_hash(text) == expected


def test_bucket_counts():
    assert [string_buckets(n) for n in (1, 2, 3, 4, 5, 7, 8, 9)] == [2, 4, 4, 8, 8, 8, 16, 16]


def test_bitmap_words():
    assert bitmap_words(376) == 3


def test_one_module_order():
    order = collection_order([b"=(luac)", b"empty", b"@empty.lua", b"\x01"])
    assert order == [b"\x01", b"empty", b"=(luac)", b"@empty.lua"]


def test_two_module_trace():
    inserted = [b"=(luac)", b"empty", b"hi", b"@empty.lua", b"\x01", b"@hi.lua", b"\x04",
                b"print", b"hi"]
    assert collection_order(inserted) == [
        b"\x01", b"hi", b"@hi.lua", b"print", b"\x04", b"empty", b"=(luac)", b"@empty.lua"]


def test_duplicates_keep_first_position():
    assert collection_order([b"a", b"a", b"b"]) == collection_order([b"a", b"b"])


def test_every_string_appears_once():
    strings = [f"s{i}".encode() for i in range(500)] * 2
    order = collection_order(strings)
    assert sorted(order) == sorted(set(strings))
