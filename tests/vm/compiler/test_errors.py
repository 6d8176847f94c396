"""Every compile error comes out with luac 5.1's exact text and line (vm.compiler as a whole).

The expected texts below were taken from luac5.1 / lupa; the oracle tests at the end re-check
the whole table (and the limit errors) against the real tools when they are installed.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.oracles import LUAC51, lupa_lua51, needs_luac51, needs_lupa
from vm.compiler import compile_chunk
from vm.errors import LuaSyntaxError

# (source, message) with chunk name b"=t"
MESSAGES = [
    (b'x = "abc',
     b"t:1: unfinished string near '<eof>'"),
    (b"x = 'abc\ny'",
     b"t:1: unfinished string near ''abc'"),
    (b'x = 3x',
     b"t:1: malformed number near '3x'"),
    (b'x = 1e',
     b"t:1: malformed number near '1e'"),
    (b'x = 0x',
     b"t:1: malformed number near '0x'"),
    (b'x = 1..2',
     b"t:1: malformed number near '1..2'"),
    (b'x = 3.4.5',
     b"t:1: malformed number near '3.4.5'"),
    (b'function f()\n  x = 1\n',
     b"t:3: 'end' expected (to close 'function' at line 1) near '<eof>'"),
    (b'function f() x = 1',
     b"t:1: 'end' expected near '<eof>'"),
    (b'x = g\n(f)()',
     b"t:2: ambiguous syntax (function call x new statement) near '('"),
    (b'function f() return ... end',
     b"t:1: cannot use '...' outside a vararg function near '...'"),
    (b'local function f() local g = function(...) end return ... end',
     b"t:1: cannot use '...' outside a vararg function near '...'"),
    (b'break',
     b"t:1: no loop to break near '<eof>'"),
    (b'do break end x',
     b"t:1: no loop to break near 'end'"),
    (b'end',
     b"t:1: '<eof>' expected near 'end'"),
    (b'x = = 1',
     b"t:1: unexpected symbol near '='"),
    (b"x = '\\300'",
     b"t:1: escape sequence too large near '''"),
    (b"x = '\\256abc'",
     b"t:1: escape sequence too large near '''"),
    (b'x = [[abc',
     b"t:1: unfinished long string near '<eof>'"),
    (b'--[[abc',
     b"t:1: unfinished long comment near '<eof>'"),
    (b'x = [[ a [[ b ]]',
     b"t:1: nesting of [[...]] is deprecated near '['"),
    (b'--[[ a [[ b ]]',
     b"t:1: nesting of [[...]] is deprecated near '['"),
    (b'x = [==x',
     b"t:1: invalid long string delimiter near '[=='"),
    (b'x = [=',
     b"t:1: invalid long string delimiter near '[='"),
    (b'f(',
     b"t:1: unexpected symbol near '<eof>'"),
    (b'a.b:c = 1',
     b"t:1: function arguments expected near '='"),
    (b'(a) = 1',
     b"t:1: syntax error near '='"),
    (b'a, f() = 1, 2',
     b"t:1: syntax error near '='"),
    (b'for i do end',
     b"t:1: '=' or 'in' expected near 'do'"),
    (b'for i = 1 do end',
     b"t:1: ',' expected near 'do'"),
    (b'if x then else elseif y then end',
     b"t:1: 'end' expected near 'elseif'"),
    (b'x = @',
     b"t:1: unexpected symbol near '@'"),
    (b'x = \x01',
     b"t:1: unexpected symbol near 'char(1)'"),
    (b'x = \xe9',
     b"t:1: unexpected symbol near '\xe9'"),
    (b'x = \x00',
     b't:1: unexpected symbol'),
    (b'x = "a\\0b" y',
     b"t:1: '=' expected near '<eof>'"),
    (b'local x, = 1',
     b"t:1: '<name>' expected near '='"),
    (b'function f(a, b c) end',
     b"t:1: ')' expected near 'c'"),
    (b'function f(a, ..., b) end',
     b"t:1: ')' expected near ','"),
    (b'local function() end',
     b"t:1: '<name>' expected near '('"),
    (b'x = function',
     b"t:1: '(' expected near '<eof>'"),
    (b'return return',
     b"t:1: unexpected symbol near 'return'"),
    (b'x = 1 y',
     b"t:1: '=' expected near '<eof>'"),
    (b'x:y',
     b"t:1: function arguments expected near '<eof>'"),
    (b'x.y.z',
     b"t:1: '=' expected near '<eof>'"),
    (b't = {x y}',
     b"t:1: '}' expected near 'y'"),
    (b't = {[1] 2}',
     b"t:1: '=' expected near '2'"),
    (b'x = (1',
     b"t:1: ')' expected near '<eof>'"),
    (b'x = (1\n+ 2',
     b"t:2: ')' expected (to close '(' at line 1) near '<eof>'"),
    (b'repeat x = 1',
     b"t:1: 'until' expected near '<eof>'"),
    (b'while true do',
     b"t:1: 'end' expected near '<eof>'"),
    (b'if x then',
     b"t:1: 'end' expected near '<eof>'"),
    (b'if x',
     b"t:1: 'then' expected near '<eof>'"),
    (b'for k, v in t',
     b"t:1: 'do' expected near '<eof>'"),
    (b'local t = {} t.x.y',
     b"t:1: '=' expected near '<eof>'"),
    (b'x = ~1',
     b"t:1: unexpected symbol near '~'"),
    (b'goto done',
     b"t:1: '=' expected near 'done'"),
    (b'local 1 = 2',
     b"t:1: '<name>' expected near '1'"),
    (b'return 1 2',
     b"t:1: '<eof>' expected near '2'"),
    (b'f() = 1',
     b"t:1: unexpected symbol near '='"),
    (b'x = 1 +',
     b"t:1: unexpected symbol near '<eof>'"),
    (b'x = not',
     b"t:1: unexpected symbol near '<eof>'"),
    (b'a.b.c:d',
     b"t:1: function arguments expected near '<eof>'"),
    (b'print "a" "b" x',
     b"t:1: '=' expected near '<eof>'"),
    (b'x = "abc\\',
     b"t:1: unfinished string near '<eof>'"),
    (b'x = "\\\n\\\n\\\n',
     b"t:4: unfinished string near '<eof>'"),
    (b'x = [[\n\n\n',
     b"t:4: unfinished long string near '<eof>'"),
    (b'\n\n\nx = = 2',
     b"t:4: unexpected symbol near '='"),
    (b'x = 1\r\n\r\ny = = 2',
     b"t:3: unexpected symbol near '='"),
    (b'x = 1\n\r\n\ry = = 2',
     b"t:3: unexpected symbol near '='"),
    (b'x = 1\r\ry = = 2',
     b"t:3: unexpected symbol near '='"),
    (b'x = 1\x00abc y',
     b"t:1: '=' expected near '<eof>'"),
    (b'x = 1e\x00',
     b"t:1: malformed number near '1e'"),
]


def _limit_cases():
    """Programs that break one of luac's limits, with the message (chunk name b"=t")."""
    def names(n, prefix=b"a"):
        return [prefix + b"%d" % i for i in range(n)]

    cases = [
        (b"local " + b",".join(names(201)),
         b"t:1: main function has more than 200 local variables"),
        (b"\n\nfunction f()\n local " + b",".join(names(201)) + b" end",
         b"t:4: function at line 3 has more than 200 local variables"),
        (b"\n".join(b"local " + n for n in names(61, b"u"))
         + b"\nfunction f() return " + b"+".join(names(61, b"u")) + b" end",
         b"t:62: function at line 62 has more than 60 upvalues"),
        (b"x = " + b"(" * 198 + b"1" + b")" * 198,
         b"t:1: chunk has too many syntax levels"),
        (b"do " * 199 + b"end " * 199,
         b"t:1: chunk has too many syntax levels"),
        (b"x = " + b"{" * 199 + b"}" * 199,
         b"t:1: chunk has too many syntax levels"),
        (b",".join(names(200)) + b" = 1",
         b"t:1: main function has more than 198 variables in assignment"),
        (b"do " + b",".join(names(199)) + b" = 1 end",
         b"t:1: main function has more than 197 variables in assignment"),
        (b"x = f(" + b",".join(names(260)) + b")",
         b"t:1: function or expression too complex near 'a249'"),
        (b"while x do " + b"y = y + 1 " * 43700 + b" end",
         b"t:1: control structure too long near 'end'"),
        (b"do local a end\n" * 32768,
         b"too many local variables"),
    ]
    return cases


