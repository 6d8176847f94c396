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
from vm.nodemcu.modules.support import error, lua_function, module_table
from vm.runtime.calls import ccall
from vm.runtime.operations import index, setindex
from vm.runtime.table import Table
from vm.runtime.values import LightUserdata, Userdata, is_function, number_to_bytes, str_to_number, type_name
from vm.stdlib.auxlib import check_string, type_error

JSON_NULL = LightUserdata("sjson.null")

DEFAULT_DEPTH = 20          # what every encoder/decoder gets (see the module docstring)
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


# ----- decoder: jsonsl's state machine --------------------------------------------------------

T_STRING, T_HKEY, T_OBJECT, T_LIST, T_SPECIAL, T_ROOT = 1, 2, 3, 4, 5, 0
STRINGY = (T_STRING, T_HKEY)

F_SIGNED, F_UNSIGNED, F_TRUE, F_FALSE, F_NULL, F_FLOAT, F_EXPONENT = 1, 2, 4, 8, 16, 32, 64
F_ZERO = 1 << 9 | F_UNSIGNED
F_DASH = 1 << 10
F_NUMERIC = F_SIGNED | F_UNSIGNED
SPECIAL_START = {ord("-"): F_DASH, ord("0"): F_ZERO, ord("t"): F_TRUE, ord("f"): F_FALSE, ord("n"): F_NULL}
SPECIAL_START.update({c: F_UNSIGNED for c in b"123456789"})
LITERALS = {F_TRUE: b"true", F_FALSE: b"false", F_NULL: b"null"}
SPECIAL_END = frozenset(b'\t\n\r ",:[\\]{}')
WHITESPACE = frozenset(b"\t\n\r ")
ESCAPABLE = frozenset(b'"/\\bfnrtu')
DIGITS = frozenset(b"0123456789")
UNESCAPE = {ord("b"): 8, ord("f"): 12, ord("n"): 10, ord("r"): 13, ord("t"): 9}

# the states visited for one byte (the C code's goto labels)
_QUOTE, _ESCAPE, _STRUCTURAL, _SPECIAL_BEGIN, _NUMERIC, _SPECIAL_POP = range(6)


class _Level:
    """One jsonsl stack slot. Slots are reused, so fields keep values from earlier use."""
    __slots__ = ("level", "type", "nelem", "flags", "length", "pos_begin", "pos_cur", "table",
                 "used_count")

    def __init__(self, level: int):
        self.level = level
        self.type = T_ROOT
        self.nelem = 0
        self.flags = 0
        self.length = 0         # jsonsl's nescapes, which also counts a literal's bytes
        self.pos_begin = 0
        self.pos_cur = 0
        self.table = None
        self.used_count = 0


def _fromhex(c: int) -> int:
    return (c & 0xF) if c <= 0x39 else ((c - 0x41 + 10) & 0xF)


