"""The `sjson` module: JSON encoding and decoding, both one-shot (encode/decode) and streaming (encoder objects with :read, decoder objects with :write/:result); counterpart of app/modules/sjson.c with its jsonsl parser (app/sjson/jsonsl.c).

Both directions follow the firmware's machinery rather than a host JSON library, because the
firmware's quirks are observable:

* Encoder. The firmware walks the table with an explicit stack of (table, size, position,
  last key) frames. `sjson.encode` is an encoder read once with a 1 000 000-byte limit. The
  frame loop of this release runs until the whole value is written (its per-chunk stop is
  commented out), so the first `:read()` renders the complete text — calling value functions
  and raising errors then — and later reads hand out slices of it. An error discards the text
  built so far but keeps the walk's position, so the next read resumes at the failing value.
  The size of the top-level table (array or object) is fixed when the encoder is created.
* Decoder. A port of jsonsl's byte-at-a-time state machine with sjson's push/pop callbacks,
  so chunk boundaries do not matter, error names are jsonsl's (`JSON parse error: STRAY_TOKEN`)
  and the same leniencies hold (e.g. `["a" "b"]` parses, a top-level scalar never completes).

Firmware details kept on purpose: the `depth` option is read from the wrong stack slot and is
therefore always 20; the `null` option only matters for string values when encoding; a
decoder built with an options table but no `null` decodes JSON null as nil; JSON null decodes
by default to a light userdata.
"""

from __future__ import annotations

import math

from vm.nodemcu.modules.rotable import content_of
from vm.nodemcu.modules.sjson_decoder import DEFAULT_DEPTH, new_decoder
from vm.nodemcu.modules.support import error, lua_function, module_table
from vm.runtime.calls import ccall
from vm.runtime.operations import index
from vm.runtime.table import Table
from vm.runtime.values import LightUserdata, Userdata, is_function, number_to_bytes, type_name
from vm.stdlib.auxlib import check_string, type_error


DEFAULT_READ = 1024         # encoder:read() without a size
ENCODE_READ = 1000000       # sjson.encode reads this much once
FUNCTION_CALLS = 10         # a value function's result may be a function again, this many times


def _c_int(x: float) -> int:
    """lua_tointeger on the board: truncation; out-of-range values become INT_MIN (as
    vm.nodemcu.partitions assumes for the double-to-int conversion)."""
    if x != x or x >= 2147483648.0 or x < -2147483648.0:
        return -2147483648
    return int(x)


def _lua_type(value) -> int:
    """lua_type's number for a value (Lua 5.1 numbering)."""
    if value is None:
        return 0
    t = type(value)
    if t is bool:
        return 1
    if t is LightUserdata:
        return 2
    if t is float or t is int:
        return 3
    if t is bytes:
        return 4
    if t is Table:
        return 5
    if is_function(value):
        return 6
    if type_name(value) == b"thread":
        return 8
    return 7


def _opt_field(opts, name: bytes):
    return index(opts, name) if type(opts) is Table else None


def _raw(t: Table) -> Table:
    """The table whose slots a raw read sees (a ROTable's content, else the table)."""
    content = content_of(t)
    return t if content is None else content


def _new_meta(methods: dict) -> Table:
    """A userdata metatable laid out like the firmware's ROTable: methods and __gc in it,
    __index pointing at itself."""
    meta = Table()
    for name, fn in methods.items():
        meta.rawset(name.encode(), fn)
    meta.rawset(b"__index", meta)
    return meta


def _check(args, meta: Table, name: bytes):
    value = args[0] if args else None
    if type(value) is not Userdata or value.meta is not meta:
        type_error(args, 0, name)
    return value.payload


# ----- encoder --------------------------------------------------------------------------------

ESCAPES = {0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0C: b"\\f", 0x0D: b"\\r", 0x22: b'\\"'}


def _quote(s: bytes) -> bytes:
    out = bytearray(b'"')
    for byte in s:
        rep = ESCAPES.get(byte)
        if rep is not None:
            out += rep
        elif byte < 0x20:
            out += b"\\u%04x" % byte
        else:
            out.append(byte)
    out.append(0x22)
    return bytes(out)


def _number(x: float) -> bytes:
    # The firmware prints with "%.19g" and turns exactly "inf", "-inf" and "nan" into null;
    # a NaN with the sign bit set prints "-nan" and slips through, as there.
    if x != x:
        return b"-nan" if math.copysign(1.0, x) < 0 else b"null"
    if math.isinf(x):
        return b"null"
    return b"%.19g" % x


def _table_size(t: Table) -> int:
    """-1 for an object, else the largest integer key (as a C short, as the firmware keeps it)."""
    raw = _raw(t)
    maxkey = 0
    for key in dict.keys(raw):
        if type(key) is not float:
            return -1
        val = _c_int(key)
        if val > maxkey:
            maxkey = val
        elif val <= 0:
            return -1
    return ((maxkey + 0x8000) & 0xFFFF) - 0x8000


class _Frame:
    __slots__ = ("table", "size", "offset", "key")

    def __init__(self, table: Table):
        self.table = table
        self.size = _table_size(table)
        self.offset = 0         # even: separator/key next, odd: value next
        self.key = None         # the key whose value was written last (objects)


