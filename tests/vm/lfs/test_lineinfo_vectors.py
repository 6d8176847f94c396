"""Spec §6.4 and §1.10: NodeMCU's packed line info vectors, checked against vm.bytecode.lineinfo."""

import pytest

from vm.bytecode.lineinfo import pack_lineinfo, unpack_lineinfo

VECTORS = [
    ([1], b"\x01"),                                   # `return` only
    ([1, 4, 4], b"\x01\x81\x02"),                     # local a = 1 \n\n\n return a
    ([1] + [2] * 271, b"\x01\x7e\xc0\x7e\xc0\x13"),   # 271 instructions on the line after
    ([1, 2, 103, 103, 103], b"\x01\x01\xa3\x81\x03"),        # a jump from line 2 to line 103
]


@pytest.mark.parametrize("lines, packed", VECTORS)
def test_pack(lines, packed):
    assert pack_lineinfo(lines) == packed


@pytest.mark.parametrize("lines, packed", VECTORS)
def test_unpack(lines, packed):
    assert unpack_lineinfo(packed + b"\x00", len(lines)) == lines


def test_jump_prefix_alone():
    # The §6.4 "jump from line 2 to line 103 with 3 instructions" entry is `A3 81 03`.
    assert pack_lineinfo([1, 2, 103, 103, 103])[2:] == b"\xa3\x81\x03"


def test_backward_jump_and_no_reserved_bytes():
    lines = [5, 5, 3, 200, 1, 1, 70000, 2]
    packed = pack_lineinfo(lines)
    assert 0 not in packed and 0x7F not in packed
    assert unpack_lineinfo(packed, len(lines)) == lines
