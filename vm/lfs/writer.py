"""Lays out a Proto tree as a NodeMCU Lua 5.1 LFS image: header, RO string table, Protos, relocation bitmap (counterpart of app/lua/luac_cross/lflashimg.c).

The image is built the way luac.cross builds it, so that the bytes match: one serial word
allocator, strings in the collection table's order (vm.lfs.string_table), Protos written
children first, every address stored as a word offset from the image start and remembered
in a relocation bitmap (spec §1.3–§1.11).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vm.bytecode.lineinfo import pack_lineinfo
from vm.bytecode.proto import Proto
from vm.lfs.errors import LfsBuildError
from vm.lfs.image_format import (
    ABSOLUTE_MIN, ABSOLUTE_SPAN, FLASHTS_WORD1, FLOAT, HEADER_SIZE, MAX_IMAGE_WORDS, SIG_ABSOLUTE,
    TAG_BOOLEAN, TAG_NUMBER, TAG_STRING, WORD, Variant, bitmap_words, string_buckets,
)
from vm.lfs.string_table import collection_order, lua_hash

_pack_4i = struct.Struct("<4I").pack
_pack_3i = struct.Struct("<3I").pack
_pack_double = struct.Struct("<d").pack
_pack_int = struct.Struct("<i").pack
_pack_uint = struct.Struct("<I").pack
_pack_proto = struct.Struct("<17I4B").pack
_INT32 = 1 << 32


@dataclass
class RawImage:
    """A position-independent image before compression."""
    variant: Variant
    image: bytes             # flash_size bytes; addresses are word offsets
    flagged: list[int]       # indices of the words holding addresses, ascending
    string_count: int
    bucket_count: int

    @property
    def flash_size(self) -> int:
        return len(self.image)

    def bitmap(self) -> bytes:
        bits = bytearray(bitmap_words(len(self.image)) * WORD)
        for w in self.flagged:
            bits[w >> 3] |= 1 << (w & 7)
        return bytes(bits)

    def payload(self) -> bytes:
        """What luac.cross compresses: the image followed by its relocation bitmap."""
        return self.image + self.bitmap()

    def absolute(self, address: int) -> bytes:
        """The image linked for flash address `address`, as `luac.cross -a` writes it."""
        check_absolute_address(address)
        words = list(struct.unpack(f"<{len(self.image) // WORD}I", self.image))
        for w in self.flagged:
            words[w] = (WORD * words[w] + address) & 0xFFFFFFFF
        words[0] |= SIG_ABSOLUTE
        return struct.pack(f"<{len(words)}I", *words)


def check_absolute_address(address: int) -> None:
    if not 0 <= address - ABSOLUTE_MIN <= ABSOLUTE_SPAN:
        raise LfsBuildError("'-a' absolute address must be valid flash address")


def proto_strings(main: Proto, lineinfo: dict[int, bytes]) -> list[bytes]:
    """Every string of the tree in the order luac.cross offers them to its collection table.

    Fills `lineinfo` with each Proto's packed line string (keyed by id) on the way.
    """
    out: list[bytes] = []
    append = out.append
    stack = [main]
    while stack:
        f = stack.pop()
        if f.source is not None:
            append(f.source)
        if f.lineinfo:
            packed = pack_lineinfo(f.lineinfo)
            lineinfo[id(f)] = packed
            append(packed)
        for k in f.constants:
            if type(k) is bytes:
                append(k)
        out.extend(f.upvalues)
        out.extend(v.name for v in f.locvars)
        stack.extend(reversed(f.protos))
    return out


class _ImageBuilder:
    def __init__(self, variant: Variant):
        self.variant = variant
        self.buf = bytearray()
        self.flagged: list[int] = []
        self.string_at: dict[bytes, int] = {}
        self.lineinfo: dict[int, bytes] = {}

    def words(self) -> int:
        return len(self.buf) >> 2

    def add_strings(self, main: Proto) -> tuple[int, int]:
        order = collection_order(proto_strings(main, self.lineinfo))
        count = len(order)
        nbuckets = string_buckets(count)
        mask = nbuckets - 1
        buckets = [0] * nbuckets
        buf = self.buf
        bucket_base = self.words()
        buf += bytes(nbuckets * WORD)
        flagged = self.flagged
        string_at = self.string_at
        for s in order:
            h = lua_hash(s)
            b = h & mask
            here = len(buf) >> 2
            previous = buckets[b]
            if previous:
                flagged.append(here)
            buf += _pack_4i(previous, FLASHTS_WORD1, h, len(s))
            buf += s
            buf += bytes(4 - (len(s) & 3))      # the NUL plus padding to a word
            buckets[b] = here
            string_at[s] = here
        for b, head in enumerate(buckets):
            if head:
                struct.pack_into("<I", buf, (bucket_base + b) * WORD, head)
                flagged.append(bucket_base + b)
        return count, nbuckets

    def add_proto(self, f: Proto) -> int:
        children = [self.add_proto(child) for child in f.protos]
        buf = self.buf
        flagged = self.flagged
        p_at = k_at = code_at = loc_at = up_at = 0
        if children:
            p_at = len(buf) >> 2
            flagged.extend(range(p_at, p_at + len(children)))
            buf += struct.pack(f"<{len(children)}I", *children)
        if f.constants:
            k_at = len(buf) >> 2
            self._add_constants(f.constants)
        if f.code:
            code_at = len(buf) >> 2
            buf += struct.pack(f"<{len(f.code)}I", *f.code)
        line_at = 0
        packed = self.lineinfo.get(id(f))
        if packed is not None:
            line_at = self.string_at[packed] + 4       # the characters after the FlashTS header
        string_at = self.string_at
        if f.locvars:
            loc_at = len(buf) >> 2
            for i, var in enumerate(f.locvars):
                flagged.append(loc_at + 3 * i)
                buf += _pack_3i(string_at[var.name], var.startpc, var.endpc)
        if f.upvalues:
            up_at = len(buf) >> 2
            flagged.extend(range(up_at, up_at + len(f.upvalues)))
            buf += struct.pack(f"<{len(f.upvalues)}I", *(string_at[u] for u in f.upvalues))
        source_at = string_at[f.source] if f.source is not None else 0
        record = len(buf) >> 2
        for offset, value in ((2, k_at), (3, code_at), (4, p_at), (5, line_at), (6, loc_at),
                              (7, up_at), (8, source_at)):
            if value:
                flagged.append(record + offset)
        buf += _pack_proto(0, 0, k_at, code_at, p_at, line_at, loc_at, up_at, source_at,
                           len(f.upvalues), len(f.constants), len(f.code), len(f.protos),
                           len(f.locvars), f.linedefined, f.lastlinedefined, 0,
                           f.nups, f.numparams, f.is_vararg, f.maxstacksize)
        return record

    def _add_constants(self, constants: list) -> None:
        buf = self.buf
        variant = self.variant
        size = variant.tvalue_size
        tag_at = variant.number_size
        slot_pad = size - tag_at - 4
        for k in constants:
            if k is None:
                buf += bytes(size)
                continue
            if type(k) is bytes:
                self.flagged.append(len(buf) >> 2)
                value = _pack_uint(self.string_at[k]) + bytes(tag_at - 4)
                tag = TAG_STRING
            elif k is True or k is False:
                value = _pack_uint(1 if k else 0) + bytes(tag_at - 4)
                tag = TAG_BOOLEAN
            elif variant.integer:
                wrapped = int(k) % _INT32
                value = _pack_int(wrapped - _INT32 if wrapped >= 1 << 31 else wrapped)
                tag = TAG_NUMBER
            else:
                value = _pack_double(float(k))
                tag = TAG_NUMBER
            buf += value
            buf += _pack_uint(tag)
            if slot_pad:
                buf += bytes(slot_pad)


def layout_image(main: Proto, variant: Variant = FLOAT) -> RawImage:
    """Serialise `main` (normally a lookup main from vm.lfs.lookup) into a position-independent image."""
    builder = _ImageBuilder(variant)
    builder.buf += bytes(HEADER_SIZE)
    count, nbuckets = builder.add_strings(main)
    main_at = builder.add_proto(main)
    if builder.words() > MAX_IMAGE_WORDS:
        raise LfsBuildError("Out of Flash memory")
    flash_size = len(builder.buf)
    struct.pack_into("<6I", builder.buf, 0, variant.signature, flash_size, main_at,
                     HEADER_SIZE // WORD, count, nbuckets)
    builder.flagged.extend((2, 3))
    builder.flagged.sort()
    return RawImage(variant, bytes(builder.buf), builder.flagged, count, nbuckets)

