"""Instructions the code generator emits for specific constructs (vm/compiler/code.py).

Expected listings were checked against `luac5.1 -l`; the oracle tests at the end compare the
complete binary chunks of a set of code-generation corner cases with luac5.1 itself.
"""

from __future__ import annotations

import math
import subprocess

import pytest

from tests.oracles import LUAC51, lupa_lua51, needs_luac51, needs_lupa
from vm.bytecode.dump import dump
from vm.bytecode.opcodes import (
    OPCODE_NAMES, get_a, get_b, get_bx, get_c, get_opcode, get_sbx, iABC, iABx, op_mode,
)
from vm.compiler import compile_chunk
from vm.compiler.code import fold_float, fold_int
from vm.bytecode.opcodes import OP_ADD, OP_DIV, OP_MOD, OP_MUL, OP_POW, OP_SUB, OP_UNM


def decode(i: int):
    op = get_opcode(i)
    mode = op_mode(op)
    if mode == iABC:
        return (OPCODE_NAMES[op], get_a(i), get_b(i), get_c(i))
    if mode == iABx:
        return (OPCODE_NAMES[op], get_a(i), get_bx(i))
    return (OPCODE_NAMES[op], get_a(i), get_sbx(i))


def code_of(src: str, integer: bool = False):
    proto = compile_chunk(src.encode(), b"=t", integer=integer)
    return [decode(i) for i in proto.code], proto.constants


RET = ("RETURN", 0, 1, 0)

LISTINGS = [
    ("local a, b, c; local d = nil",
     [RET], []),
    ("local a = 1; local b, c",
     [("LOADK", 0, 0), ("LOADNIL", 1, 2, 0), RET], [1.0]),
    ("while x do local a; local b end",
     [("GETGLOBAL", 0, 0), ("TEST", 0, 0, 0), ("JMP", 0, 2), ("LOADNIL", 0, 1, 0),
      ("JMP", 0, -5), RET], [b"x"]),
    ("local a = not not b",
     [("GETGLOBAL", 0, 0), ("NOT", 0, 0, 0), ("NOT", 0, 0, 0), RET], [b"b"]),
    ("if not a then b() end",
     [("GETGLOBAL", 0, 0), ("TEST", 0, 0, 1), ("JMP", 0, 2), ("GETGLOBAL", 0, 1),
      ("CALL", 0, 1, 1), RET], [b"a", b"b"]),
    ("local x = a .. b .. c",
     [("GETGLOBAL", 0, 0), ("GETGLOBAL", 1, 1), ("GETGLOBAL", 2, 2), ("CONCAT", 0, 0, 2), RET],
     [b"a", b"b", b"c"]),
    ("x = 2^10 + 7 % 3 - -1",
     [("LOADK", 0, 1), ("SETGLOBAL", 0, 0), RET], [b"x", 1026.0]),
    ("x = 1/0, 0/0",
     [("DIV", 0, 258, 257), ("DIV", 1, 257, 257), ("SETGLOBAL", 0, 0), RET], [b"x", 0.0, 1.0]),
    ("x = 2^1024, (-2)^0.5, 1e308*10",
     [("LOADK", 0, 1), ("POW", 1, 259, 258), ("LOADK", 2, 1), ("SETGLOBAL", 0, 0), RET],
     [b"x", math.inf, 0.5, -2.0]),
    ("local t = {1, 2, f()}",
     [("NEWTABLE", 0, 2, 0), ("LOADK", 1, 0), ("LOADK", 2, 1), ("GETGLOBAL", 3, 2),
      ("CALL", 3, 1, 0), ("SETLIST", 0, 0, 1), RET], [1.0, 2.0, b"f"]),
    ("return f(...)",
     [("GETGLOBAL", 0, 0), ("VARARG", 1, 0, 0), ("TAILCALL", 0, 0, 0), ("RETURN", 0, 0, 0), RET],
     [b"f"]),
    ("local a; a, a.x = 1, 2",
     [("LOADK", 1, 1), ("SETTABLE", 0, 256, 258), ("MOVE", 0, 1, 0), RET], [b"x", 1.0, 2.0]),
    ("local t = {} t[1], t[2] = 1, 2",
     [("NEWTABLE", 0, 0, 0), ("LOADK", 1, 0), ("SETTABLE", 0, 257, 257), ("SETTABLE", 0, 256, 1),
      RET], [1.0, 2.0]),
    ("x = a and b or c",
     [("GETGLOBAL", 0, 1), ("TEST", 0, 0, 0), ("JMP", 0, 3), ("GETGLOBAL", 0, 2),
      ("TEST", 0, 0, 1), ("JMP", 0, 1), ("GETGLOBAL", 0, 3), ("SETGLOBAL", 0, 0), RET],
     [b"x", b"a", b"b", b"c"]),
    ("x = y == 1",
     [("GETGLOBAL", 0, 1), ("EQ", 1, 0, 258), ("JMP", 0, 1), ("LOADBOOL", 0, 0, 1),
      ("LOADBOOL", 0, 1, 0), ("SETGLOBAL", 0, 0), RET], [b"x", b"y", 1.0]),
    ("x = 1 > y",
     [("GETGLOBAL", 0, 2), ("LT", 1, 0, 257), ("JMP", 0, 1), ("LOADBOOL", 0, 0, 1),
      ("LOADBOOL", 0, 1, 0), ("SETGLOBAL", 0, 0), RET], [b"x", 1.0, b"y"]),
    ("for i = 1, 3 do end",
     [("LOADK", 0, 0), ("LOADK", 1, 1), ("LOADK", 2, 0), ("FORPREP", 0, 0), ("FORLOOP", 0, -1),
      RET], [1.0, 3.0]),
    ("for k, v in pairs(t) do end",
     [("GETGLOBAL", 0, 0), ("GETGLOBAL", 1, 1), ("CALL", 0, 2, 4), ("JMP", 0, 0),
      ("TFORLOOP", 0, 0, 2), ("JMP", 0, -2), RET], [b"pairs", b"t"]),
    ("local function f() return f end",
     [("CLOSURE", 0, 0), ("MOVE", 0, 0, 0), RET], []),
    ("function t.a:m() end",
     [("GETGLOBAL", 0, 0), ("GETTABLE", 0, 0, 257), ("CLOSURE", 1, 0), ("SETTABLE", 0, 258, 1),
      RET], [b"t", b"a", b"m"]),
    ("x = #t + -y",
     [("GETGLOBAL", 0, 1), ("LEN", 0, 0, 0), ("GETGLOBAL", 1, 2), ("UNM", 1, 1, 0),
      ("ADD", 0, 0, 1), ("SETGLOBAL", 0, 0), RET], [b"x", b"t", b"y"]),
]


