"""NodeMCU's packed line info: the worked vectors of spec §6.4 and a pack/unpack round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vm.bytecode.lineinfo import pack_lineinfo, unpack_lineinfo


@pytest.mark.parametrize("lines, packed", [
    ([1], "01"),                                   # `return` only
    ([1, 4, 4], "01 81 02"),                       # local a = 1 / blank / blank / return a
    ([1] + [2] * 271, "01 7E C0 7E C0 13"),        # 271 instructions on the line after the last
    ([2, 103, 103, 103], "80 01 A3 81 03"),        # line 2, then a jump to line 103 (3 instr.)
    ([5, 3], "83 01 C2 01"),                       # going back two lines
    ([2, 2], "80 02"),                             # D = 0 with sign 0: two lines on
    ([1, 2, 3, 3], "01 01 02"),                    # consecutive lines need no prefix
])
def test_spec_vectors(lines, packed):
    expected = bytes.fromhex(packed)
    assert pack_lineinfo(lines) == expected
    assert unpack_lineinfo(expected + b"\0", len(lines)) == lines


def test_a_run_on_a_new_line_after_126():
    """The 126-instruction cap splits a run; the continuation restates the same line with C0."""
    assert pack_lineinfo([1] * 126) == b"\x7e"
    assert pack_lineinfo([1] * 127) == b"\x7e\xc0\x01"


def test_packed_string_never_contains_nul_or_7f():
    lines = [1, 1000, 2, 70000, 70000, 3] + [9] * 300
    packed = pack_lineinfo(lines)
    assert 0 not in packed and 0x7F not in packed
    assert unpack_lineinfo(packed, len(lines)) == lines


def test_unpack_rejects_wrong_counts_and_cut_entries():
    with pytest.raises(ValueError):
        unpack_lineinfo(b"\x01\x00", 2)
    with pytest.raises(ValueError):
        unpack_lineinfo(b"\x81", None)
    with pytest.raises(ValueError):
        unpack_lineinfo(b"\x81\x00", None)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=1 << 20), min_size=0, max_size=400))
def test_round_trip(lines):
    packed = pack_lineinfo(lines)
    assert 0 not in packed and 0x7F not in packed
    assert unpack_lineinfo(packed + b"\0", len(lines)) == lines
