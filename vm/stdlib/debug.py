"""The debug library: traceback, getinfo, getlocal, getupvalue/setupvalue, sethook, metatables, registry (counterpart of ldblib.c)."""

from __future__ import annotations

import sys

from vm.runtime import debuginfo, hooks
from vm.runtime.calls import context
from vm.runtime.coroutine import Coroutine
from vm.runtime.debuginfo import closure_of_level, local_name, proto_info_of_code
from vm.runtime.operations import metatable
from vm.runtime.table import Table
from vm.runtime.values import Cell, Userdata, is_function, type_name
from vm.stdlib.auxlib import (
    arg, arg_error, check_int, check_string, error, lua_function, new_library, opt_int, type_error,
)
from vm.stdlib.base import function_env, set_function_env


def _thread_arg(args):
    if args and type(args[0]) is Coroutine:
        return args[0], 1
    return None, 0


@lua_function("traceback")
def db_traceback(*args):
    co, a = _thread_arg(args)
    rest = args[a:]
    if len(rest) > 1 and type(rest[1]) is float:
        level = int(rest[1])
    else:
        level = 1 if co is None else 0
    if not rest:
        msg = None
    else:
        msg = rest[0]
        if type(msg) is float:
            from vm.runtime.values import number_to_bytes  # noqa: PLC0415
            msg = number_to_bytes(msg)
        elif type(msg) is not bytes:
            return (msg,)
    if co is not None:
        return ((msg + b"\n" if msg is not None else b"") + b"stack traceback:",)
    levels = debuginfo.stack_levels(sys._getframe(1))
    levels.insert(0, None) if False else None
    text = debuginfo.traceback([_self_level()] + levels, msg, level)
    return (text,)


def _self_level():
    return debuginfo.Level(None, 0, None, b"traceback", False)


def _function_info(f, what: bytes, t: Table):
    """The S and u fields for function `f`, in lua5.1's order (l and n belong between them)."""
    code = getattr(f, "__code__", None)
    info = proto_info_of_code(code) if code is not None and getattr(f, "__globals__", None) is debuginfo.GEN_GLOBALS else None
    if b"S" in what:
        if info is not None:
            p = info.proto
            t.rawset(b"source", p.source or b"=?")
            t.rawset(b"short_src", info.short_src)
            t.rawset(b"linedefined", float(p.linedefined))
            t.rawset(b"lastlinedefined", float(p.lastlinedefined))
            t.rawset(b"what", b"main" if p.linedefined == 0 else b"Lua")
        else:
            t.rawset(b"source", b"=[C]")
            t.rawset(b"short_src", b"[C]")
            t.rawset(b"linedefined", -1.0)
            t.rawset(b"lastlinedefined", -1.0)
            t.rawset(b"what", b"C")
    return info


