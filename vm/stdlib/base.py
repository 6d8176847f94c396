"""The base library: print, tostring, tonumber, pairs, pcall, error, metatables, environments, loading (counterpart of lbaselib.c)."""

from __future__ import annotations

import gc
import sys

from vm.errors import LuaError, LuaSyntaxError
from vm.runtime import debuginfo
from vm.runtime.debuginfo import closure_of_level
from vm.runtime.calls import ccall, context, set_thread_globals, thread_globals
from vm.runtime.operations import equal, metatable, raw_equal, runerror
from vm.runtime.state import protected_call
from vm.runtime.table import Table, lookup_key, note_metatable, sweep_weak_tables
from vm.runtime.values import (
    Userdata, address_of, is_function, number_to_bytes, str_to_number, type_name,
)
from vm.stdlib.auxlib import (
    arg, arg_error, check_any, check_int, check_string, check_table, error, lua_function,
    opt_int, opt_string, type_error, where,
)


def tostring_value(v) -> bytes:
    """luaL_tolstring without metamethods."""
    t = type(v)
    if t is bytes:
        return v
    if t is float:
        return number_to_bytes(v)
    if v is None:
        return b"nil"
    if v is True:
        return b"true"
    if v is False:
        return b"false"
    if t is int:
        return number_to_bytes(float(v))
    return b"%s: %s" % (type_name(v), address_of(v))


def tostring_meta(v) -> bytes:
    """tostring() including __tostring (may return a non-string, as Lua allows)."""
    mt = metatable(v) if type(v) is not bytes and type(v) is not float else None
    if mt is not None:
        tm = dict.get(mt, b"__tostring")
        if tm is not None:
            r = ccall(tm, v)
            return r[0] if r else None
    return tostring_value(v)


@lua_function("tostring")
def lua_tostring(*args):
    check_any(args, 0)
    return (tostring_meta(args[0]),)


@lua_function("print")
def lua_print(*args):
    state = context().state
    ts = thread_globals().rawget(b"tostring")
    parts = []
    for v in args:
        if ts is lua_tostring:
            s = tostring_meta(v)
        else:
            r = ccall(ts, v)
            s = r[0] if r else None
        if type(s) is float:
            s = number_to_bytes(s)
        if type(s) is not bytes:
            error(b"'tostring' must return a string to 'print'")
        parts.append(s)
    state.output(b"\t".join(parts) + b"\n")
    return ()


def _strtoul(s: bytes, base: int):
    s = s.lstrip(b" \t\n\r\x0b\x0c")
    neg = False
    if s[:1] in (b"+", b"-"):
        neg = s[:1] == b"-"
        s = s[1:]
    if base == 16 and s[:2].lower() == b"0x":
        s = s[2:]
    n = 0
    i = 0
    for i, ch in enumerate(s):
        if 48 <= ch <= 57:
            d = ch - 48
        elif 97 <= ch <= 122:
            d = ch - 87
        elif 65 <= ch <= 90:
            d = ch - 55
        else:
            d = 99
        if d >= base:
            break
        n = n * base + d
    else:
        i = len(s)
    if i == 0:
        return None
    if s[i:].strip(b" \t\n\r\x0b\x0c"):
        return None
    if n >= 1 << 64:
        n = (1 << 64) - 1
    if neg:
        n = (-n) % (1 << 64)
    return float(n)


@lua_function("tonumber")
def lua_tonumber(*args):
    base = opt_int(args, 1, 10)
    if base == 10:
        v = check_any(args, 0)
        t = type(v)
        if t is float:
            return (v,)
        if t is bytes:
            return (str_to_number(v),)
        return (None,)
    s = check_string(args, 0)
    if not 2 <= base <= 36:
        arg_error(2, b"base out of range")
    return (_strtoul(s, base),)


@lua_function("type")
def lua_type(*args):
    check_any(args, 0)
    return (type_name(args[0]),)


@lua_function("next")
def lua_next(*args):
    t = check_table(args, 0)
    try:
        r = t.next(args[1] if len(args) > 1 else None)
    except LuaError as e:
        error(e.value)
    return r if r is not None else (None,)


@lua_function("pairs")
def lua_pairs(*args):
    t = check_table(args, 0)
    return (lua_next, t, None)


@lua_function("ipairs_iterator")
def ipairs_iterator(t, i, *_):
    i += 1.0
    v = t[i] if type(t) is Table else None
    if type(t) is not Table:
        check_table((t, i), 0)
    if v is None:
        v = dict.get(t, i)
        if v is None:
            return ()
    return (i, v)


def _ipairs_aux(*args):
    t = check_table(args, 0)
    i = check_int(args, 1) + 1
    v = dict.get(t, float(i))
    if v is None:
        return ()
    return (float(i), v)


debuginfo.register_builtin(_ipairs_aux, "(for generator)")


@lua_function("ipairs")
def lua_ipairs(*args):
    t = check_table(args, 0)
    return (_ipairs_aux, t, 0.0)


