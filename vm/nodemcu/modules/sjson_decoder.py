"""The `sjson` decoder: a port of jsonsl's byte-at-a-time JSON state machine with sjson's push/pop callbacks, so chunk boundaries do not matter and errors carry jsonsl's names; counterpart of the decoder half of app/modules/sjson.c and app/sjson/jsonsl.c."""

from __future__ import annotations

from vm.nodemcu.modules.support import error
from vm.runtime.calls import ccall
from vm.runtime.operations import index, setindex
from vm.runtime.table import Table
from vm.runtime.values import LightUserdata, str_to_number

JSON_NULL = LightUserdata("sjson.null")
DEFAULT_DEPTH = 20          # what every decoder gets (the firmware ignores the depth option)

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


def new_decoder(opts) -> Decoder:
    """sjson_decoder_int: the options are read in the firmware's order."""
    if type(opts) is not Table:
        return Decoder(JSON_NULL, None, None)
    null = index(opts, b"null")
    metatable = index(opts, b"metatable")
    path = None
    if metatable is not None and index(metatable, b"checkpath") is not None:
        path = Table()
    return Decoder(null, metatable, path)
