"""Write a Proto tree as a binary chunk in stock or NodeMCU format (counterpart of ldump.c, stock and NodeMCU's)."""

from __future__ import annotations

import struct

from vm.bytecode.chunk_format import NODEMCU, STOCK, ChunkFormat
from vm.bytecode.lineinfo import pack_lineinfo
from vm.bytecode.proto import Proto
from vm.errors import LuaError

TYPE_NIL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING = 0, 1, 3, 4


class DumpError(LuaError):
    """A value cannot be represented in the target format (NodeMCU integer build)."""


class _Writer:
    def __init__(self, fmt: ChunkFormat, strip: bool):
        self.fmt = fmt
        self.strip = strip
        self.out = bytearray()
        self._size = struct.Struct("<Q" if fmt.sizeof_size_t == 8 else "<I")

    def int(self, value: int) -> None:
        self.out += struct.pack("<i", value)

    def byte(self, value: int) -> None:
        self.out.append(value & 0xFF)

    def align(self) -> None:
        if self.fmt.align:
            pad = -len(self.out) & 3
            self.out += b"\0" * pad

    def string(self, value: bytes | None) -> None:
        if value is None:
            self.out += self._size.pack(0)
        else:
            self.out += self._size.pack(len(value) + 1)
            self.out += value
            self.out.append(0)

    def number(self, value) -> None:
        fmt = self.fmt
        if fmt.integral:
            as_int = int(value)
            if as_int != value:
                raise DumpError(b"number has no integer representation")
            if as_int > 0x7FFFFFFE or as_int < -0x7FFFFFFF:
                raise DumpError(b"value too big or small for target integer type")
            self.out += struct.pack("<i", as_int)
        elif fmt.sizeof_number == 8:
            self.out += struct.pack("<d", value)
        else:
            self.out += struct.pack("<f", value)

    def function(self, f: Proto, parent_source: bytes | None) -> None:
        strip = self.strip
        self.string(None if (strip or f.source == parent_source) else f.source)
        self.int(f.linedefined)
        self.int(f.lastlinedefined)
        self.byte(f.nups)
        self.byte(f.numparams)
        self.byte(f.is_vararg)
        self.byte(f.maxstacksize)
        self.int(len(f.code))
        self.align()
        self.out += struct.pack(f"<{len(f.code)}I", *f.code)
        self.int(len(f.constants))
        for k in f.constants:
            if k is None:
                self.byte(TYPE_NIL)
            elif k is True or k is False:
                self.byte(TYPE_BOOLEAN)
                self.byte(1 if k else 0)
            elif isinstance(k, (int, float)):
                self.byte(TYPE_NUMBER)
                self.number(k)
            else:
                self.byte(TYPE_STRING)
                self.string(k)
        self.int(len(f.protos))
        for child in f.protos:
            self.function(child, f.source)
        self.debug(f)

    def debug(self, f: Proto) -> None:
        strip = self.strip
        if self.fmt.packed_lineinfo:
            packed = b"" if strip or not f.lineinfo else pack_lineinfo(f.lineinfo) + b"\0"
            self.int(len(packed))
            self.align()
            self.out += packed
        else:
            lines = [] if strip else f.lineinfo
            self.int(len(lines))
            self.out += struct.pack(f"<{len(lines)}i", *lines)
        locvars = [] if strip else f.locvars
        self.int(len(locvars))
        for var in locvars:
            self.string(var.name)
            self.int(var.startpc)
            self.int(var.endpc)
        upvalues = [] if strip else f.upvalues
        self.int(len(upvalues))
        for name in upvalues:
            self.string(name)


def dump(proto: Proto, fmt: ChunkFormat = STOCK, strip: bool = False) -> bytes:
    """Serialise `proto` (the main function of a chunk) in format `fmt`; `strip` drops debug info like luac -s."""
    writer = _Writer(fmt, strip)
    writer.out += fmt.header
    writer.function(proto, None)
    return bytes(writer.out)


def dump_nodemcu(proto: Proto, strip: bool = False) -> bytes:
    return dump(proto, NODEMCU, strip)
