"""Read a binary chunk back into a Proto tree, rejecting bad input with Lua 5.1's messages (counterpart of lundump.c)."""

from __future__ import annotations

import struct

from vm.bytecode.chunk_format import HEADER_SIZE, ChunkFormat, format_from_header
from vm.bytecode.dump import TYPE_BOOLEAN, TYPE_NIL, TYPE_NUMBER, TYPE_STRING
from vm.bytecode.lineinfo import unpack_lineinfo
from vm.bytecode.proto import LocVar, Proto
from vm.bytecode.verify import check_code
from vm.errors import LuaSyntaxError

# Lua's LUAI_MAXCCALLS (200) bounds nested function records; luac and lua have already used one
# level of that C-call budget when they load a file, so 199 nested records are the most they read.
MAX_NESTING = 199


class _BadChunk(Exception):
    pass


class _Reader:
    def __init__(self, data: bytes, fmt: ChunkFormat):
        self.data = data
        self.pos = HEADER_SIZE
        self.fmt = fmt
        self.depth = 0
        self._size = struct.Struct("<Q" if fmt.sizeof_size_t == 8 else "<I")

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise _BadChunk("unexpected end")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def int(self) -> int:
        # Every int field of a chunk (sizes, line numbers, pcs) must be non-negative.
        n = struct.unpack("<i", self.take(4))[0]
        if n < 0:
            raise _BadChunk("bad integer")
        return n

    count = int

    def byte(self) -> int:
        return self.take(1)[0]

    def align(self) -> None:
        if self.fmt.align:
            self.take(-self.pos & 3)

    def string(self) -> bytes | None:
        size = self._size.unpack(self.take(self._size.size))[0]
        if size == 0:
            return None
        return self.take(size)[:-1]

    def number(self):
        fmt = self.fmt
        if fmt.integral:
            return struct.unpack("<i", self.take(4))[0]
        if fmt.sizeof_number == 8:
            return struct.unpack("<d", self.take(8))[0]
        return struct.unpack("<f", self.take(4))[0]

    def function(self, parent_source: bytes) -> Proto:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _BadChunk("code too deep")
        f = Proto()
        source = self.string()
        f.source = parent_source if source is None else source
        f.linedefined = self.int()
        f.lastlinedefined = self.int()
        f.nups = self.byte()
        f.numparams = self.byte()
        f.is_vararg = self.byte()
        f.maxstacksize = self.byte()
        n = self.count()
        self.align()
        f.code = list(struct.unpack(f"<{n}I", self.take(4 * n)))
        n = self.count()
        constants = []
        for _ in range(n):
            kind = self.byte()
            if kind == TYPE_NIL:
                constants.append(None)
            elif kind == TYPE_BOOLEAN:
                constants.append(self.byte() != 0)
            elif kind == TYPE_NUMBER:
                constants.append(self.number())
            elif kind == TYPE_STRING:
                constants.append(self.string())
            else:
                raise _BadChunk("bad constant")
        f.constants = constants
        n = self.count()
        f.protos = [self.function(f.source) for _ in range(n)]
        self.debug(f)
        if not check_code(f, stock_lineinfo=not self.fmt.packed_lineinfo):
            raise _BadChunk("bad code")
        self.depth -= 1
        return f

    def debug(self, f: Proto) -> None:
        n = self.count()
        if self.fmt.packed_lineinfo:
            self.align()
            packed = self.take(n)
            if n:
                try:
                    f.lineinfo = unpack_lineinfo(packed, len(f.code))
                except ValueError:
                    raise _BadChunk("bad code") from None
        else:
            f.lineinfo = list(struct.unpack(f"<{n}i", self.take(4 * n)))
        n = self.count()
        f.locvars = []
        for _ in range(n):
            name = self.string()
            f.locvars.append(LocVar(name if name is not None else b"", self.int(), self.int()))
        n = self.count()
        f.upvalues = []
        for _ in range(n):
            name = self.string()
            f.upvalues.append(name if name is not None else b"")


def chunk_display_name(chunkname: str | bytes) -> bytes:
    """The name Lua puts in front of load errors for a chunk called `chunkname`."""
    if isinstance(chunkname, str):
        chunkname = chunkname.encode("latin-1")
    if chunkname[:1] in (b"@", b"="):
        return chunkname[1:]
    if chunkname[:1] == b"\x1b":
        return b"binary string"
    return chunkname


def undump(data: bytes, chunkname: str | bytes = b"=?", fmt: ChunkFormat | None = None) -> Proto:
    """Load a binary chunk. With `fmt` None any known format is accepted (see vm.bytecode.chunk_format).

    Raises LuaSyntaxError with Lua's text, e.g. `x.luac: bad header in precompiled chunk`.
    """
    name = chunk_display_name(chunkname)
    try:
        header = data[:HEADER_SIZE]
        if len(header) < HEADER_SIZE:
            raise _BadChunk("unexpected end")
        found = format_from_header(header)
        if found is None or (fmt is not None and found != fmt):
            raise _BadChunk("bad header")
        reader = _Reader(bytes(data), found)
        return reader.function(b"=?")
    except _BadChunk as exc:
        raise LuaSyntaxError(name + b": " + str(exc).encode() + b" in precompiled chunk") from None


def detect_format(data: bytes) -> ChunkFormat | None:
    return format_from_header(data[:HEADER_SIZE])
