"""Lua values that are not plain Python objects, type names and number/string conversion (counterpart of lobject.c).

Representation (design.md §5): nil None, booleans bool, numbers float, strings bytes, functions
plain Python functions (Lua closures are generated functions, library functions ordinary ones),
tables `vm.runtime.table.Table`, full userdata `Userdata`, coroutines `vm.runtime.coroutine.Coroutine`.
"""

from __future__ import annotations

import math
import re
from types import BuiltinFunctionType, FunctionType, MethodType


class Cell:
    """A boxed register: a local captured by a closure (an upvalue), shared until the block closes."""
    __slots__ = ("v",)

    def __init__(self, v=None):
        self.v = v

    def __repr__(self):
        return f"Cell({self.v!r})"


class TailCall:
    """What a Lua activation yields for `return f(...)` when f is a Lua function: the callee's
    activation (a generator), which the call driver runs in the caller's place."""
    __slots__ = ("gen",)

    def __init__(self, gen):
        self.gen = gen


class YieldRequest:
    """What coroutine.yield's activation yields: the values for the resumer (see vm.runtime.coroutine)."""
    __slots__ = ("values",)

    def __init__(self, values):
        self.values = values


class Handoff:
    """What an interpreted activation yields to continue in translated code: the translated
    activation takes its place at the same level (not a tail call for tracebacks)."""
    __slots__ = ("gen",)

    def __init__(self, gen):
        self.gen = gen


class Userdata:
    """A full userdata (newproxy or a board object). `meta` is its metatable, `env` its environment."""
    __slots__ = ("meta", "env", "payload", "__weakref__")

    def __init__(self, payload=None, meta=None):
        self.payload = payload
        self.meta = meta
        self.env = None


class LightUserdata:
    """A light userdata: an opaque pointer-like value compared by identity."""
    __slots__ = ("payload",)

    def __init__(self, payload=None):
        self.payload = payload


FUNCTION_TYPES = (FunctionType, BuiltinFunctionType, MethodType)

_TYPE_NAMES = {
    type(None): b"nil", bool: b"boolean", float: b"number", int: b"number", bytes: b"string",
    FunctionType: b"function", BuiltinFunctionType: b"function", MethodType: b"function",
    Userdata: b"userdata", LightUserdata: b"userdata",
}


def register_type_name(cls, name: bytes) -> None:
    """Let later modules (tables, coroutines) add their classes to `type_name`."""
    _TYPE_NAMES[cls] = name


def type_name(value) -> bytes:
    """Lua's type() of a value, as bytes."""
    name = _TYPE_NAMES.get(type(value))
    if name is None:
        if callable(value):
            return b"function"
        return b"userdata"
    return name


def is_function(value) -> bool:
    return type(value) in _FUNCTION_CLASSES


_FUNCTION_CLASSES = frozenset(FUNCTION_TYPES)

# ----- numbers --------------------------------------------------------------------------------

NAN = float("nan")
NEG_NAN = -NAN        # what x86 produces for 0/0; C's printf shows it as "-nan"
INF = float("inf")


def number_to_bytes(x: float) -> bytes:
    """Format a number the way Lua 5.1 does (LUAI_NUMFFORMAT "%.14g"), including C's nan/inf spellings."""
    if x != x:
        return b"-nan" if math.copysign(1.0, x) < 0 else b"nan"
    if x == INF:
        return b"inf"
    if x == -INF:
        return b"-inf"
    if -1e14 < x < 1e14 and x == int(x) and (x or math.copysign(1.0, x) > 0):
        return b"%d" % int(x)
    return b"%.14g" % x


_DECIMAL = re.compile(rb"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(?i:inf(?:inity)?|nan))\Z")
_HEX = re.compile(rb"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)\Z")
_WHITESPACE = b" \t\n\r\x0b\x0c"


def str_to_number(s: bytes):
    """Convert a Lua string to a number as the C library's strtod does for Lua (None when invalid)."""
    s = s.strip(_WHITESPACE)
    if not s:
        return None
    if b"\0" in s:
        s = s.split(b"\0", 1)[0].rstrip(_WHITESPACE)
    m = _HEX.match(s)
    if m:
        try:
            v = float.fromhex("0x" + m.group(2).decode())
        except (ValueError, OverflowError):
            return None
        return -v if m.group(1) == b"-" else v
    if _DECIMAL.match(s):
        try:
            return float(s)
        except ValueError:
            return None
    return None


def to_number(v):
    """Lua's tonumber coercion for arithmetic: numbers as they are, numeric strings converted, else None."""
    t = type(v)
    if t is float:
        return v
    if t is bytes:
        return str_to_number(v)
    if t is int:
        return float(v)
    return None


def to_string_coerce(v):
    """Lua's string coercion for concatenation and string functions: strings and numbers, else None."""
    t = type(v)
    if t is bytes:
        return v
    if t is float or t is int:
        return number_to_bytes(float(v))
    return None


def address_of(value) -> bytes:
    """A stable pseudo address for tostring() of reference values."""
    return b"0x%08x" % (id(value) & 0xFFFFFFFFFFFF)