@lua_function("getinfo")
def db_getinfo(*args):
    co, a = _thread_arg(args)
    rest = args[a:]
    what = check_string(rest, 1) if len(rest) > 1 and rest[1] is not None else b"flnSu"
    for ch in what:
        if chr(ch) not in "flnSuL":
            arg_error(a + 2, b"invalid option")
    target = arg(rest, 0)
    # Filled like lua5.1's getinfo: sized for 2, fields in S l u n f order; a nil field still
    # gets its slot (lua_setfield with nil), which matters for pairs() over the result.
    t = Table((0, 2))
    if is_function(target):
        info = _function_info(target, what, t)
        if b"l" in what:
            t.rawset(b"currentline", -1.0)
        if b"u" in what:
            t.rawset(b"nups", float(info.proto.nups if info is not None else 0))
        if b"n" in what:
            t.rawset(b"name", None)
            t.rawset(b"namewhat", b"")
        if b"f" in what:
            t.rawset(b"func", target)
        return (t,)
    if type(target) is not float:
        arg_error(a + 1, b"function or level expected")
    level = int(target)
    if co is not None:
        return (None,)
    levels = [_self_level_named(b"getinfo")] + debuginfo.stack_levels(sys._getframe(1))
    if level < 0 or level >= len(levels):
        return (None,)
    lv = levels[level]
    f = closure_of_level(lv) if lv.is_lua else (lv.frame and _builtin_of(lv))
    if lv.is_lua:
        p = lv.info.proto
        if b"S" in what:
            t.rawset(b"source", p.source or b"=?")
            t.rawset(b"short_src", lv.info.short_src)
            t.rawset(b"linedefined", float(p.linedefined))
            t.rawset(b"lastlinedefined", float(p.lastlinedefined))
            t.rawset(b"what", b"main" if p.linedefined == 0 else b"Lua")
        if b"l" in what:
            t.rawset(b"currentline", float(lv.currentline))
        if b"u" in what:
            t.rawset(b"nups", float(p.nups))
    else:
        if b"S" in what:
            t.rawset(b"source", b"=[C]")
            t.rawset(b"short_src", b"[C]")
            t.rawset(b"linedefined", -1.0)
            t.rawset(b"lastlinedefined", -1.0)
            t.rawset(b"what", b"C")
        if b"l" in what:
            t.rawset(b"currentline", -1.0)
        if b"u" in what:
            t.rawset(b"nups", 0.0)
    if b"n" in what:
        named = debuginfo.function_name(levels, level)
        t.rawset(b"name", named[1] if named is not None else None)
        t.rawset(b"namewhat", named[0].encode() if named is not None else b"")
    if b"f" in what:
        t.rawset(b"func", f)
    return (t,)


def _self_level_named(name):
    return debuginfo.Level(None, 0, None, name, False)


def _builtin_of(lv):
    frame = lv.frame
    back = frame.f_back
    code = frame.f_code
    if back is not None:
        for v in back.f_locals.values():
            if getattr(v, "__code__", None) is code:
                return v
    return None


def _register_value(lv, reg):
    v = lv.register(reg)
    if type(v) is Cell:
        return v.v
    return v


@lua_function("getlocal")
def db_getlocal(*args):
    co, a = _thread_arg(args)
    rest = args[a:]
    level = check_int(rest, 0)
    n = check_int(rest, 1)
    levels = [_self_level_named(b"getlocal")] + debuginfo.stack_levels(sys._getframe(1))
    if level < 0 or level >= len(levels):
        arg_error(a + 1, b"level out of range")
    lv = levels[level]
    if not lv.is_lua or n <= 0:
        return (None,)
    name = local_name(lv.info.proto, n - 1, lv.pc)
    if name is None:
        return (None,)
    return (name, _register_value(lv, n - 1))


@lua_function("setlocal")
def db_setlocal(*args):
    level = check_int(args, 0)
    n = check_int(args, 1)
    levels = [_self_level_named(b"setlocal")] + debuginfo.stack_levels(sys._getframe(1))
    if level < 0 or level >= len(levels):
        arg_error(1, b"level out of range")
    lv = levels[level]
    if not lv.is_lua:
        return (None,)
    name = local_name(lv.info.proto, n - 1, lv.pc)
    if name is None:
        return (None,)
    v = lv.register(n - 1)
    if type(v) is Cell:
        v.v = arg(args, 2)
    elif lv.interp is not None and lv.interp[1] is not None:
        lv.interp[1][n - 1] = arg(args, 2)
    return (name,)


def _upvalue_cell(f, n):
    code = getattr(f, "__code__", None)
    if code is None or getattr(f, "__globals__", None) is not debuginfo.GEN_GLOBALS:
        return None, None
    info = proto_info_of_code(code)
    if info is None or not 1 <= n <= info.proto.nups:
        return None, None
    try:
        cell = f.__closure__[code.co_freevars.index("U%d" % (n - 1))].cell_contents
    except (ValueError, TypeError):
        return None, None
    names = info.proto.upvalues
    return (names[n - 1] if n - 1 < len(names) else b""), cell


def _upvalue_arg(args):
    """(name, cell) of the upvalue that getupvalue/setupvalue's (f, n) arguments denote."""
    f = arg(args, 0)
    if not is_function(f):
        type_error(args, 0, b"function")
    return _upvalue_cell(f, check_int(args, 1))


