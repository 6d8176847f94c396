"""Function-level results of the parser: Proto fields, scopes, upvalues, lines; and robustness (vm/compiler/parser.py)."""

from __future__ import annotations

import random
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vm
from tests.oracles import LUAC51, lupa_lua51, needs_luac51, needs_lupa
from vm.bytecode.proto import VARARG_HASARG, VARARG_ISVARARG, VARARG_NEEDSARG, LocVar
from vm.compiler import compile_chunk, skip_shebang
from vm.errors import LuaSyntaxError

SAMPLE = b"""local a, b = 1
local function f(x, ...)
  local y = x
  return function() return y, a end
end
for i = 1, 2 do local z = i end
function g(self2)
end
"""


def test_main_and_nested_protos():
    main = compile_chunk(SAMPLE, b"@m.lua")
    f, g = main.protos
    (inner,) = f.protos
    assert [p.source for p in main.walk()] == [b"@m.lua"] * 4
    assert (main.linedefined, main.lastlinedefined, main.numparams, main.is_vararg) == (0, 0, 0, 2)
    assert (f.linedefined, f.lastlinedefined, f.numparams) == (2, 5, 1)
    assert (inner.linedefined, inner.lastlinedefined, inner.nups) == (4, 4, 2)
    assert (g.linedefined, g.lastlinedefined, g.numparams, g.is_vararg) == (7, 8, 1, 0)
    assert main.maxstacksize == 8 and f.maxstacksize == 4 and inner.maxstacksize == 2


def test_local_variable_ranges():
    main = compile_chunk(SAMPLE, b"@m.lua")
    assert main.locvars == [
        LocVar(b"a", 2, 12), LocVar(b"b", 2, 12), LocVar(b"f", 4, 12),
        LocVar(b"(for index)", 7, 10), LocVar(b"(for limit)", 7, 10), LocVar(b"(for step)", 7, 10),
        LocVar(b"i", 8, 9), LocVar(b"z", 9, 9)]
    f = main.protos[0]
    assert f.locvars == [LocVar(b"x", 0, 5), LocVar(b"arg", 0, 5), LocVar(b"y", 1, 5)]


def test_upvalue_names_in_order_of_first_use():
    main = compile_chunk(SAMPLE, b"@m.lua")
    assert main.protos[0].upvalues == [b"a"]
    assert main.protos[0].protos[0].upvalues == [b"y", b"a"]
    assert main.protos[0].nups == 1


def test_line_info_and_fixed_lines():
    main = compile_chunk(SAMPLE, b"@m.lua")
    # the FORLOOP is tagged with the 'for' line; the SETGLOBAL of `function g` with line 7
    assert main.lineinfo == [1, 1, 5, 5, 6, 6, 6, 6, 6, 6, 8, 7, 8]
    assert len(main.lineinfo) == len(main.code)
    call = compile_chunk(b"f(\n1,\n2\n)", b"=t")
    # an argument is loaded when the next token has been read; the CALL gets the '(' line
    assert call.lineinfo == [1, 2, 4, 1, 4]


@pytest.mark.parametrize("src, flags, numparams", [
    (b"function f(...) return ... end", VARARG_ISVARARG | VARARG_HASARG, 0),
    (b"function f(a, ...) return arg end", VARARG_ISVARARG | VARARG_HASARG | VARARG_NEEDSARG, 1),
    (b"function f(a, b, ...) local x = select('#', ...) return arg end",
     VARARG_ISVARARG | VARARG_HASARG, 2),
    (b"function f(a) end", 0, 1),
])
def test_vararg_flags(src, flags, numparams):
    f = compile_chunk(src, b"=t").protos[0]
    assert f.is_vararg == flags
    assert f.numparams == numparams


def test_main_function_is_always_vararg():
    assert compile_chunk(b"", b"=t").is_vararg == VARARG_ISVARARG
    assert compile_chunk(b"return ...", b"=t").is_vararg == VARARG_ISVARARG


def test_repeat_with_captured_local_closes_each_iteration():
    code = compile_chunk(b"repeat local x; f = function() return x end until x", b"=t").code
    names = [vm.bytecode.opcodes.OPCODE_NAMES[i & 0x3F] for i in code]
    assert names == ["LOADNIL", "CLOSURE", "MOVE", "SETGLOBAL", "TEST", "JMP", "CLOSE", "JMP",
                     "CLOSE", "JMP", "RETURN"]


def test_chunkname_is_cut_at_nul():
    assert compile_chunk(b"return", b"@a\0b").source == b"@a"


def test_integer_build_numbers_are_ints():
    main = compile_chunk(b"local a = 10, 0x10, 3000000000", b"=t", integer=True)
    assert main.constants == [10, 16, -1294967296]
    assert all(type(k) is int for k in main.constants)
    with pytest.raises(LuaSyntaxError, match=r"malformed number near '1\.5'"):
        compile_chunk(b"x = 1.5", b"=t", integer=True)


