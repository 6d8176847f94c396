"""The virtual NodeMCU: a pure-Python Lua 5.1 toolchain and runtime plus the emulated board.

The small public API the rest of the project uses:

    compile(source, chunkname, integer=False) -> Proto     (raises LuaSyntaxError)
    dump(proto, fmt=STOCK, strip=False) -> bytes
    undump(data, chunkname, fmt=None) -> Proto              (raises LuaSyntaxError)
    listing(proto, full=False) -> str                       (what `luac -l` / `luac -l -l` prints)

Formats: vm.STOCK (luac 5.1 on x86-64), vm.NODEMCU (luac.cross), vm.NODEMCU_INT (integer firmware).
"""

from __future__ import annotations

from vm.bytecode.chunk_format import NODEMCU, NODEMCU_INT, STOCK, ChunkFormat
from vm.bytecode.dump import dump
from vm.bytecode.proto import LocVar, Proto
from vm.bytecode.undump import undump
from vm.errors import LuaError, LuaSyntaxError

__all__ = [
    "ChunkFormat", "LocVar", "LuaError", "LuaSyntaxError", "NODEMCU", "NODEMCU_INT", "Proto",
    "STOCK", "compile", "dump", "listing", "undump",
]


def compile(source: bytes | str, chunkname: bytes | str = b"=?", integer: bool = False) -> Proto:  # noqa: A001
    """Compile Lua 5.1 source into its main Proto, exactly as luac 5.1 would.

    `chunkname` follows Lua's convention: b"@file.lua" for files, b"=name" for literal names.
    `integer` selects the NodeMCU integer firmware's number semantics.
    """
    from vm.compiler import compile_chunk  # noqa: PLC0415  (keeps `import vm` cheap)

    if isinstance(source, str):
        source = source.encode("utf-8")
    if isinstance(chunkname, str):
        chunkname = chunkname.encode("utf-8")
    return compile_chunk(source, chunkname, integer=integer)


def listing(proto: Proto, full: bool = False) -> str:
    """The text `luac -l` (or `luac -l -l` when `full`) prints for `proto`."""
    from vm.bytecode.listing import list_proto  # noqa: PLC0415

    return list_proto(proto, full=full)
