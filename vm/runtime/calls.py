"""Calling Lua values from Python: per-thread call context, C-call depth, trampolines for tail calls (counterpart of ldo.c).

How calls work (the design choice the issue asks to document):

* A Lua function is a generated Python function; a Lua-to-Lua call is a direct Python call, so
  Lua's call depth is Python's. On CPython 3.11+ such calls do not consume C stack, and the state
  raises `sys.setrecursionlimit` so that Lua's own limit (~LUAI_MAXCALLS frames) is what a runaway
  recursion meets. The resulting RecursionError is turned into Lua's `stack overflow` error at
  the nearest protected boundary (pcall, coroutine, the embedding API).
* `return f(x)` does not call: the function returns a TailCall marker and the caller's
  trampoline (`run_tail`) performs the call, so tail calls never grow the Python stack.
* Calls made *from Python* into Lua (library functions, metamethods, the embedding API) go
  through `ccall`, which counts nesting per thread exactly like Lua's nCcalls and raises
  `C stack overflow` at 200 (LUAI_MAXCCALLS). Coroutines use this count for the 5.1 rule that
  a yield cannot cross such a call.
"""

from __future__ import annotations

import threading
from types import FunctionType

from vm.errors import LuaError
from vm.runtime.values import TailCall

MAX_C_CALLS = 200          # LUAI_MAXCCALLS
MAX_LUA_CALLS = 20000      # LUAI_MAXCALLS


class ThreadContext:
    """What one Python thread running Lua needs to know: its state, coroutine and C-call depth."""
    __slots__ = ("state", "coroutine", "ccalls", "base_ccalls", "error_frames", "hook", "holder")

    def __init__(self, state=None, coroutine=None, ccalls=0, holder=None):
        self.state = state
        self.holder = holder      # object whose .globals is this thread's global table
        self.coroutine = coroutine
        self.ccalls = ccalls
        self.base_ccalls = ccalls
        self.error_frames = None   # frames of an error being handled by an xpcall handler
        self.hook = None


_tls = threading.local()


def context() -> ThreadContext:
    try:
        return _tls.ctx
    except AttributeError:
        ctx = _tls.ctx = ThreadContext()
        return ctx


def thread_globals():
    """The running thread's global table (LUA_GLOBALSINDEX): per coroutine, as in 5.1."""
    ctx = context()
    holder = ctx.holder
    if holder is not None:
        return holder.globals
    return ctx.state.globals


def set_thread_globals(table) -> None:
    ctx = context()
    if ctx.holder is not None:
        ctx.holder.globals = table
    else:
        ctx.state.globals = table


def set_context(ctx: ThreadContext) -> None:
    _tls.ctx = ctx


# Set by vm.runtime.operations: resolves __call for non-functions, raising Lua's error otherwise.
call_metamethod_target = None
# Set by vm.runtime.debuginfo: raises a LuaError with the current position.
runerror = None


def run_tail(result):
    """Trampoline: keep performing pending tail calls until a real result list appears."""
    while result.__class__ is TailCall:
        fn, args = result
        result = fn(*args)
    return result


def call_any(fn, args):
    """Call any Lua value with `args` (a tuple) from Python code, honouring __call; returns the result list."""
    if type(fn) is not FunctionType:
        fn, args = call_metamethod_target(fn, args)
    result = fn(*args)
    if result.__class__ is TailCall:
        result = run_tail(result)
    return result


def ccall(fn, *args):
    """Call a Lua value from a library function or metamethod dispatch (counts as a C call)."""
    ctx = context()
    n = ctx.ccalls = ctx.ccalls + 1
    try:
        if n >= MAX_C_CALLS:
            if n == MAX_C_CALLS:
                runerror(b"C stack overflow")
            if n >= MAX_C_CALLS + (MAX_C_CALLS >> 3):
                raise LuaError(b"error in error handling")
        if type(fn) is not FunctionType:
            fn, args = call_metamethod_target(fn, args)
        result = fn(*args)
        if result.__class__ is TailCall:
            result = run_tail(result)
        return result
    finally:
        ctx.ccalls -= 1


def ccall1(fn, *args):
    """ccall keeping only the first result (nil when there is none)."""
    r = ccall(fn, *args)
    return r[0] if r else None
