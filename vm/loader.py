"""Turn the bytes of a Lua file into a Proto the way luaL_loadfile does: skip a `#` first line, accept binary chunks (counterpart of the file loading in lauxlib.c)."""

from __future__ import annotations

from vm.bytecode.proto import Proto
from vm.bytecode.undump import undump
from vm.compiler import skip_shebang

BINARY_MARK = b"\x1b"


def load_file_bytes(data: bytes, chunkname: bytes, integer: bool = False) -> Proto:
    """Compile source, or undump a precompiled chunk, read from a file called `chunkname` (e.g. b"@x.lua")."""
    from vm import compile as compile_source  # noqa: PLC0415  (vm/__init__ imports this module's siblings)

    data = skip_shebang(data)
    if data[:1] == BINARY_MARK:
        return undump(data, chunkname)
    if data[:1] == b"\n" and data[1:2] == BINARY_MARK:
        # A shebang line in front of a binary chunk: Lua reads the chunk after the line.
        return undump(data[1:], chunkname)
    return compile_source(data, chunkname, integer=integer)
