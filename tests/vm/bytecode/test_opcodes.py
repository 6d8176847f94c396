"""Instruction packing and the table-size "floating point byte" encoding."""

from hypothesis import given, strategies as st

from vm.bytecode import opcodes as op


@given(st.integers(0, 37), st.integers(0, op.MAXARG_A), st.integers(0, op.MAXARG_B),
       st.integers(0, op.MAXARG_C))
def test_abc_fields_round_trip(code, a, b, c):
    i = op.create_abc(code, a, b, c)
    assert (op.get_opcode(i), op.get_a(i), op.get_b(i), op.get_c(i)) == (code, a, b, c)


@given(st.integers(-op.MAXARG_SBX, op.MAXARG_SBX))
def test_sbx_round_trip(sbx):
    i = op.create_asbx(op.OP_JMP, 0, sbx)
    assert op.get_sbx(i) == sbx and op.get_opcode(i) == op.OP_JMP


def test_int_to_fb_known_values():
    # Hash sizes 17, 50, 100, 1000 as luac5.1 -l shows them in NEWTABLE (17, 29, 37, 64).
    assert [op.int_to_fb(n) for n in (0, 7, 8, 15, 16, 17, 50, 100, 1000)] == \
        [0, 7, 8, 15, 16, 17, 29, 37, 64]


@given(st.integers(0, 2 ** 24))
def test_fb_rounds_sizes_up(n):
    fb = op.int_to_fb(n)
    assert 0 <= fb < 256
    assert op.fb_to_int(fb) >= n
    if n < 16:
        assert op.fb_to_int(fb) == n