LIMITS = _limit_cases()


def _our_message(src: bytes, chunkname: bytes = b"=t") -> bytes | None:
    try:
        compile_chunk(src, chunkname)
    except LuaSyntaxError as err:
        return err.value
    return None


@pytest.mark.parametrize("src, message", MESSAGES, ids=[repr(s)[:40] for s, _ in MESSAGES])
def test_message(src, message):
    assert _our_message(src) == message


@pytest.mark.parametrize("src, message", LIMITS, ids=[m.decode()[:50] for _, m in LIMITS])
def test_limit_message(src, message):
    assert _our_message(src) == message


def test_constant_table_overflow():
    # 2^18 - 1 constants fit; one more is refused, with no position (an allocation error in Lua)
    src = b"local t = {" + b",".join(b"%d" % i for i in range(262144)) + b"}"
    assert _our_message(src) == b"constant table overflow"


def test_errors_are_lua_syntax_errors_with_bytes():
    with pytest.raises(LuaSyntaxError) as info:
        compile_chunk(b"x = = 1", b"@dir/file.lua")
    assert info.value.value == b"dir/file.lua:1: unexpected symbol near '='"
    assert str(info.value) == "dir/file.lua:1: unexpected symbol near '='"


def test_chunk_name_is_shortened_in_messages():
    long_name = b"@" + b"d/" * 50 + b"file.lua"
    message = _our_message(b"x = = 1", long_name)
    # the lexer's buffer is 80 bytes: 72 characters of the path's end survive
    assert message == b"..." + long_name[-72:] + b":1: unexpected symbol near '='"
    message = _our_message(b"x = = 1", b"x = = 1")
    assert message == b"[string \"x = = 1\"]:1: unexpected symbol near '='"