@lua_function("select")
def lua_select(*args):
    n = len(args)
    if n and type(args[0]) is bytes and args[0][:1] == b"#":
        return (float(n - 1),)
    i = check_int(args, 0)
    if i < 0:
        i = n + i
    elif i > n:
        i = n
    if i < 1:
        arg_error(1, b"index out of range")
    return args[i:]


@lua_function("unpack")
def lua_unpack(*args):
    t = check_table(args, 0)
    i = opt_int(args, 1, 1)
    j = opt_int(args, 2, int(t.length())) if len(args) > 2 and args[2] is not None else int(t.length())
    if i > j:
        return ()
    n = j - i + 1
    if n >= 8000 or n <= 0:
        error(b"too many results to unpack")
    get = dict.get
    return tuple(get(t, float(k)) for k in range(i, j + 1))


@lua_function("pcall")
def lua_pcall(*args):
    check_any(args, 0)
    ok, r = protected_call(args[0], args[1:])
    if ok:
        return (True, *r)
    return (False, r)


@lua_function("xpcall")
def lua_xpcall(*args):
    check_any(args, 1)
    ok, r = protected_call(args[0], (), args[1])
    if ok:
        return (True, *r)
    return (False, r)


@lua_function("error")
def lua_error(*args):
    msg = arg(args, 0)
    level = opt_int(args, 1, 1)
    if type(msg) is bytes and level > 0:
        msg = where(level) + msg
    raise LuaError(msg)


@lua_function("assert")
def lua_assert(*args):
    check_any(args, 0)
    v = args[0]
    if v is None or v is False:
        msg = opt_string(args, 1, b"assertion failed!")
        error(msg)
    return args


@lua_function("rawget")
def lua_rawget(*args):
    t = check_table(args, 0)
    check_any(args, 1)
    return (dict.get(t, lookup_key(args[1])),)


@lua_function("rawset")
def lua_rawset(*args):
    t = check_table(args, 0)
    check_any(args, 1)
    check_any(args, 2)
    try:
        t.rawset(args[1], args[2])
    except LuaError as e:
        raise LuaError(e.value) from None
    return (t,)


@lua_function("rawequal")
def lua_rawequal(*args):
    check_any(args, 0)
    check_any(args, 1)
    return (raw_equal(args[0], args[1]),)


@lua_function("setmetatable")
def lua_setmetatable(*args):
    t = check_table(args, 0)
    mt = arg(args, 1)
    if mt is not None and type(mt) is not Table:
        type_error(args, 1, b"nil or table")
    if t.meta is not None and dict.get(t.meta, b"__metatable") is not None:
        error(b"cannot change a protected metatable")
    t.meta = mt
    note_metatable(t, mt)
    return (t,)


@lua_function("getmetatable")
def lua_getmetatable(*args):
    check_any(args, 0)
    mt = metatable(args[0])
    if mt is None:
        return (None,)
    protected = dict.get(mt, b"__metatable")
    return (protected if protected is not None else mt,)


# ----- environments ---------------------------------------------------------------------------

def _env_cell(fn):
    code = getattr(fn, "__code__", None)
    if code is None or fn.__globals__ is not debuginfo.GEN_GLOBALS:
        return None
    try:
        return fn.__closure__[code.co_freevars.index("ENV")]
    except (ValueError, TypeError):
        return None


def function_env(fn):
    cell = _env_cell(fn)
    if cell is None:
        return thread_globals()
    return cell.cell_contents


def set_function_env(fn, env) -> bool:
    cell = _env_cell(fn)
    if cell is None:
        return False
    cell.cell_contents = env
    return True


def _function_at(args, name: bytes, optional: bool):
    f = arg(args, 0)
    if is_function(f):
        return f
    level = opt_int(args, 0, 1) if optional else check_int(args, 0)
    if level < 0:
        arg_error(1, b"level must be non-negative")
    if level == 0:
        return 0
    levels = debuginfo.stack_levels(sys._getframe(1))
    if level >= len(levels):
        arg_error(1, b"invalid level")
    lv = levels[level]
    if lv.is_lua:
        return _closure_of_frame(lv)
    return None


def _closure_of_frame(lv):
    """The Lua function object running in a frame (the generated function refers to itself)."""
    return closure_of_level(lv)


@lua_function("getfenv")
def lua_getfenv(*args):
    f = _function_at(args, b"getfenv", True)
    if f == 0 or f is None:
        return (thread_globals(),)
    return (function_env(f),)


@lua_function("setfenv")
def lua_setfenv(*args):
    check_table(args, 1)
    f = _function_at(args, b"setfenv", False)
    env = args[1]
    if f == 0:
        set_thread_globals(env)
        return ()
    if f is None or not set_function_env(f, env):
        error(b"'setfenv' cannot change environment of given object")
    return (f,)


# ----- loading --------------------------------------------------------------------------------

