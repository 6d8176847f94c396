"""Lexical analysis of Lua 5.1 source into a token list (counterpart of llex.c).

The whole chunk is split up front by one compiled regular expression; the parser then walks
the lists. Reading ahead cannot change the result because Lua's lexer has no feedback from the
parser: the only thing that depends on *when* a token is read is which error wins, and that is
handled by ending the list with an error token (`TK_ERROR`) that the parser turns into the
lexical error as soon as it reaches it (see `Parser.error_near` in parser.py).

Token kinds are Python strings: the reserved word or operator itself ('end', '..', '=='),
the character for one-character tokens, and '<name>', '<string>', '<number>', '<eof>' for
the rest, which is also the text Lua uses for them in messages.

Per token the lexer records its kind, its value (bytes for names and strings, a number for
numerals), the line the lexer stood on after reading it, and where it started (only needed to
quote the token in an error message).
"""

from __future__ import annotations

import re

from vm.compiler.chunkid import LEXER_IDSIZE, chunk_id
from vm.errors import LuaSyntaxError

TK_NAME = "<name>"
TK_STRING = "<string>"
TK_NUMBER = "<number>"
TK_EOS = "<eof>"
TK_ERROR = "<error>"          # internal: a lexical error waiting to be raised

RESERVED = ("and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if",
            "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until",
            "while")
_KEYWORDS = {w.encode(): w for w in RESERVED}
_MULTI_OPS = {b"...": "...", b"..": "..", b"==": "==", b">=": ">=", b"<=": "<=", b"~=": "~="}
# Lua's lexer tests "is the next character one of these" with strchr(), which also matches
# the string's terminating NUL: a NUL byte passes for the second or third dot of '..' and
# '...', and for the exponent mark or its sign in a numeral (where it then ends the number,
# since the numeral is converted as a C string).
_MULTI_OPS.update({b".\0": "..", b".\0.": "...", b"..\0": "...", b".\0\0": "..."})
# one-character tokens, indexed by byte value (latin-1 keeps the byte recoverable)
_SINGLE = tuple(chr(b) for b in range(256))

_MASTER = re.compile(rb"""
    [ \t\v\f]*
    (?:
        ([A-Za-z_][A-Za-z0-9_]*)                        # 1 name or reserved word
      | ((?:\r\n|\n\r|\n|\r)[ \t\v\f\r\n]*)             # 2 line breaks (and blank space after)
      | "([^"\\\r\n]*)"                                 # 3 plain double-quoted string
      | (\.?[0-9][0-9.]*(?:[Ee\x00][-+\x00]?)?[A-Za-z0-9_]*)   # 4 numeral (validated later)
      | --(?!\[=*\[)[^\r\n]*                            #   short comment (no group)
      | (\.[.\x00][.\x00]?|==|>=|<=|~=)                  # 5 two/three-character operators
      | '([^'\\\r\n]*)'                                 # 6 plain single-quoted string
      | --\[(=*)\[                                      # 7 long comment opening
      | \[(=*)\[                                        # 8 long string opening
      | (\[=+)                                          # 9 bad long bracket
      | (["'])                                          # 10 string with escapes or unfinished
      | ([\x00-\xff])                                   # 11 any other single character
      | (\Z)                                            # 12 end of the chunk
    )""", re.X)