@lua_function("getupvalue")
def db_getupvalue(*args):
    name, cell = _upvalue_arg(args)
    if cell is None:
        return ()
    return (name, cell.v)


@lua_function("setupvalue")
def db_setupvalue(*args):
    name, cell = _upvalue_arg(args)
    if cell is None:
        return ()
    cell.v = arg(args, 2)
    return (name,)


@lua_function("sethook")
def db_sethook(*args):
    co, a = _thread_arg(args)
    rest = args[a:]
    f = arg(rest, 0)
    state = context().state
    if f is None or not rest:
        hooks.set_debug_hook(state, None, "", 0)
        return ()
    mask = check_string(rest, 1).decode("latin-1")
    count = opt_int(rest, 2, 0)
    if not is_function(f):
        type_error(rest, 0, b"function")
    hooks.set_debug_hook(state, f, mask, count)
    return ()


@lua_function("gethook")
def db_gethook(*args):
    dh = context().state.debug_hook
    if dh is None:
        return (None,)
    return (dh[0], dh[1].encode(), float(dh[2]))


@lua_function("getmetatable")
def db_getmetatable(*args):
    return (metatable(arg(args, 0)),)


@lua_function("setmetatable")
def db_setmetatable(*args):
    v = arg(args, 0)
    mt = arg(args, 1)
    if mt is not None and type(mt) is not Table:
        type_error(args, 1, b"nil or table")
    if type(v) in (Table, Userdata, Coroutine):
        v.meta = mt
    else:
        state = context().state
        if mt is None:
            state.type_meta.pop(type_name(v), None)
        else:
            state.type_meta[type_name(v)] = mt
    return (True,)


@lua_function("debug")
def db_debug(*args):
    """The interactive prompt: run each line read from stdin until `cont` (or end of input)."""
    state = context().state
    while True:
        sys.stderr.write("lua_debug> ")
        sys.stderr.flush()
        line = sys.stdin.buffer.readline()
        if not line or line.rstrip(b"\r\n") == b"cont":
            return ()
        ok, err = state.pcall(_load_line(state, line))
        if not ok:
            sys.stderr.buffer.write((err if type(err) is bytes else b"?") + b"\n")
            sys.stderr.flush()


def _load_line(state, line: bytes):
    from vm.errors import LuaSyntaxError  # noqa: PLC0415
    try:
        return state.load(line, b"=(debug command)")
    except LuaSyntaxError as e:
        message = e.value

        def report(*_):
            error(message, 0)
        return report


@lua_function("getregistry")
def db_getregistry(*args):
    return (context().state.registry,)


@lua_function("getfenv")
def db_getfenv(*args):
    v = arg(args, 0)
    if is_function(v):
        return (function_env(v),)
    if type(v) is Userdata:
        return (v.env,)
    if type(v) is Coroutine:
        return (v.globals,)
    return (None,)


@lua_function("setfenv")
def db_setfenv(*args):
    v = arg(args, 0)
    t = arg(args, 1)
    if type(t) is not Table:
        type_error(args, 1, b"table")
    if is_function(v):
        if not set_function_env(v, t):
            error(b"'setfenv' cannot change environment of given object")
    elif type(v) is Userdata:
        v.env = t
    elif type(v) is Coroutine:
        v.globals = t
    else:
        error(b"'setfenv' cannot change environment of given object")
    return (v,)


@lua_function("getstrings")
def db_getstrings(*args):
    return (Table(),)


def open(state, nodemcu: bool = False) -> None:  # noqa: A001
    functions = {"traceback": db_traceback, "getregistry": db_getregistry}
    if nodemcu:
        functions["getstrings"] = db_getstrings
    else:
        functions.update({
            "getinfo": db_getinfo, "getlocal": db_getlocal, "setlocal": db_setlocal,
            "getupvalue": db_getupvalue, "setupvalue": db_setupvalue, "sethook": db_sethook,
            "gethook": db_gethook, "getmetatable": db_getmetatable,
            "setmetatable": db_setmetatable, "getfenv": db_getfenv, "setfenv": db_setfenv,
            "debug": db_debug,
        })
    new_library(state, b"debug", functions)