def load_chunk(source: bytes, chunkname: bytes, env=None):
    state = context().state
    try:
        return state.load(source, chunkname, env if env is not None else thread_globals())
    except LuaSyntaxError as e:
        return e.value if isinstance(e.value, bytes) else str(e).encode()
    except LuaError as e:
        return e.value if isinstance(e.value, bytes) else str(e).encode()
    except RecursionError:
        return b"%s: chunk has too many syntax levels" % chunkname


@lua_function("loadstring")
def lua_loadstring(*args):
    s = check_string(args, 0)
    name = opt_string(args, 1, s)
    r = load_chunk(s, name)
    if type(r) is bytes:
        return (None, r)
    return (r,)


@lua_function("load")
def lua_load(*args):
    f = arg(args, 0)
    if not is_function(f):
        type_error(args, 0, b"function")
    name = opt_string(args, 1, b"=(load)")
    pieces = []
    while True:
        ok, r = protected_call(f, ())
        if not ok:
            return (None, r)
        piece = r[0] if r else None
        if piece is None:
            break
        if type(piece) is float:
            piece = number_to_bytes(piece)
        if type(piece) is not bytes:
            return (None, b"reader function must return a string")
        if not piece:
            break
        pieces.append(piece)
    r = load_chunk(b"".join(pieces), name)
    if type(r) is bytes:
        return (None, r)
    return (r,)


def read_file(name: bytes):
    state = context().state
    fs = state.file_system
    if fs is None:
        return None
    return fs.read(name)


@lua_function("loadfile")
def lua_loadfile(*args):
    name = opt_string(args, 0, None)
    if name is None:
        return (None, b"cannot read stdin")
    data = read_file(name)
    if data is None:
        return (None, b"cannot open %s" % name)
    if data.startswith(b"#"):
        nl = data.find(b"\n")
        data = b"--" + data[nl if nl >= 0 else len(data):] if nl >= 0 else b""
    r = load_chunk(data, b"@" + name)
    if type(r) is bytes:
        return (None, r)
    return (r,)


@lua_function("dofile")
def lua_dofile(*args):
    r = lua_loadfile(*args[:1])
    if r[0] is None:
        raise LuaError(r[1])
    return ccall(r[0])


_COLLECT_OPTIONS = (b"stop", b"restart", b"collect", b"count", b"step", b"setpause", b"setstepmul")


def collect_option(args) -> bytes:
    """collectgarbage's checked first argument (the board's collectgarbage shares it)."""
    opt = opt_string(args, 0, b"collect")
    if opt not in _COLLECT_OPTIONS:
        arg_error(1, b"invalid option '%s'" % opt)
    return opt


@lua_function("collectgarbage")
def lua_collectgarbage(*args):
    opt = collect_option(args)
    if opt == b"collect":
        sweep_weak_tables()
        return (0.0,)
    if opt == b"count":
        return (float(_memory_estimate()) / 1024.0,)
    if opt == b"step":
        sweep_weak_tables()
        return (True,)
    return (0.0,)


def _memory_estimate() -> int:
    return 20 * 1024 + len(gc.get_objects()) * 16


@lua_function("gcinfo")
def lua_gcinfo(*args):
    return (float(_memory_estimate() // 1024),)


@lua_function("newproxy")
def lua_newproxy(*args):
    u = Userdata()
    a = arg(args, 0)
    if a is None or a is False:
        return (u,)
    if a is True:
        mt = Table()
        context().state.registry.rawset(mt, True)
        u.meta = mt
        return (u,)
    if type(a) is Userdata and a.meta is not None and context().state.registry.rawget(a.meta) is True:
        u.meta = a.meta
        return (u,)
    arg_error(1, b"boolean or proxy expected")


def open(state) -> None:  # noqa: A001
    # In lua5.1's order (base_open), which fixes the order pairs(_G) shows.
    g = state.globals
    g.rawset(b"_G", g)
    for name, fn in {
        b"assert": lua_assert, b"collectgarbage": lua_collectgarbage, b"dofile": lua_dofile,
        b"error": lua_error, b"gcinfo": lua_gcinfo, b"getfenv": lua_getfenv,
        b"getmetatable": lua_getmetatable, b"loadfile": lua_loadfile, b"load": lua_load,
        b"loadstring": lua_loadstring, b"next": lua_next, b"pcall": lua_pcall, b"print": lua_print,
        b"rawequal": lua_rawequal, b"rawget": lua_rawget, b"rawset": lua_rawset, b"select": lua_select,
        b"setfenv": lua_setfenv, b"setmetatable": lua_setmetatable, b"tonumber": lua_tonumber,
        b"tostring": lua_tostring, b"type": lua_type, b"unpack": lua_unpack, b"xpcall": lua_xpcall,
    }.items():
        g.rawset(name, fn)
    g.rawset(b"_VERSION", b"Lua 5.1")
    g.rawset(b"ipairs", lua_ipairs)
    g.rawset(b"pairs", lua_pairs)
    g.rawset(b"newproxy", lua_newproxy)
    state.registry.rawset(b"_LOADED", Table())


_ = (equal, runerror, check_string)
