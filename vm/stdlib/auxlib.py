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


where = debuginfo.where      # luaL_where


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


# Each stock library's names in the order lua5.1 registers them (its luaL_Reg array, then the
# fields set afterwards): the table is created with room for the array and filled in this order,
# so pairs() lists a library as lua5.1 does. Names we lack are skipped, extra ones come last.
REGISTRATION_ORDER = {
    b"string": ("byte char dump find format gfind gmatch gsub len lower match rep reverse sub upper", ""),
    b"table": ("concat foreach foreachi getn maxn insert remove setn sort", ""),
    b"math": ("abs acos asin atan2 atan ceil cosh cos deg exp floor fmod frexp ldexp log10 log max min "
              "modf pow rad random randomseed sinh sin sqrt tanh tan", "pi huge mod"),
    b"os": ("clock date difftime execute exit getenv remove rename setlocale time tmpname", ""),
    b"io": ("close flush input lines open output popen read tmpfile type write", "stdin stdout stderr"),
    b"debug": ("debug getfenv gethook getinfo getlocal getregistry getmetatable getupvalue setfenv sethook "
               "setlocal setmetatable setupvalue traceback", ""),
    b"coroutine": ("create resume running status wrap yield", ""),
}


def new_library(state, name: bytes | None, functions: dict) -> Table:
    """Build a library table from {name: function} and install it as a global (and in package.loaded)."""
    functions = {k.encode() if isinstance(k, str) else k: fn for k, fn in functions.items()}
    order = REGISTRATION_ORDER.get(name)
    if order is not None:
        registered, later = order[0].encode().split(), order[1].encode().split()
        t = Table((0, len(registered)))
        names = [k for k in registered + later if k in functions]
        names += [k for k in functions if k not in names]
    else:
        t = Table()
        names = list(functions)
    if name is not None:
        state.globals.rawset(name, t)     # luaL_register makes the global before filling it
    for k in names:
        t.rawset(k, functions[k])
    if name is not None:
        state.library_tables[name] = t
    return t