@pytest.mark.parametrize("src, code, constants", LISTINGS, ids=[s for s, _, _ in LISTINGS])
def test_listing(src, code, constants):
    assert code_of(src) == (code, constants)


def test_negative_zero_is_kept_and_merged_with_zero():
    code, constants = code_of("x = -(0) y = 0")
    assert constants == [b"x", 0.0, b"y"]
    assert math.copysign(1.0, constants[1]) == -1.0     # the first spelling wins
    assert code[0] == ("LOADK", 0, 1) and code[2] == ("LOADK", 0, 1)


def test_constants_keep_types_apart():
    _, constants = code_of("local t = {1, true, '1', 1.0, false, nil, true}")
    assert constants == [1.0, b"1"]       # true/false/nil are loaded without constants
    _, constants = code_of("t[1], t[true], t['1'], t[1.0], t[false], t[nil] = 1, 2, 3, 4, 5, 6")
    # 1 and 1.0 share a constant; true, '1', false and nil each get their own
    assert constants == [b"t", 1.0, True, b"1", False, None, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert [type(k) for k in constants[:6]] == [bytes, float, bool, bytes, bool, type(None)]


def test_setlist_batches_and_extended_batch_number():
    src = "local t = {" + ", ".join(["0"] * (50 * 511 + 1)) + "}"
    proto = compile_chunk(src.encode(), b"=t")
    setlists = [(pc, decode(i)) for pc, i in enumerate(proto.code) if decode(i)[0] == "SETLIST"]
    assert [ins for _, ins in setlists[:2]] == [("SETLIST", 0, 50, 1), ("SETLIST", 0, 50, 2)]
    assert setlists[510][1] == ("SETLIST", 0, 50, 511)
    # batch 512 does not fit in C: C is 0 and the next word holds the batch number
    pc, last = setlists[511]
    assert last == ("SETLIST", 0, 1, 0)
    assert proto.code[pc + 1] == 512


def test_integer_build_folding():
    assert code_of("x = 7/2", integer=True)[1] == [b"x", 3]
    assert code_of("x = -7 % 3, 2^31, 2^-1, -7/2", integer=True)[1] == [b"x", 2, -2147483648, 0, -4]
    assert code_of("x = 3000000000 + 0", integer=True)[1] == [b"x", -1294967296]
    code, constants = code_of("x = 1/0", integer=True)
    assert code[0] == ("DIV", 0, 258, 257) and constants == [b"x", 0, 1]
    assert code_of("for i = 1, 2 do end", integer=True)[1] == [1, 2]


@pytest.mark.parametrize("op, a, b, result", [
    (OP_ADD, 1.0, 2.0, 3.0), (OP_SUB, 1.0, 2.0, -1.0), (OP_MUL, 1e308, 10.0, math.inf),
    (OP_DIV, 1.0, 0.0, None), (OP_DIV, 0.0, 0.0, None), (OP_MOD, 1.0, 0.0, None),
    (OP_MOD, 5.5, 2.0, 1.5), (OP_MOD, -5.5, 2.0, 0.5), (OP_MOD, 5.0, -3.0, -1.0),
    (OP_MOD, 1e308, 1e-308, -math.inf), (OP_MOD, math.inf, 2.0, None),
    (OP_POW, 2.0, 10.0, 1024.0), (OP_POW, 10.0, 400.0, math.inf), (OP_POW, -10.0, 401.0, -math.inf),
    (OP_POW, -2.0, 0.5, None), (OP_POW, 0.0, -1.0, math.inf), (OP_POW, -0.0, -1.0, -math.inf),
    (OP_SUB, math.inf, math.inf, None), (OP_UNM, 0.0, 0.0, -0.0),
])
def test_fold_float(op, a, b, result):
    folded = fold_float(op, a, b)
    assert folded == result
    if result is not None:
        assert math.copysign(1.0, folded) == math.copysign(1.0, result)


@pytest.mark.parametrize("op, a, b, result", [
    (OP_DIV, 7, 2, 3), (OP_DIV, -7, 2, -4), (OP_DIV, 7, -2, -4), (OP_DIV, -8, 2, -4),
    (OP_MOD, -7, 2, 1), (OP_MOD, 7, -2, -1), (OP_MOD, 7, 0, None), (OP_DIV, 1, 0, None),
    (OP_ADD, 2147483647, 1, -2147483648), (OP_MUL, 65536, 65536, 0),
    (OP_POW, 3, 4, 81), (OP_POW, 2, -1, 0), (OP_POW, 5, 0, 1), (OP_POW, 2, 32, 0),
    (OP_UNM, -2147483648, 0, -2147483648),
])
def test_fold_int(op, a, b, result):
    assert fold_int(op, a, b) == result


# ----- oracles ---------------------------------------------------------------------------

CORNER_CASES = [
    "local a, b = 1; local c; a, b, c = f()",
    "local a = {f()} local b = {f(), nil} local c = {..., ...}",
    "local t = {" + ", ".join(str(i) for i in range(120)) + ", f()}",
    "local t = {" + ", ".join("k%d = %d" % (i, i) for i in range(300)) + "}",
    "local t = {" + ", ".join("'s%d'" % i for i in range(300)) + "}\nx = t.a + t.b",
    "x = " + " + ".join("v%d" % i for i in range(300)),
    "local x = (a and b) or (c and not d) or (e == f and g ~= h)",
    "if a and b or c then x() elseif not d then y() else z() end",
    "while a do if b then break end local c = function() return a end end",
    "repeat local x = f(); local g = function() return x end until x > 10",
    "for i = 1, 10 do for j = i, 1, -1 do if i == j then break end end end",
    "local a, b, c = ...; return a, b, c, ...",
    "local x = -(-(-1)) + 2^-2 + (1 - 1) * -0 .. 'z'",
    "local i, t; t[i], i = i, t",
    "a.b.c, a.b, a = 1, 2, 3",
    "local a; local function f() a = a + 1 return a end; return f",
    "function f(a, b, ...) local arg = arg return select('#', ...) end",
    "local s = ('x'):rep(3):upper() .. #s",
    "return not (a < b), not (a <= b), not (a == b), not nil, not 0",
    "x = a == nil, nil == a, a ~= true, 'a' < a",
    "local t = {[1] = 1, [2.5] = 2, [true] = 3, ['x'] = 4, x = 5, [nil] = 6}",
    "local a = {} a[#a + 1] = a[#a] or -a[1]",
    "do local a, b, c end local d; d = nil; local e, f = nil, nil",
]


def _luac_chunk(src: bytes, tmp_path, strip: bool) -> bytes:
    (tmp_path / "case.lua").write_bytes(src)
    args = [LUAC51] + (["-s"] if strip else []) + ["-o", "case.luac", "case.lua"]
    subprocess.run(args, check=True, capture_output=True, cwd=tmp_path)
    return (tmp_path / "case.luac").read_bytes()


@needs_luac51
@pytest.mark.oracle
@pytest.mark.parametrize("src", CORNER_CASES, ids=[s[:40] for s in CORNER_CASES])
def test_corner_cases_match_luac(src, tmp_path):
    proto = compile_chunk(src.encode(), b"@case.lua")
    assert dump(proto) == _luac_chunk(src.encode(), tmp_path, strip=False)
    assert dump(proto, strip=True) == _luac_chunk(src.encode(), tmp_path, strip=True)


@needs_lupa
@pytest.mark.oracle
def test_folding_matches_lupa():
    lua = lupa_lua51().LuaRuntime(encoding=None)
    compile_lua = lua.eval("function(s) return string.dump(assert(loadstring(s, '=f'))) end")
    values = ["0", "-0", "1", "-1", "2", "0.5", "1e308", "1e309", "(0/0)", "(1/0)", "(-1/0)",
              "7", "-7", "2^53", "1e-310", "(-8)", "3"]
    ops = ["+", "-", "*", "/", "%", "^"]
    lines = [f"x = {a} {op} {b}" for a in values for b in values for op in ops]
    for start in range(0, len(lines), 60):
        src = "\n".join(lines[start:start + 60]).encode()
        assert dump(compile_chunk(src, b"=f")) == compile_lua(src), lines[start]
