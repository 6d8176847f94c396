"""Argument checking and error helpers shared by the library functions (counterpart of lauxlib.c).

Library functions take `*args` so that a missing argument ("no value") can be told from nil,
exactly as the C API's lua_gettop/lua_isnone allow.
"""

from __future__ import annotations

import math
import sys

from vm.errors import LuaError
from vm.runtime import debuginfo
from vm.runtime.debuginfo import register_builtin
from vm.runtime.operations import get_mm, metatable
from vm.runtime.table import Table
from vm.runtime.values import number_to_bytes, str_to_number, type_name


def lua_function(name: str):
    """Decorator: mark a Python function as the Lua library function `name` (for tracebacks)."""
    def deco(fn):
        register_builtin(fn, name)
        fn._lua_native = True
        return fn
    return deco


def where(level: int = 1) -> bytes:
    levels = debuginfo.stack_levels(sys._getframe(1))
    if 0 <= level < len(levels):
        lv = levels[level]
        if lv.is_lua:
            line = lv.currentline
            if line > 0:
                return b"%s:%d: " % (lv.info.short_src, line)
    return b""


def error(msg: bytes):
    """luaL_error: raise msg prefixed with the position of the calling Lua code."""
    raise LuaError(where(1) + msg)


def _current_function_name():
    levels = debuginfo.stack_levels(sys._getframe(1))
    if not levels:
        return None, b"?"
    named = debuginfo.function_name(levels, 0)
    if named is None:
        return None, b"?"
    return named[0], named[1]


def arg_error(n: int, msg: bytes):
    """luaL_argerror: "bad argument #n to 'name' (msg)"."""
    kind, name = _current_function_name()
    if kind == "method":
        n -= 1
        if n == 0:
            error(b"calling '%s' on bad self (%s)" % (name, msg))
    error(b"bad argument #%d to '%s' (%s)" % (n, name, msg))


def type_name_arg(args, i: int) -> bytes:
    if i >= len(args):
        return b"no value"
    return type_name(args[i])


def type_error(args, i: int, expected: bytes):
    arg_error(i + 1, b"%s expected, got %s" % (expected, type_name_arg(args, i)))


def check_any(args, i: int):
    if i >= len(args):
        arg_error(i + 1, b"value expected")
    return args[i]


def check_table(args, i: int) -> Table:
    v = args[i] if i < len(args) else None
    if type(v) is not Table:
        type_error(args, i, b"table")
    return v


def check_number(args, i: int) -> float:
    v = args[i] if i < len(args) else None
    t = type(v)
    if t is float:
        return v
    if t is bytes:
        n = str_to_number(v)
        if n is not None:
            return n
    if t is int:
        return float(v)
    type_error(args, i, b"number")


def opt_number(args, i: int, default: float) -> float:
    if i >= len(args) or args[i] is None:
        return default
    return check_number(args, i)


def to_integer(x: float) -> int:
    """C's (ptrdiff_t) cast of a double: truncation, with out-of-range values giving the minimum."""
    if x != x or x >= 9.223372036854776e18 or x < -9.223372036854776e18:
        return -(1 << 63)
    return int(x)


def check_int(args, i: int) -> int:
    return to_integer(check_number(args, i))


def opt_int(args, i: int, default: int) -> int:
    if i >= len(args) or args[i] is None:
        return default
    return check_int(args, i)


def check_string(args, i: int) -> bytes:
    v = args[i] if i < len(args) else None
    t = type(v)
    if t is bytes:
        return v
    if t is float or t is int:
        return number_to_bytes(float(v))
    type_error(args, i, b"string")


def opt_string(args, i: int, default):
    if i >= len(args) or args[i] is None:
        return default
    return check_string(args, i)


def arg(args, i: int):
    return args[i] if i < len(args) else None


def check_option(args, i: int, default, options):
    name = opt_string(args, i, default) if default is not None else check_string(args, i)
    if name not in options:
        arg_error(i + 1, b"invalid option '%s'" % name)
    return name


def finite_or(x: float, fallback: float) -> float:
    return x if math.isfinite(x) else fallback


def call_meta_field(v, event: bytes):
    """The metamethod `event` of v (luaL_getmetafield), or None."""
    return get_mm(v, event)


def get_metatable(v):
    return metatable(v)


def new_library(state, name: bytes | None, functions: dict) -> Table:
    """Build a library table from {name: function} and install it as a global (and in package.loaded)."""
    t = Table()
    for k, fn in functions.items():
        t.rawset(k.encode() if isinstance(k, str) else k, fn)
    if name is not None:
        state.globals.rawset(name, t)
        state.library_tables[name] = t
    return t
