"""The coroutine library: create, resume, yield, status, wrap, running (counterpart of the coroutine part of lbaselib.c)."""

from __future__ import annotations

from vm.errors import LuaError
from vm.runtime import coroutine as co_runtime
from vm.runtime.calls import context
from vm.runtime.coroutine import Coroutine
from vm.runtime.values import is_function
from vm.stdlib.auxlib import arg, lua_function, new_library, type_error, where


def _check_co(args, i):
    c = arg(args, i)
    if type(c) is not Coroutine:
        type_error(args, i, b"coroutine")
    return c


@lua_function("create")
def co_create(*args):
    f = arg(args, 0)
    from vm.runtime.debuginfo import GEN_GLOBALS  # noqa: PLC0415
    if not is_function(f) or getattr(f, "__globals__", None) is not GEN_GLOBALS:
        from vm.stdlib.auxlib import arg_error  # noqa: PLC0415
        arg_error(1, b"Lua function expected")
    return (Coroutine(f, context().state),)


@lua_function("resume")
def co_resume(*args):
    c = _check_co(args, 0)
    ok, r = co_runtime.resume(c, args[1:])
    if ok:
        return (True, *r)
    return (False, r)


@lua_function("yield")
def co_yield(*args):
    return co_runtime.yield_(args)


@lua_function("status")
def co_status(*args):
    c = _check_co(args, 0)
    if c is co_runtime.current_coroutine():
        return (b"running",)
    return (c.status.encode(),)


@lua_function("running")
def co_running(*args):
    return (co_runtime.current_coroutine(),)


@lua_function("wrap")
def co_wrap(*args):
    c = co_create(*args)[0]

    def wrapped(*wargs):
        ok, r = co_runtime.resume(c, wargs)
        if ok:
            return r
        if type(r) in (bytes, float):
            if type(r) is float:
                from vm.runtime.values import number_to_bytes  # noqa: PLC0415
                r = number_to_bytes(r)
            r = where(1) + r
        raise LuaError(r)
    wrapped._lua_native = True
    from vm.runtime.debuginfo import register_builtin  # noqa: PLC0415
    register_builtin(wrapped, "wrap")
    return (wrapped,)


def open(state) -> None:  # noqa: A001
    new_library(state, b"coroutine", {
        "create": co_create, "resume": co_resume, "yield": co_yield, "status": co_status,
        "running": co_running, "wrap": co_wrap,
    })
