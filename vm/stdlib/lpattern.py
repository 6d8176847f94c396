"""Lua 5.1 pattern matching: a faithful backtracking matcher plus a translation to Python's re for speed (counterpart of the matcher in lstrlib.c).

`compile_pattern(p)` returns an object with `match(s, pos)` -> (end, captures) or None, where
captures is a list of bytes or int positions (position captures, 1-based). Patterns that Python's
re can express exactly (no %b, no back-references) are translated once and cached; the others run
on the matcher below, which follows Lua's own algorithm step by step. Both raise Lua's errors for
malformed patterns.
"""

from __future__ import annotations

import re

from vm.errors import LuaError

MAX_CAPTURES = 32
CAP_UNFINISHED = -1
CAP_POSITION = -2
SPECIALS = b"^$*+?.([%-"

_CLASS_RANGES = {
    ord("a"): b"A-Za-z", ord("d"): b"0-9", ord("l"): b"a-z", ord("s"): b" \\t\\n\\x0b\\x0c\\r",
    ord("u"): b"A-Z", ord("w"): b"A-Za-z0-9", ord("x"): b"0-9A-Fa-f",
    ord("p"): re.escape(bytes(c for c in range(33, 127) if not chr(c).isalnum())),
    ord("c"): b"\\x00-\\x1f\\x7f", ord("z"): b"\\x00",
}


def _error(msg: bytes):
    from vm.stdlib.auxlib import error  # noqa: PLC0415
    error(msg)


def class_matches(cls: int, c: int) -> bool:
    """Does byte c belong to the %-class `cls` (a letter; uppercase negates)?"""
    lower = cls | 0x20
    if lower == 0x61:
        r = (65 <= c <= 90) or (97 <= c <= 122)
    elif lower == 0x64:
        r = 48 <= c <= 57
    elif lower == 0x6C:
        r = 97 <= c <= 122
    elif lower == 0x73:
        r = c == 32 or 9 <= c <= 13
    elif lower == 0x75:
        r = 65 <= c <= 90
    elif lower == 0x77:
        r = (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)
    elif lower == 0x78:
        r = (48 <= c <= 57) or (65 <= c <= 70) or (97 <= c <= 102)
    elif lower == 0x70:
        r = (33 <= c <= 47) or (58 <= c <= 64) or (91 <= c <= 96) or (123 <= c <= 126)
    elif lower == 0x63:
        r = c < 32 or c == 127
    elif lower == 0x7A:
        r = c == 0
    else:
        return cls == c
    if 65 <= cls <= 90:
        return not r
    return r