_LINE_BREAK = re.compile(rb"\r\n|\n\r|\n|\r")
_DECIMAL = re.compile(rb"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_FLOAT = re.compile(rb"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?")
_HEX_INT = re.compile(rb"0[xX]([0-9a-fA-F]+)")
_NUMERAL = re.compile(rb"\.?[0-9][0-9.]*(?:[Ee\x00][-+\x00]?)?[A-Za-z0-9_]*")
_ESCAPES = {ord("a"): b"\a", ord("b"): b"\b", ord("f"): b"\f", ord("n"): b"\n",
            ord("r"): b"\r", ord("t"): b"\t", ord("v"): b"\v"}
_STRING_STOP = {ord('"'): re.compile(rb'["\\\r\n]'), ord("'"): re.compile(rb"['\\\r\n]")}
_DIGITS = re.compile(rb"[0-9]{1,3}")


def count_lines(text: bytes) -> int:
    """Number of line breaks in `text`, counting CR LF and LF CR as one, as Lua does."""
    if b"\r" not in text:
        return text.count(b"\n")
    return len(_LINE_BREAK.findall(text))


def token_to_str(token: str) -> bytes:
    """How Lua names token kind `token` in a message (luaX_token2str)."""
    if len(token) == 1:
        c = ord(token)
        if c < 32 or c == 127:
            return b"char(%d)" % c
        return bytes([c])
    return token.encode()


def make_error(source: bytes, line: int, msg: bytes, near: bytes | None) -> LuaSyntaxError:
    """The exception for a compile error: `chunk:line: msg near 'token'` (luaX_lexerror)."""
    text = b"%s:%d: %s" % (chunk_id(source, LEXER_IDSIZE), line, msg)
    if near is not None:
        nul = near.find(b"\0")     # the token is quoted as a C string
        if nul >= 0:
            near = near[:nul]
        text += b" near '" + near + b"'"
    return LuaSyntaxError(text)


def _wrap32(x: int) -> int:
    return ((x + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def str_to_number(text: bytes, integer: bool = False):
    """Value of numeral `text` as luac reads it (luaO_str2d on glibc), or None if malformed.

    The float build reads numerals with strtod, which also takes C99 hexadecimal floats. The
    integer build reads them with strtol/strtoul, so anything with a fraction or exponent is
    malformed and values wrap to 32 bits.
    """
    nul = text.find(b"\0")
    if nul >= 0:            # converted as a C string
        text = text[:nul]
    if not integer:
        if _DECIMAL.fullmatch(text):
            return float(text)
        if _HEX_FLOAT.fullmatch(text):
            try:
                return float.fromhex(text.decode("ascii"))
            except OverflowError:
                return float("inf")
        return None
    if text.isdigit():
        digits = text.lstrip(b"0")
        value = int(digits or b"0") if len(digits) <= 20 else 1 << 63
        return _wrap32(min(value, (1 << 63) - 1))          # strtol saturates at LONG_MAX
    m = _HEX_INT.fullmatch(text)
    if m:
        digits = m.group(1).lstrip(b"0")
        value = int(digits or b"0", 16) if len(digits) <= 17 else 1 << 64
        return _wrap32(min(value, (1 << 64) - 1))          # strtoul saturates at ULONG_MAX
    return None


class _LexError(Exception):
    def __init__(self, line: int, msg: bytes, near: bytes | None):
        super().__init__(msg)
        self.line = line
        self.msg = msg
        self.near = near


def _read_long_bracket(src: bytes, pos: int, sep: int, line: int, is_string: bool):
    """Body of a long string or comment starting at `pos` (just after the opening bracket).

    Returns (value, end position, line after it); value is None for comments.
    """
    close = b"]" + b"=" * sep + b"]"
    end = src.find(close, pos)
    stop = len(src) if end < 0 else end
    if sep == 0:
        # old-style nesting '[[' inside a level-0 long bracket is rejected when reached
        nest = src.find(b"[[", pos, stop)
        if nest >= 0:
            raise _LexError(line + count_lines(src[pos:nest]), b"nesting of [[...]] is deprecated", b"[")
    if end < 0:
        msg = b"unfinished long string" if is_string else b"unfinished long comment"
        raise _LexError(line + count_lines(src[pos:]), msg, TK_EOS.encode())
    body = src[pos:end]
    if body[:1] in (b"\n", b"\r"):
        # a line break right after the opening bracket is not part of the string
        first = _LINE_BREAK.match(body).end()
        line += 1
        body = body[first:]
    if b"\r" in body:
        line += len(_LINE_BREAK.findall(body))
        if is_string:
            body = _LINE_BREAK.sub(b"\n", body)
    else:
        line += body.count(b"\n")
    return (body if is_string else None), end + len(close), line


def _read_string(src: bytes, pos: int, line: int):
    """A quoted string with escapes (or an unfinished one); `pos` is at the opening quote.

    Returns (value, end position, line after it).
    """
    quote = src[pos]
    stop = _STRING_STOP[quote].search
    parts = []
    pos += 1
    n = len(src)
    while True:
        m = stop(src, pos)
        if m is None:
            parts.append(src[pos:])
            raise _LexError(line, b"unfinished string", TK_EOS.encode())
        at = m.start()
        parts.append(src[pos:at])
        c = src[at]
        if c == quote:
            return b"".join(parts), at + 1, line
        if c != 92:      # a raw line break
            raise _LexError(line, b"unfinished string", bytes([quote]) + b"".join(parts))
        # backslash escape
        pos = at + 1
        if pos >= n:
            continue     # the loop reports the unfinished string
        c = src[pos]
        esc = _ESCAPES.get(c)
        if esc is not None:
            parts.append(esc)
            pos += 1
        elif c == 10 or c == 13:
            parts.append(b"\n")
            pos += 1
            if pos < n and src[pos] in (10, 13) and src[pos] != c:
                pos += 1
            line += 1
        elif 48 <= c <= 57:
            digits = _DIGITS.match(src, pos).group()
            value = int(digits)
            if value > 255:
                raise _LexError(line, b"escape sequence too large", bytes([quote]) + b"".join(parts))
            parts.append(bytes([value]))
            pos += len(digits)
        else:
            parts.append(bytes([c]))
            pos += 1


def tokenize(src: bytes, integer: bool = False):
    """Split `src` into tokens. Returns (kinds, values, lines, starts).

    The three lists have one entry per token; they end with '<eof>', or with TK_ERROR whose
    value is (line, message, near-text) if the chunk has a lexical error there. `starts` maps
    the index of each string and numeral token to its offset in `src`.
    """
    kinds = []
    values = []
    lines = []
    starts = {}              # token index -> offset, for strings and numerals only
    add_kind = kinds.append
    add_value = values.append
    add_line = lines.append
    keywords = _KEYWORDS
    single = _SINGLE
    numbers = {}
    line = 1
    pos = 0
    # The scanner continues where its last match ended; it is only replaced after the
    # tokens read by hand (long brackets, strings with escapes).
    next_match = _MASTER.scanner(src).match
    try:
        while True:
            m = next_match()
            group = m.lastindex
            if group == 1:
                word = m.group(1)
                kw = keywords.get(word)
                if kw is None:
                    add_kind(TK_NAME)
                    add_value(word)
                else:
                    add_kind(kw)
                    add_value(None)
                add_line(line)
            elif group == 11:
                add_kind(single[src[m.start(11)]])
                add_value(None)
                add_line(line)
            elif group == 2:
                text = m.group(2)
                if b"\r" in text:
                    line += len(_LINE_BREAK.findall(text))
                else:
                    line += text.count(b"\n")
            elif group == 3 or group == 6:
                starts[len(kinds)] = m.start(group) - 1
                add_kind(TK_STRING)
                add_value(m.group(group))
                add_line(line)
            elif group == 5:
                add_kind(_MULTI_OPS[m.group(5)])
                add_value(None)
                add_line(line)
            elif group is None:
                pass         # a short comment
            elif group == 4:
                text = m.group(4)
                value = numbers.get(text)
                if value is None:
                    value = str_to_number(text, integer)
                    if value is None:
                        raise _LexError(line, b"malformed number", text)
                    numbers[text] = value
                starts[len(kinds)] = m.start(4)
                add_kind(TK_NUMBER)
                add_value(value)
                add_line(line)
            elif group == 7:
                pos = m.end()
                _, pos, line = _read_long_bracket(src, pos, len(m.group(7)), line, False)
                next_match = _MASTER.scanner(src, pos).match
            elif group == 8:
                pos = m.end()
                value, pos, line = _read_long_bracket(src, pos, len(m.group(8)), line, True)
                starts[len(kinds)] = m.start(8) - 1
                add_kind(TK_STRING)
                add_value(value)
                add_line(line)
                next_match = _MASTER.scanner(src, pos).match
            elif group == 10:
                pos = m.start(10)
                start = pos
                value, pos, line = _read_string(src, pos, line)
                starts[len(kinds)] = start
                add_kind(TK_STRING)
                add_value(value)
                add_line(line)
                next_match = _MASTER.scanner(src, pos).match
            elif group == 9:
                pos = m.start(9)
                raise _LexError(line, b"invalid long string delimiter", m.group(9))
            else:   # group 12: end of input
                add_kind(TK_EOS)
                add_value(None)
                add_line(line)
                break
    except _LexError as err:
        add_kind(TK_ERROR)
        add_value((err.line, err.msg, err.near))
        add_line(err.line)
    return kinds, values, lines, starts


def token_text(src: bytes, kind: str, value, start: int | None) -> bytes:
    """The text Lua's lexer buffer holds for a name, string or numeral token (for messages)."""
    if kind == TK_NAME:
        return value
    if kind == TK_NUMBER:
        return _NUMERAL.match(src, start).group()
    if kind == TK_STRING:
        opener = src[start]
        if opener == 91:     # '[': long string keeps its brackets
            sep = 0
            while src[start + 1 + sep] == 61:
                sep += 1
            level = b"=" * sep
            return b"[" + level + b"[" + value + b"]" + level + b"]"
        q = bytes([opener])
        return q + value + q
    return b""
