"""Calling Lua values from Python: per-thread call context, C-call depth, trampolines for tail calls (counterpart of ldo.c).

How calls work (the design choice the issue asks to document):

* A Lua function is a generated Python function; a Lua-to-Lua call is a direct Python call, so
  Lua's call depth is Python's. On CPython 3.11+ such calls do not consume C stack, so Python's
  recursion limit doubles as Lua's call-depth counter at no cost per call: while Lua runs on a
  thread, the limit is set so that RecursionError comes exactly where lua5.1's CallInfo array
  would overflow (see `lua_depth_limit`), and that RecursionError is turned into Lua's
  `stack overflow` error at the nearest protected boundary (pcall, coroutine, the embedding API).
* `return f(x)` does not call: the function returns a TailCall marker and the caller's
  trampoline (`run_tail`) performs the call, so tail calls never grow the Python stack.
* Calls made *from Python* into Lua (library functions, metamethods, the embedding API) go
  through `ccall`, which counts nesting per thread exactly like Lua's nCcalls and raises
  `C stack overflow` at 200 (LUAI_MAXCCALLS). Coroutines use this count for the 5.1 rule that
  a yield cannot cross such a call.
"""

from __future__ import annotations

import sys
import threading
from types import FunctionType

from vm.errors import LuaError
from vm.runtime.values import TailCall

MAX_C_CALLS = 200          # LUAI_MAXCCALLS
MAX_LUA_CALLS = 20000      # LUAI_MAXCALLS
FIRST_CI_LIMIT = 16384     # the CallInfo array doubles 8, 16, ... 16384; doubling past 20000 overflows
# Python frames that a RecursionError limit of L leaves usable, minus L (CPython's own count starts
# at the thread's first frame and raises once depth exceeds the limit); calibrated by the tests.
_LIMIT_SLACK = 0


class ThreadContext:
    """What one Python thread running Lua needs to know: its state, coroutine and C-call depth."""
    __slots__ = ("state", "coroutine", "ccalls", "base_ccalls", "error_frames", "hook", "holder",
                 "py_base", "ci_size")

    def __init__(self, state=None, coroutine=None, ccalls=0, holder=None):
        self.state = state
        self.holder = holder      # object whose .globals is this thread's global table
        self.coroutine = coroutine
        self.ccalls = ccalls
        self.base_ccalls = ccalls
        self.error_frames = None   # frames of an error being handled by an xpcall handler
        self.hook = None
        # Lua call depth (see lua_depth_limit): the Python depth that ci index 0 maps to while
        # Lua runs on this thread (None when it does not), and the emulated size of the CallInfo
        # array (L->size_ci) that a call may not reach.
        self.py_base = None
        self.ci_size = FIRST_CI_LIMIT


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


def python_depth(frame) -> int:
    """How many Python frames are on the stack up to and including `frame`."""
    n = 0
    while frame is not None:
        n += 1
        frame = frame.f_back
    return n


def lua_depth_limit(ctx: ThreadContext) -> None:
    """Point Python's recursion limit at ctx's Lua call limit (counterpart of ldo.c's growCI).

    lua5.1 keeps one CallInfo per active call (Lua or C, plus the thread's base entry) in an
    array that starts at 8 entries and doubles when full; once doubling would pass LUAI_MAXCALLS
    (20000) it raises "stack overflow" instead, so a fresh thread's calls stop at 16384 entries.
    After an overflow a protected call shrinks the array to exactly 20000 (restore_stack_limit),
    so from then on that thread's calls stop at 20000 (lgc.c's shrinking of an idle array is not
    emulated). Here each Lua-to-Lua call is one Python frame: with ci index 0 mapped to Python
    depth ctx.py_base, a call that would use ci index ctx.ci_size is the one that must fail.
    The limit is process-wide, so it is set again whenever a thread starts or resumes Lua.
    """
    if ctx.py_base is not None:
        sys.setrecursionlimit(ctx.py_base + ctx.ci_size + _LIMIT_SLACK)


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