class _Matcher:
    """Lua's matcher (do_match and friends), used where re cannot express the pattern."""

    def __init__(self, pattern: bytes):
        self.p = pattern

    def class_end(self, pi: int) -> int:
        p = self.p
        n = len(p)
        c = p[pi]
        pi += 1
        if c == 37:  # %
            if pi >= n:
                _error(b"malformed pattern (ends with '%')")
            return pi + 1
        if c == 91:  # [
            if pi < n and p[pi] == 94:
                pi += 1
            while True:
                if pi >= n:
                    _error(b"malformed pattern (missing ']')")
                c = p[pi]
                pi += 1
                if c == 37:
                    if pi >= n:
                        _error(b"malformed pattern (missing ']')")
                    pi += 1
                if pi < n and p[pi] == 93:
                    return pi + 1
                if pi >= n:
                    _error(b"malformed pattern (missing ']')")
        return pi

    def match_class_set(self, c: int, pi: int, ep: int) -> bool:
        """Does c belong to the set p[pi..ep] where p[pi] == '[' and p[ep] == ']'?"""
        p = self.p
        sig = True
        pi += 1
        if p[pi] == 94:
            sig = False
            pi += 1
        while pi < ep:
            if p[pi] == 37:
                pi += 1
                if class_matches(p[pi], c):
                    return sig
            elif pi + 2 < ep and p[pi + 1] == 45:
                if p[pi] <= c <= p[pi + 2]:
                    return sig
                pi += 2
            elif p[pi] == c:
                return sig
            pi += 1
        return not sig

    def single(self, s: bytes, si: int, pi: int, ep: int) -> bool:
        if si >= len(s):
            return False
        c = s[si]
        pc = self.p[pi]
        if pc == 46:
            return True
        if pc == 37:
            return class_matches(self.p[pi + 1], c)
        if pc == 91:
            return self.match_class_set(c, pi, ep - 1)
        return pc == c

    def do_match(self, s: bytes, si: int, pi: int, caps: list, depth: int = 0):
        p = self.p
        n = len(p)
        while True:
            if pi >= n:
                return si
            c = p[pi]
            if c == 40:  # (
                if pi + 1 < n and p[pi + 1] == 41:
                    return self.start_capture(s, si, pi + 2, CAP_POSITION, caps, depth)
                return self.start_capture(s, si, pi + 1, CAP_UNFINISHED, caps, depth)
            if c == 41:  # )
                l = self.capture_to_close(caps)
                caps[l][1] = si - caps[l][0]
                r = self.do_match(s, si, pi + 1, caps, depth + 1)
                if r is None:
                    caps[l][1] = CAP_UNFINISHED
                return r
            if c == 36 and pi + 1 == n:  # $ at the end
                return si if si == len(s) else None
            if c == 37 and pi + 1 < n:
                d = p[pi + 1]
                if d == 98:  # %b
                    si = self.match_balance(s, si, pi + 2)
                    if si is None:
                        return None
                    pi += 4
                    continue
                if d == 102:  # %f
                    pi += 2
                    if pi >= n or p[pi] != 91:
                        _error(b"missing '[' after '%f' in pattern")
                    ep = self.class_end(pi)
                    prev = s[si - 1] if si > 0 else 0
                    cur = s[si] if si < len(s) else 0
                    if (not self.match_class_set(prev, pi, ep - 1)) and self.match_class_set(cur, pi, ep - 1):
                        pi = ep
                        continue
                    return None
                if 48 <= d <= 57:  # back reference
                    si = self.match_capture(s, si, d, caps)
                    if si is None:
                        return None
                    pi += 2
                    continue
            ep = self.class_end(pi)
            m = self.single(s, si, pi, ep)
            q = p[ep] if ep < n else None
            if q == 63:  # ?
                if m:
                    r = self.do_match(s, si + 1, ep + 1, caps, depth + 1)
                    if r is not None:
                        return r
                pi = ep + 1
                continue
            if q == 42:  # *
                return self.max_expand(s, si, pi, ep, caps, depth)
            if q == 43:  # +
                return self.max_expand(s, si + 1, pi, ep, caps, depth) if m else None
            if q == 45:  # -
                return self.min_expand(s, si, pi, ep, caps, depth)
            if not m:
                return None
            si += 1
            pi = ep

    def max_expand(self, s, si, pi, ep, caps, depth):
        i = 0
        while self.single(s, si + i, pi, ep):
            i += 1
        while i >= 0:
            r = self.do_match(s, si + i, ep + 1, caps, depth + 1)
            if r is not None:
                return r
            i -= 1
        return None

    def min_expand(self, s, si, pi, ep, caps, depth):
        while True:
            r = self.do_match(s, si, ep + 1, caps, depth + 1)
            if r is not None:
                return r
            if self.single(s, si, pi, ep):
                si += 1
            else:
                return None

    def start_capture(self, s, si, pi, what, caps, depth):
        if len(caps) >= MAX_CAPTURES:
            _error(b"too many captures")
        caps.append([si, what])
        r = self.do_match(s, si, pi, caps, depth + 1)
        if r is None:
            caps.pop()
        return r

    @staticmethod
    def capture_to_close(caps) -> int:
        for l in range(len(caps) - 1, -1, -1):
            if caps[l][1] == CAP_UNFINISHED:
                return l
        _error(b"invalid pattern capture")

    def match_balance(self, s, si, pi):
        p = self.p
        if pi + 1 >= len(p):
            _error(b"unbalanced pattern")
        if si >= len(s) or s[si] != p[pi]:
            return None
        b, e = p[pi], p[pi + 1]
        cont = 1
        i = si + 1
        while i < len(s):
            c = s[i]
            if c == e:
                cont -= 1
                if cont == 0:
                    return i + 1
            elif c == b:
                cont += 1
            i += 1
        return None

    @staticmethod
    def match_capture(s, si, d, caps):
        l = d - 49
        if l < 0 or l >= len(caps) or caps[l][1] == CAP_UNFINISHED:
            _error(b"invalid capture index")
        start, ln = caps[l]
        cap = s[start:start + ln]
        if s.startswith(cap, si) and si + len(cap) <= len(s):
            return si + len(cap)
        return None


class Pattern:
    """A compiled Lua pattern (without its leading '^', which callers handle)."""
    __slots__ = ("regex", "matcher", "ncap")

    def __init__(self, body: bytes):
        self.matcher = _Matcher(body)
        self.regex = None
        self.ncap = 0
        try:
            translated = _translate(body)
        except LuaError:
            translated = None  # malformed: Lua reports it only when matching reaches the fault
        if translated is not None:
            self.regex, self.ncap = translated

    def match(self, s: bytes, si: int):
        """Match at exactly si: (end, captures) or None."""
        if self.regex is not None:
            m = self.regex.match(s, si)
            return None if m is None else (m.end(), self._caps(m))
        caps = []
        e = self.matcher.do_match(s, si, 0, caps)
        if e is None:
            return None
        return e, _finish_caps(s, caps)

    def search(self, s: bytes, si: int):
        """First match at or after si: (start, end, captures) or None."""
        if self.regex is not None:
            m = self.regex.search(s, si)
            return None if m is None else (m.start(), m.end(), self._caps(m))
        n = len(s)
        while si <= n:
            caps = []
            e = self.matcher.do_match(s, si, 0, caps)
            if e is not None:
                return si, e, _finish_caps(s, caps)
            si += 1
        return None

    def _caps(self, m):
        if not self.ncap:
            return []
        out = []
        for g, kind in enumerate(self.regex.kinds, 1):
            if kind:
                out.append(m.start(g) + 1)
            else:
                out.append(m.group(g))
        return out


