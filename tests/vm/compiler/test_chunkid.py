"""Chunk names as Lua shows them in messages (vm/compiler/chunkid.py, luaO_chunkid)."""

from __future__ import annotations

import pytest

from tests.oracles import lupa_lua51, needs_lupa
from vm.compiler.chunkid import LEXER_IDSIZE, LUA_IDSIZE, chunk_id


@pytest.mark.parametrize("name, shown", [
    (b"=stdin", b"stdin"),
    (b"=" + b"n" * 100, b"n" * 59),
    (b"@init.lua", b"init.lua"),
    (b"@" + b"p" * 52, b"p" * 52),
    (b"@" + b"p" * 40 + b"q" * 13, b"..." + b"p" * 39 + b"q" * 13),
    (b"print(1)", b'[string "print(1)"]'),
    (b"x = 1\ny = 2", b'[string "x = 1..."]'),
    (b"x = 1\ry = 2", b'[string "x = 1..."]'),
    (b"s" * 43, b'[string "' + b"s" * 43 + b'"]'),
    (b"s" * 44, b'[string "' + b"s" * 43 + b'..."]'),
    (b"", b'[string ""]'),
    (b"=", b""),
    (b"@", b""),
    (b"=a\0b", b"a"),
])
def test_chunk_id_default_size(name, shown):
    assert chunk_id(name) == shown
    assert chunk_id(name, LUA_IDSIZE) == shown


def test_lexer_uses_a_bigger_buffer():
    assert chunk_id(b"@" + b"p" * 100, LEXER_IDSIZE) == b"..." + b"p" * 72
    assert chunk_id(b"s" * 100, LEXER_IDSIZE) == b'[string "' + b"s" * 63 + b'..."]'
    assert chunk_id(b"=" + b"n" * 100, LEXER_IDSIZE) == b"n" * 79


@needs_lupa
@pytest.mark.oracle
def test_matches_lua_runtime_errors():
    # run-time errors name the chunk through a LUA_IDSIZE buffer
    lua = lupa_lua51().LuaRuntime(encoding=None)
    run = lua.eval("function(name) local f = loadstring('error(\"x\")', name) "
                   "local ok, e = pcall(f) return e end")
    for name in (b"=" + b"n" * 100, b"@" + b"p" * 80, b"s" * 80, b"ab\ncd", b"@short.lua"):
        assert run(name) == chunk_id(name) + b":1: x"