def test_vm_compile_accepts_str():
    assert vm.compile("return 1", "=t") == compile_chunk(b"return 1", b"=t")


@pytest.mark.parametrize("src, result", [
    (b"#!/usr/bin/lua\nprint(1)", b"\nprint(1)"),
    (b"#!/usr/bin/lua\r\nprint(1)", b"\nprint(1)"),
    (b"# only a comment line", b"\n"),
    (b"print(1)\n#x", b"print(1)\n#x"),
    (b"", b""),
])
def test_skip_shebang(src, result):
    assert skip_shebang(src) == result


def test_shebang_keeps_line_numbers():
    with pytest.raises(LuaSyntaxError) as info:
        compile_chunk(skip_shebang(b"#!/bin/lua\n\nx = = 1"), b"=t")
    assert info.value.value == b"t:3: unexpected symbol near '='"


# ----- robustness --------------------------------------------------------------------------

def _compile_or_error(src: bytes):
    try:
        return compile_chunk(src, b"=fuzz")
    except LuaSyntaxError as err:
        assert isinstance(err.value, bytes)
        return err


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_syntax_errors(data):
    _compile_or_error(data)


_TOKENS = [b"and", b"break", b"do", b"else", b"elseif", b"end", b"false", b"for", b"function",
           b"if", b"in", b"local", b"nil", b"not", b"or", b"repeat", b"return", b"then", b"true",
           b"until", b"while", b"..", b"...", b"==", b"=", b"(", b")", b"{", b"}", b"[", b"]",
           b",", b";", b":", b".", b"+", b"-", b"#", b"x", b"y", b"1", b"'s'", b"[[l]]", b"\n",
           b"\0", b"0x", b"1e", b"--[[", b"]]"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40), st.sampled_from([b"", b" ", b"\n"]))
def test_random_token_soup_raises_only_syntax_errors(tokens, sep):
    _compile_or_error(sep.join(tokens))


@pytest.mark.parametrize("src", [
    b"x = " + b"(" * 100000,
    b"x = " + b"-" * 100000 + b"1",
    b"x = " + b"{" * 100000,
    b"do " * 100000,
    b"x = function() " * 10000,
    b"if x then " * 10000,
    b"x = a" + b".b" * 100000,
    b"x = f" + b"()" * 50000,
    b"a" + b", a" * 100000 + b" = 1",
])
def test_deep_nesting_gives_lua_errors_not_recursion_errors(src):
    _compile_or_error(src)


def test_nesting_just_under_the_limit_compiles():
    compile_chunk(b"x = " + b"(" * 197 + b"1" + b")" * 197, b"=t")
    compile_chunk(b"x = " + b"function() return " * 98 + b"1" + b" end" * 98, b"=t")


# ----- oracles ------------------------------------------------------------------------------

@needs_luac51
@pytest.mark.oracle
def test_sample_matches_luac(tmp_path):
    (tmp_path / "m.lua").write_bytes(SAMPLE)
    subprocess.run([LUAC51, "-o", "m.luac", "m.lua"], check=True, cwd=tmp_path)
    assert vm.dump(compile_chunk(SAMPLE, b"@m.lua")) == (tmp_path / "m.luac").read_bytes()


@needs_lupa
@pytest.mark.oracle
def test_random_programs_match_lupa():
    """Mutated statements from a small grammar: same chunk or same error as Lua's loadstring."""
    lua = lupa_lua51().LuaRuntime(encoding=None)
    load = lua.eval("function(s) local f, e = loadstring(s, '=fuzz') "
                    "if f then return string.dump(f) end return e end")
    rnd = random.Random(51)
    pieces = ["local a, b = ...", "a = a and b or f(a)", "for i = 1, #t do t[i] = i * 2 end",
              "while x do x = x.next end", "repeat local y = g(y) until not y",
              "if a < b then return a elseif a == b then return else c() end",
              "t = {1, 2; x = 3, [4] = 5, f()}", "local function h(...) return select('#', ...) end",
              "s = ('%d'):format(1) .. 'x' .. -2 ^ 2", "do local u; v = function() u = 1 end end",
              "obj:method(1, 'two', {3})", "x, y.z, w[1] = 1, 2", "return (f())"]
    for _ in range(300):
        stmts = [rnd.choice(pieces) for _ in range(rnd.randrange(1, 8))]
        src = "\n".join(stmts)
        if rnd.random() < 0.5:
            cut = rnd.randrange(len(src))
            src = src[:cut] + rnd.choice(["", " end", "(", "=", ")", "..."]) + src[cut + 1:]
        data = src.encode()
        result = _compile_or_error(data)
        ours = result.value if isinstance(result, LuaSyntaxError) else vm.dump(result)
        assert ours == load(data), src