class Encoder:
    """The state of one sjson.encoder object."""

    def __init__(self, table: Table, null):
        self.nlevels = DEFAULT_DEPTH
        self.stack: list[_Frame] = []
        self.level = -1
        self.broken = False     # the firmware's level is past its stack after an overflow
        self.null = null        # a string that encodes as null, or None
        self.current: bytes | None = None
        self.offset = 0
        self.push(table)

    def push(self, table: Table) -> None:
        self.level += 1
        if self.level >= self.nlevels:
            self.broken = True
            error(b"encoder stack overflow")
        frame = _Frame(table)
        if self.level < len(self.stack):
            self.stack[self.level] = frame
        else:
            self.stack.append(frame)

    def pop(self) -> None:
        self.stack[self.level] = None
        self.level -= 1

    def scalar(self, value, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
        kind = _lua_type(value)
        if kind == 4 and type(self.null) is bytes and value == self.null:
            kind = 0
        if kind == 0 or kind == 2:
            text = b"null"
        elif kind == 1:
            text = b"true" if value else b"false"
        elif kind == 3:
            text = _number(float(value))
        elif kind == 4:
            text = _quote(value)
        else:
            error(b"Cannot encode type %d" % kind)
        return prefix + text + suffix

    @staticmethod
    def resolve(value):
        """Call value functions (up to FUNCTION_CALLS times) and return what they leave."""
        count = FUNCTION_CALLS
        while is_function(value) and count > 0:
            count -= 1
            r = ccall(value)
            value = r[0] if r else None
        return value

    def make_chunk(self) -> None:
        if self.level < 0:
            return
        if self.broken:
            error(b"encoder stack overflow")
        out = bytearray()
        while self.level >= 0:
            frame = self.stack[self.level]
            finished = False
            if frame.size >= 0:
                if frame.offset == 0:
                    out += b"["
                if frame.offset == frame.size << 1:
                    out += b"]"
                    finished = True
                elif frame.offset & 1 == 0:
                    if frame.offset > 0:
                        out += b","
                else:
                    value = self.resolve(dict.get(_raw(frame.table), float((frame.offset >> 1) + 1)))
                    if type(value) is Table:
                        self.push(value)
                        frame.offset += 1
                        continue
                    out += self.scalar(value)
                frame.offset += 1
            else:
                entry = frame.table.next(frame.key) if content_of(frame.table) is None \
                    else _raw(frame.table).next(frame.key)
                if entry is not None:
                    key, value = entry
                    if frame.offset & 1:
                        frame.key = key
                        value = self.resolve(value)
                        if type(value) is Table:
                            self.push(value)
                            frame.offset += 1
                            continue
                        out += self.scalar(value)
                    else:
                        name = number_to_bytes(key) if type(key) is float else key
                        out += self.scalar(name, b"," if frame.offset else b"{", b":")
                else:
                    out += b"}"
                    finished = True
                frame.offset += 1
            if finished:
                self.pop()
        self.current = bytes(out)
        self.offset = 0

    def read(self, readsize: int):
        out = bytearray()
        while True:
            if self.current is not None:
                amount = min(len(self.current) - self.offset, readsize)
                out += self.current[self.offset:self.offset + amount]
                self.offset += amount
                readsize -= amount
                if self.offset == len(self.current):
                    self.current = None
            if readsize > 0:
                self.make_chunk()
            if not (readsize > 0 and self.current is not None):
                break
        return (bytes(out),) if out else ()


def open(board, lua) -> Table:  # noqa: A001
    def new_encoder(args) -> Userdata:
        table = args[0] if args else None
        if type(table) is not Table:
            type_error(args, 0, b"table")
        opts = args[1] if len(args) > 1 else None
        encoder = Encoder(table, None)
        encoder.null = _opt_field(opts, b"null")
        return Userdata(encoder, encoder_meta)

    @lua_function("read")
    def encoder_read(*args):
        encoder = _check(args, encoder_meta, b"sjson.encoder")
        size = DEFAULT_READ
        if len(args) > 1 and type(args[1]) is float:
            size = max(1, _c_int(args[1]))
        return encoder.read(size)

    @lua_function("__gc")
    def gc(*args):
        return ()

    @lua_function("write")
    def decoder_write(*args):
        decoder = _check(args, decoder_meta, b"sjson.decoder")
        return decoder.write(check_string(args, 1))

    @lua_function("result")
    def decoder_result(*args):
        return _check(args, decoder_meta, b"sjson.decoder").value()

    encoder_meta = _new_meta({"read": encoder_read, "__gc": gc})
    decoder_meta = _new_meta({"write": decoder_write, "result": decoder_result, "__gc": gc})

    @lua_function("encoder")
    def sjson_encoder(*args):
        return (new_encoder(args),)

    @lua_function("encode")
    def sjson_encode(*args):
        return new_encoder(args).payload.read(ENCODE_READ)

    @lua_function("decoder")
    def sjson_decoder(*args):
        return (Userdata(new_decoder(args[0] if args else None), decoder_meta),)

    @lua_function("decode")
    def sjson_decode(*args):
        decoder = new_decoder(args[1] if len(args) > 1 else None)
        result = decoder.write(check_string(args, 0))
        if not result:
            error(b"Incomplete JSON object passed to sjson.decode")
        return result

    return module_table({"encode": sjson_encode, "decode": sjson_decode,
                         "encoder": sjson_encoder, "decoder": sjson_decoder})