def test_shebang_line_is_not_skipped_by_compile_chunk():
    assert _our_message(b"#!/usr/bin/lua\nx = 1") == b"t:1: unexpected symbol near '#'"


# ----- oracles ---------------------------------------------------------------------------

def _luac_message(src: bytes, tmp_path) -> bytes | None:
    (tmp_path / "case.lua").write_bytes(src)
    result = subprocess.run([LUAC51, "-p", "case.lua"], capture_output=True, cwd=tmp_path)
    if result.returncode == 0:
        return None
    # luac prefixes the message with its own name (argv[0]) and ": "
    return result.stderr.split(b": ", 1)[1].rstrip(b"\n")


@needs_luac51
@pytest.mark.oracle
@pytest.mark.parametrize("src", [s for s, _ in MESSAGES + LIMITS],
                         ids=[repr(s)[:40] for s, _ in MESSAGES + LIMITS])
def test_message_matches_luac(src, tmp_path):
    expected = _luac_message(src, tmp_path)
    assert expected is not None
    assert _our_message(src, b"@case.lua") == expected


@needs_lupa
@pytest.mark.oracle
def test_messages_match_lupa_loadstring():
    lua = lupa_lua51().LuaRuntime(encoding=None)
    load = lua.eval("function(s, n) local f, e = loadstring(s, n) return e end")
    for name in (b"=t", b"@some/file.lua", b"x = 1\nsecond line"):
        for src, _ in MESSAGES:
            assert _our_message(src, name) == load(src, name), src