def _utf8(c: int) -> bytes:
    if c < 0x80:
        return bytes((c,))
    if c < 0x800:
        return bytes((192 + c // 64, 128 + c % 64))
    if 0xD800 <= c < 0xE000:
        return b"?"
    return bytes((224 + c // 4096, 128 + c // 64 % 64, 128 + c % 64))


class Decoder:
    """The state of one sjson.decoder object: jsonsl parser state plus the Lua-side results."""

    def __init__(self, null, metatable, path: Table | None):
        self.levels_max = DEFAULT_DEPTH
        self.stack = [_Level(i) for i in range(self.levels_max)]
        self.level = 0
        self.pos = 0
        self.can_insert = True
        self.expecting = 0
        self.tok_last = 0
        self.in_escape = False
        self.error: bytes | None = None
        self.complete = False
        self.null = null
        self.metatable = metatable
        self.path = path             # the checkpath path table, when checkpath was set
        self.hkey = None
        self.result = Table()
        self.buffer = b""            # input from position `base` on
        self.base = 0
        self.min_needed = 0

    # ----- Lua-side callbacks (sjson.c's create_new_element / cleanup_closing_element) -----
    def _parent_and_key(self, st: _Level):
        """The table a new value goes into and its key: the pending object key, else the
        next list index (always 1 at the top, where the value lands in the result holder)."""
        parent = self.result if st.level == 1 else self.stack[st.level - 1].table
        if self.hkey is not None:
            key, self.hkey = self.hkey, None
            return parent, key
        if st.level == 1:
            return parent, 1.0
        up = self.stack[st.level - 1]
        up.used_count += 1
        return parent, float(up.used_count)

    def _pushed(self, st: _Level) -> None:
        st.table = None
        if st.type in (T_LIST, T_OBJECT):
            t = Table()
            if type(self.metatable) is Table:
                t.meta = self.metatable
            st.table = t
            st.used_count = 0
            parent, key = self._parent_and_key(st)
            if self.path is not None and st.level > 1:
                setindex(self.path, float(st.level - 1), key)
            wanted = True
            if self.path is not None:
                check = index(self.metatable, b"checkpath")
                if check is not None:
                    r = ccall(check, t, self.path)
                    wanted = bool(r) and r[0] is not None and r[0] is not False
            if wanted:
                setindex(parent, key, t)
        self.min_needed = st.pos_begin

    def _text(self, start: int, end: int) -> bytes:
        return self.buffer[start - self.base:end - self.base]

    def _string(self, st: _Level) -> bytes:
        start = st.pos_begin + 1 - self.base
        n = st.pos_cur - st.pos_begin - 1
        buf = self.buffer

        def at(i: int) -> int:
            j = start + i
            return buf[j] if 0 <= j < len(buf) else 0

        out = bytearray()
        i = 0
        while i < n:
            c = at(i)
            if c == 0x5C:
                i += 1
                c = at(i)
                if c == 0x75:
                    code = 0
                    for shift in (12, 8, 4, 0):
                        i += 1
                        code += _fromhex(at(i)) << shift
                    out += _utf8(code)
                    i += 1
                    continue
                c = UNESCAPE.get(c, c)
            out.append(c)
            i += 1
        return bytes(out)

    def _popped(self, st: _Level) -> None:
        kind = st.type
        if kind == T_HKEY:
            self.hkey = self._string(st)
        elif kind == T_STRING:
            parent, key = self._parent_and_key(st)
            setindex(parent, key, self._string(st))
        elif kind == T_SPECIAL:
            flags = st.flags
            if flags & (F_TRUE | F_FALSE | F_NUMERIC | F_NULL):
                if flags & F_TRUE:
                    value = True
                elif flags & F_FALSE:
                    value = False
                elif flags & F_NULL:
                    value = self.null
                else:
                    value = str_to_number(self._text(st.pos_begin, st.pos_cur))
                    value = 0.0 if value is None else value
                parent, key = self._parent_and_key(st)
                setindex(parent, key, value)
        elif kind in (T_OBJECT, T_LIST):
            st.table = None
            if self.path is not None:
                setindex(self.path, float(st.level), None)
            if st.level == 1:
                self.complete = True

    # ----- the parser ---------------------------------------------------------------------
    def _fail(self, name: str) -> None:
        if not self.complete:
            self.error = name.encode()

    def _push(self, kind: int) -> _Level | None:
        if self.level >= self.levels_max - 1:
            self._fail("LEVELS_EXCEEDED")
            return None
        self.level += 1
        st = self.stack[self.level]
        st.pos_begin = self.pos
        st.type = kind
        return st

    def _pop_value(self, st: _Level) -> _Level:
        st.pos_cur = self.pos
        self._popped(st)
        st.length = 0
        self.level -= 1
        parent = self.stack[self.level]
        parent.pos_cur = self.pos
        return parent

    def feed(self, data: bytes) -> None:  # noqa: C901 - one state machine, as jsonsl_feed
        n = len(data)
        i = 0
        st = self.stack[self.level]
        while i < n:
            c = data[i]
            label = None
            if st.type in STRINGY:
                if self.in_escape:
                    self.in_escape = False
                    if c not in ESCAPABLE:
                        return self._fail("ESCAPE_INVALID")
                    i += 1
                    self.pos += 1
                    continue
                j = i
                while j < n and not (data[j] < 0x14 or data[j] == 0x22 or data[j] == 0x5C):
                    j += 1
                self.pos += j - i
                i = j
                if i == n:
                    return None
                c = data[i]
                if c == 0x22:
                    label = _QUOTE
                elif c == 0x5C:
                    label = _ESCAPE
                else:
                    return self._fail("WEIRD_WHITESPACE")
            elif st.type == T_SPECIAL:
                flags = st.flags
                if flags in (F_UNSIGNED, F_SIGNED):
                    j = i
                    while j < n and data[j] in DIGITS:
                        st.nelem = st.nelem * 10 + data[j] - 0x30
                        j += 1
                    self.pos += j - i
                    i = j
                    if i == n:
                        return None
                    c = data[i]
                    label = _NUMERIC
                elif flags == F_DASH:
                    if c not in DIGITS:
                        return self._fail("INVALID_NUMBER")
                    if c == 0x30:
                        st.flags = F_ZERO | F_SIGNED
                    else:
                        st.flags = F_SIGNED
                        st.nelem = c - 0x30
                    i += 1
                    self.pos += 1
                    continue
                elif flags == F_ZERO:
                    if c in DIGITS:
                        return self._fail("INVALID_NUMBER")
                    st.flags = F_UNSIGNED
                    label = _NUMERIC
                elif flags & F_NUMERIC:
                    label = _NUMERIC
                if label == _NUMERIC:
                    if c in DIGITS:
                        self.tok_last = 0x31
                    elif c == 0x2E:
                        if st.flags & F_FLOAT:
                            return self._fail("INVALID_NUMBER")
                        st.flags |= F_FLOAT
                        self.tok_last = 0x2E
                    elif c in (0x65, 0x45):
                        if st.flags & F_EXPONENT:
                            return self._fail("INVALID_NUMBER")
                        st.flags |= F_EXPONENT
                        self.tok_last = 0x65
                    elif c in (0x2D, 0x2B):
                        if self.tok_last != 0x65:
                            return self._fail("INVALID_NUMBER")
                        self.tok_last = 0x2D
                    elif c in SPECIAL_END:
                        label = _SPECIAL_POP
                    else:
                        return self._fail("INVALID_NUMBER")
                    if label == _NUMERIC:
                        i += 1
                        self.pos += 1
                        continue
                if label is None:
                    if c not in SPECIAL_END:
                        st.length += 1
                        literal = LITERALS.get(st.flags)
                        if literal is not None:
                            k = self.pos - st.pos_begin
                            expected = literal[k] if k < len(literal) else (0 if k == len(literal) else -1)
                            if c != expected:
                                return self._fail("SPECIAL_EXPECTED")
                        i += 1
                        self.pos += 1
                        continue
                # the end of a bareword value
                self.can_insert = False
                flags = st.flags
                if flags in (F_UNSIGNED, F_SIGNED):
                    pass
                elif flags in (F_ZERO, F_ZERO | F_SIGNED):
                    st.flags = F_UNSIGNED
                elif flags == F_DASH:
                    return self._fail("INVALID_NUMBER")
                elif flags & F_NUMERIC:
                    if self.tok_last != 0x31:
                        return self._fail("INVALID_NUMBER")
                elif flags == F_TRUE:
                    if st.length != 4:
                        return self._fail("SPECIAL_INCOMPLETE")
                    st.nelem = 1
                elif flags == F_FALSE:
                    if st.length != 5:
                        return self._fail("SPECIAL_INCOMPLETE")
                elif flags == F_NULL:
                    if st.length != 4:
                        return self._fail("SPECIAL_INCOMPLETE")
                st = self._pop_value(st)
                self.tok_last = 0
                self.expecting = 0x2C
                if c in WHITESPACE:
                    i += 1
                    self.pos += 1
                    continue
                label = _STRUCTURAL
            elif c in WHITESPACE:
                i += 1
                self.pos += 1
                continue
            elif c in SPECIAL_START:
                label = _SPECIAL_BEGIN

            if label is None:
                if c == 0x22:
                    label = _QUOTE
                elif c == 0x5C:
                    label = _ESCAPE
            if label == _QUOTE:
                self.can_insert = False
                kind = st.type
                if kind in STRINGY:
                    st = self._pop_value(st)
                elif kind == T_OBJECT:
                    st.nelem += 1
                    if (st.nelem - 1) % 2:
                        if self.tok_last != 0x3A:
                            return self._fail("MISSING_TOKEN")
                        self.expecting = 0x2C
                        self.tok_last = 0
                        new = self._push(T_STRING)
                    else:
                        if self.expecting != 0x22:
                            return self._fail("STRAY_TOKEN")
                        self.tok_last = 0
                        self.expecting = 0x3A
                        new = self._push(T_HKEY)
                    if new is None:
                        return None
                    st = new
                    self._pushed(st)
                elif kind == T_LIST:
                    st.nelem += 1
                    new = self._push(T_STRING)
                    if new is None:
                        return None
                    st = new
                    self.expecting = 0x2C
                    self.tok_last = 0
                    self._pushed(st)
                elif kind == T_SPECIAL:
                    return self._fail("STRAY_TOKEN")
                else:
                    return self._fail("STRING_OUTSIDE_CONTAINER")
                i += 1
                self.pos += 1
                continue
            if label == _ESCAPE:
                if st.type not in STRINGY:
                    return self._fail("ESCAPE_OUTSIDE_STRING")
                st.length += 1
                self.in_escape = True
                i += 1
                self.pos += 1
                continue

            if label != _SPECIAL_BEGIN:
                if c == 0x3A:
                    if self.expecting != c:
                        return self._fail("STRAY_TOKEN")
                    self.tok_last = 0x3A
                    self.can_insert = True
                    self.expecting = 0x22
                    i += 1
                    self.pos += 1
                    continue
                if c == 0x2C:
                    if self.expecting != c:
                        return self._fail("STRAY_TOKEN")
                    if st.type != T_OBJECT:
                        self.can_insert = True
                    self.tok_last = 0x2C
                    self.expecting = 0x22
                    i += 1
                    self.pos += 1
                    continue
                if c in (0x7B, 0x5B):
                    if not self.can_insert:
                        return self._fail("CANT_INSERT")
                    if st.nelem % 2 == 0 and st.type == T_OBJECT:
                        return self._fail("HKEY_EXPECTED")
                    st.nelem += 1
                    new = self._push(T_OBJECT if c == 0x7B else T_LIST)
                    if new is None:
                        return None
                    st = new
                    st.nelem = 0
                    self.can_insert = True
                    if c == 0x7B:
                        self.expecting = 0x22
                    self._pushed(st)
                    self.tok_last = 0
                    i += 1
                    self.pos += 1
                    continue
                if c in (0x7D, 0x5D):
                    if self.tok_last == 0x2C:
                        return self._fail("TRAILING_COMMA")
                    self.can_insert = False
                    self.level -= 1
                    self.expecting = 0x2C
                    self.tok_last = 0
                    if c == 0x5D:
                        if st.type != T_LIST:
                            return self._fail("BRACKET_MISMATCH")
                    else:
                        if st.type != T_OBJECT:
                            return self._fail("BRACKET_MISMATCH")
                        if st.nelem and st.nelem % 2 != 0:
                            return self._fail("VALUE_EXPECTED")
                    self._popped(st)
                    st = self.stack[self.level]
                    st.pos_cur = self.pos
                    i += 1
                    self.pos += 1
                    continue
            # a bareword value starts (or a byte nothing else accepts)
            if st.type != T_SPECIAL:
                flags = SPECIAL_START.get(c, 0)
                if not flags:
                    if c == 0:
                        return self._fail("FOUND_NULL_BYTE")
                    if c < 0x20:
                        return self._fail("WEIRD_WHITESPACE")
                    return self._fail("SPECIAL_EXPECTED")
                if st.nelem % 2 == 0 and st.type == T_OBJECT:
                    return self._fail("HKEY_EXPECTED")
                st.nelem += 1
                if not self.can_insert:
                    return self._fail("CANT_INSERT")
                new = self._push(T_SPECIAL)
                if new is None:
                    return None
                st = new
                st.flags = flags
                st.length = 1
                if flags == F_UNSIGNED:
                    st.nelem = c - 0x30
                    self.tok_last = 0x31
                else:
                    self.tok_last = 0x2D
                    st.nelem = 0
                self._pushed(st)
            i += 1
            self.pos += 1
        return None

    # ----- the Lua-facing operations --------------------------------------------------------
    def write(self, text: bytes):
        if self.error is not None:
            error(b"JSON parse error: previous call")
        if not self.complete:
            drop = self.min_needed - self.base
            self.buffer = self.buffer[drop:] + text
            self.base = self.min_needed
            self.feed(text)
            if self.error is not None:
                error(b"JSON parse error: " + self.error)
        if self.complete:
            self.release()
            return self.value()
        return ()

    def release(self) -> None:
        """What the firmware frees once the value is complete."""
        for st in self.stack:
            st.table = None
        self.metatable = None
        self.hkey = None
        self.null = None
        self.path = None
        self.buffer = b""

    def value(self):
        if not self.complete:
            error(b"decode not complete")
        return (dict.get(self.result, 1.0),)


def _new_decoder(opts) -> Decoder:
    """sjson_decoder_int: the options are read in the firmware's order."""
    if type(opts) is not Table:
        return Decoder(JSON_NULL, None, None)
    null = index(opts, b"null")
    metatable = index(opts, b"metatable")
    path = None
    if metatable is not None and index(metatable, b"checkpath") is not None:
        path = Table()
    return Decoder(null, metatable, path)


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
        return (Userdata(_new_decoder(args[0] if args else None), decoder_meta),)

    @lua_function("decode")
    def sjson_decode(*args):
        decoder = _new_decoder(args[1] if len(args) > 1 else None)
        result = decoder.write(check_string(args, 0))
        if not result:
            error(b"Incomplete JSON object passed to sjson.decode")
        return result

    return module_table({"encode": sjson_encode, "decode": sjson_decode,
                         "encoder": sjson_encoder, "decoder": sjson_decoder})
