"""The Lua 5.1 compiler: source bytes to a Proto identical to luac 5.1's (counterpart of luaY_parser in lparser.c, the text-chunk path of lua_load).

    compile_chunk(source, chunkname, integer=False) -> Proto    (raises LuaSyntaxError)
    skip_shebang(source) -> bytes                              (what luaL_loadfile drops)
    chunk_id(chunkname, size=60) -> bytes                      (the name used in messages)

`compile_chunk` compiles exactly the bytes it is given, like `loadstring`. Files are different:
`luac` and `dofile` read them through luaL_loadfile, which ignores a first line starting with
'#'. Callers that compile files (the `luac` command, the LFS builder) apply `skip_shebang`
first; it keeps the line break so that line numbers stay right.
"""

from __future__ import annotations

import sys

from vm.bytecode.proto import Proto
from vm.compiler.chunkid import chunk_id
from vm.compiler.parser import Parser

__all__ = ["chunk_id", "compile_chunk", "skip_shebang"]

# The parser recurses once per syntactic level (Lua allows 200) and a few Python frames per
# level; make sure that never trips Python's own limit. It is only ever raised, never lowered,
# so concurrent compiles in other threads are unaffected.
_NEEDED_RECURSION = 12000


def _ensure_recursion_limit() -> None:
    if sys.getrecursionlimit() < _NEEDED_RECURSION:
        sys.setrecursionlimit(_NEEDED_RECURSION)


def skip_shebang(source: bytes) -> bytes:
    """Drop a first line that starts with '#' (keeping its line break), as luaL_loadfile does."""
    if source[:1] != b"#":
        return source
    newline = source.find(b"\n")
    return b"\n" if newline < 0 else source[newline:]


def compile_chunk(source: bytes, chunkname: bytes, *, integer: bool = False) -> Proto:
    """Compile Lua 5.1 `source` into the main Proto of the chunk, exactly as luac 5.1 would.

    `chunkname` is stored as the source of every Proto (b"@file.lua", b"=stdin", ...).
    `integer` selects NodeMCU's integer build: int32 numbers and integer constant folding.
    """
    _ensure_recursion_limit()
    nul = chunkname.find(b"\0")
    if nul >= 0:          # Lua keeps the name as a C string
        chunkname = chunkname[:nul]
    return Parser(bytes(source), chunkname, integer).main_function()