def _finish_caps(s, caps):
    out = []
    for start, ln in caps:
        if ln == CAP_UNFINISHED:
            _error(b"unfinished capture")
        if ln == CAP_POSITION:
            out.append(start + 1)
        else:
            out.append(s[start:start + ln])
    return out


def _class_regex(cls: int) -> bytes:
    lower = cls | 0x20
    body = _CLASS_RANGES.get(lower)
    if body is None:
        return re.escape(bytes([cls]))
    if cls != lower:
        return b"[^" + body + b"]"
    return b"[" + body + b"]"


def _set_regex(p: bytes, pi: int, ep: int) -> bytes:
    """The re class for the Lua set p[pi..ep] ('[' ... ']')."""
    out = [b"["]
    pi += 1
    if p[pi] == 94:
        out.append(b"^")
        pi += 1
    items = []
    while pi < ep:
        if p[pi] == 37:
            pi += 1
            cls = p[pi]
            body = _CLASS_RANGES.get(cls | 0x20)
            if body is None:
                items.append(re.escape(bytes([cls])))
            elif cls & 0x20:
                items.append(body)
            else:
                # A negated class inside a set: list its members explicitly.
                items.append(b"".join(re.escape(bytes([c])) for c in range(256) if class_matches(cls, c)))
        elif pi + 2 < ep and p[pi + 1] == 45:
            if p[pi] > p[pi + 2]:
                items.append(b"")
            else:
                items.append(re.escape(bytes([p[pi]])) + b"-" + re.escape(bytes([p[pi + 2]])))
            pi += 2
        else:
            items.append(re.escape(bytes([p[pi]])))
        pi += 1
    body = b"".join(items)
    if not body:
        return b"(?!)" if out[-1] == b"[" else b"[\\s\\S]"
    out.append(body)
    out.append(b"]")
    return b"".join(out)


def _translate(p: bytes):
    """Lua pattern -> (compiled re, number of captures) or None when re cannot do it exactly."""
    m = _Matcher(p)
    out = []
    kinds = []
    open_caps = []
    n = len(p)
    pi = 0
    while pi < n:
        c = p[pi]
        if c == 40:
            if pi + 1 < n and p[pi + 1] == 41:
                out.append(b"()")
                kinds.append(True)
                pi += 2
                continue
            out.append(b"(")
            kinds.append(False)
            open_caps.append(len(kinds))
            pi += 1
            continue
        if c == 41:
            if not open_caps:
                return None
            open_caps.pop()
            out.append(b")")
            pi += 1
            continue
        if c == 36 and pi + 1 == n:
            out.append(b"\\Z")
            pi += 1
            continue
        if c == 37 and pi + 1 < n and p[pi + 1] in (98, 102) or c == 37 and pi + 1 < n and 48 <= p[pi + 1] <= 57:
            return None
        ep = m.class_end(pi)
        if c == 46:
            item = b"[\\s\\S]"
        elif c == 37:
            item = _class_regex(p[pi + 1])
        elif c == 91:
            item = _set_regex(p, pi, ep - 1)
        else:
            item = re.escape(bytes([c]))
        q = p[ep] if ep < n else None
        if q == 63:
            item += b"?"
            ep += 1
        elif q == 42:
            item += b"*"
            ep += 1
        elif q == 43:
            item += b"+"
            ep += 1
        elif q == 45:
            item += b"*?"
            ep += 1
        out.append(item)
        pi = ep
    if open_caps:
        return None  # unfinished capture: let the matcher raise at match time
    if len(kinds) > MAX_CAPTURES:
        return None
    try:
        regex = re.compile(b"".join(out))
    except (re.error, OverflowError, RecursionError):
        return None
    holder = _Compiled(regex, kinds)
    return holder, len(kinds)


class _Compiled:
    """A compiled re plus which groups are position captures."""
    __slots__ = ("regex", "kinds")

    def __init__(self, regex, kinds):
        self.regex = regex
        self.kinds = kinds

    def match(self, s, pos):
        return self.regex.match(s, pos)

    def search(self, s, pos):
        return self.regex.search(s, pos)


_cache: dict = {}


def compile_pattern(body: bytes) -> Pattern:
    pat = _cache.get(body)
    if pat is None:
        pat = Pattern(body)
        if len(_cache) > 2000:
            _cache.clear()
        _cache[body] = pat
    return pat


def has_specials(p: bytes) -> bool:
    p = p.split(b"\0", 1)[0]
    for c in SPECIALS:
        if c in p:
            return True
    return False


_ = LuaError
