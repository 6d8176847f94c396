"""Property: random Lua programs compile to exactly the bytes Lua 5.1.5 itself dumps for them (lupa's string.dump of loadstring)."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings

import vm
from tests.oracles import needs_lupa
from tests.vm.compiler.lua_programs import lua_programs
from tests.vm.compiler.support import lupa_oracle, needs_compiler

pytestmark = [needs_lupa, needs_compiler]

CHUNKNAME = b"@gen.lua"

# The generator recurses through hypothesis' draw machinery; nested blocks need more stack.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))


def ours(source: bytes, chunkname: bytes = CHUNKNAME) -> tuple[bool, bytes]:
    """(True, stock dump) or (False, message), the same shape as the lupa oracle's answer."""
    try:
        return True, vm.dump(vm.compile(source, chunkname))
    except vm.LuaSyntaxError as exc:
        return False, exc.message.encode("latin-1")


def assert_same_as_lua(source: bytes, chunkname: bytes = CHUNKNAME) -> None:
    theirs = lupa_oracle().compile(source, chunkname)
    mine = ours(source, chunkname)
    if mine == theirs:
        return
    if mine[0] and theirs[0]:
        from vm.bytecode.listing import list_proto  # noqa: PLC0415

        ours_text = list_proto(vm.undump(mine[1], chunkname), full=True)
        their_text = list_proto(vm.undump(theirs[1], chunkname), full=True)
        assert ours_text == their_text          # a readable diff first
    assert mine == theirs


# ESPCONSOLE_GENERATED_EXAMPLES raises the count for a long hunt (CI: 300, about 8 s).
GENERATED_EXAMPLES = int(os.environ.get("ESPCONSOLE_GENERATED_EXAMPLES", "300"))


@settings(max_examples=GENERATED_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(lua_programs())
def test_generated_programs_match_lua(source):
    assert_same_as_lua(source.encode())


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(lua_programs())
def test_generated_programs_nodemcu_dump_round_trip(source):
    """Our NodeMCU chunk decodes back to the same functions, and agrees with Lua's own code."""
    try:
        proto = vm.compile(source.encode(), CHUNKNAME)
    except vm.LuaSyntaxError:
        return
    data = vm.dump(proto, vm.NODEMCU)
    assert data[:12] == bytes.fromhex("1b4c75615100010404040800")
    again = vm.undump(data, CHUNKNAME)
    assert again == proto
    ok, theirs = lupa_oracle().compile(source.encode(), CHUNKNAME)
    assert ok
    reference = vm.undump(theirs, CHUNKNAME)
    for mine, lua in zip(again.walk(), reference.walk(), strict=True):
        assert (mine.code, mine.lineinfo, mine.maxstacksize) == (lua.code, lua.lineinfo, lua.maxstacksize)
    stripped = vm.undump(vm.dump(proto, vm.NODEMCU, strip=True), CHUNKNAME)
    assert [p.code for p in stripped.walk()] == [p.code for p in proto.walk()]
    assert all(not p.lineinfo and not p.locvars for p in stripped.walk())


# Constant folding corners: Lua folds with C arithmetic and refuses results that are NaN, and it
# never folds a division or modulo by zero.
FOLDING_CASES = [
    "5 % 1e309", "-5 % 1e309", "1e309 % 5", "5 % -1e309", "(-8) ^ 0.5", "(-8) ^ (1/3)", "10 ^ 400",
    "1e308 * 10", "-1e308 * 10", "2 ^ -2000", "(-2) ^ 1025", "0 ^ -1", "(-0) ^ -1", "1e309 - 1e309",
    "1e309 * 0", "-(0)", "0 * -1", "5.5 % -2", "-5.5 % 2", "1e300 % 1e-300", "3 % -0.0", "-0 % 5",
    "(-1) ^ 1e309", "1 ^ (0/0)", "#'abc'", "not 0", "not nil", "- -0", "2^53 + 1", "1e-320 / 1e10",
    "7 % 3.5", "-7 % 3", "7 % -3", "1/3*3", "0.1+0.2", "(2^63) % 2", "-(2^63) % 3", "1e15 % 7",
    "-1e-310 % 1", "1 % 1e-310", "(1e308+1e308) % 2", "2 ^ 0.5", "(-2) ^ 3", "(-1e309) ^ 3",
    "(-1e309) ^ 0.5", "0 ^ 0", "1e309 ^ 0", "(-0.0) ^ 0.5", "-0.0 ^ 3", "1 / 0", "0 / 0", "1 % 0",
    "-(1/0)", "0x10 + 0XfF", "1e2 .. 3", "'a' .. 1", "-'2'", "not not 1 == 1",
]


@pytest.mark.parametrize("expression", FOLDING_CASES)
def test_constant_folding_corners(expression):
    assert_same_as_lua(f"local x = {expression}\nreturn x, {expression} + y, y - ({expression})\n"
                       .encode())


# Hand-written programs for the generator's blind spots.
SPECIAL_PROGRAMS = {
    "rk_overflow": "local t = {" + ", ".join(f"'k{n}'" for n in range(300)) + "}\n"
                   "t.k299 = t.k298 + 1.5; local a = t['k1'] == 'k299'\n"
                   "t:k260('k261', 7.25); return a and 'k270' or 3.75\n",
    "many_constants_in_comparisons": "".join(f"x{n} = {n}.5\n" for n in range(280))
                                     + "if x1 == 279.5 or x2 < 278.5 then y = 'z' end\n",
    "locals_near_limit": "local " + ", ".join(f"v{n}" for n in range(199)) + "\nv0 = v198 + v1\n",
    "deep_upvalues": "local a = 1\nfunction f()\n local b = 2\n return function()\n"
                     "  return function() a = b + a; b = a return a, b end\n end\nend\n",
    "loop_upvalues": "local fs = {}\nfor i = 1, 3 do local j = i fs[i] = function() return i + j end end\n"
                     "for k, v in pairs(fs) do local w = v fs[k] = function() return w end break end\n"
                     "while true do local q = 1 local function g() return q end if g() then break end end\n"
                     "repeat local r = 1 local h = function() return r end until h() == r\n",
    "big_array_constructor": "t = {" + ", ".join(str(n) for n in range(130)) + ", f()}\n"
                             "u = {" + ", ".join(f"{n}, x{n} = {n}" for n in range(60)) + ", ...}\n",
    "assignment_conflicts": "local a, i, t = {}, 1, {}\na, a.x = 1, 2\nt[i], i = i, 2\n"
                            "i, t[i] = t[i], i\na.x, a = a, a.x\nlocal b = a\nb.y, b.y.z, b = 1, 2, 3\n",
    "method_and_varargs": "local o = {}\nfunction o:m(...) return self, ..., select('#', ...) end\n"
                          "return o:m(o:m(1, ...)), {...}, (...)\n",
    "long_strings_and_lines": "x = [==[\nline\n]]\n]==]\ny = 'a\\\nb'\n--[[ comment\n\n]] z = 1\n",
    "numeric_for_constants": "for i = 1e309, -1e309, -0.5 do end\nfor i = 0x10, 2^53, 1/0 do break end\n",
}


@pytest.mark.parametrize("name", sorted(SPECIAL_PROGRAMS))
def test_special_programs(name):
    assert_same_as_lua(SPECIAL_PROGRAMS[name].encode())
