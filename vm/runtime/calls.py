"""Calling Lua values: the call driver that keeps Lua's call stack off Python's, per-thread call context, C-call depth (counterpart of ldo.c).

How calls work (the design choice the issue asks to document):

* A Lua function that calls other functions is a generated Python *generator function*:
  calling it only makes a generator (an activation record holding the registers), and a
  Lua-to-Lua call inside it is `T = yield callee_generator`. The driver (`drive`) keeps the
  suspended callers in a plain list, starts the callee, and when the callee yields its results
  (a tuple, its last act) sends them back into the caller. So a chain of N Lua calls is N
  generator objects in a list and two Python frames (the driver and the running function),
  whatever N is: Lua-to-Lua calls never recurse in Python.
* A Lua function that calls nothing (a leaf: no CALL, TAILCALL or TFORLOOP instruction) stays an
  ordinary Python function returning its results: calling it cannot nest further Lua calls,
  except through metamethods, which are C boundaries anyway (below).
* `return f(x)` yields `TailCall(generator)`: the driver finishes the caller and runs the callee
  in its place, so tail calls never grow any stack; the level is marked for tracebacks
  ("(tail call): ?").
* Calls made from Python into Lua (library functions such as pcall, table.sort's comparator,
  gsub's function; metamethods; the embedding API) start a driver of their own: `ccall`. This is
  the counterpart of C Lua's luaD_call recursing on the C stack, and like it is counted per
  thread (nCcalls) and stopped at 200 nested calls with `C stack overflow` (LUAI_MAXCCALLS), so
  Python's recursion is bounded by that limit, not by Lua's call depth.
* Lua's call depth is counted exactly like lua5.1's CallInfo array (see `drive`): a call that
  would need CallInfo index `ci_size` raises `stack overflow` in the calling function.
"""

from __future__ import annotations

import sys
import threading
from types import FunctionType, GeneratorType

from vm.errors import LuaError
from vm.runtime.values import Handoff, TailCall, YieldRequest

MAX_C_CALLS = 200          # LUAI_MAXCCALLS
MAX_LUA_CALLS = 20000      # LUAI_MAXCALLS
FIRST_CI_LIMIT = 16384     # the CallInfo array doubles 8, 16, ... 16384; doubling past 20000 overflows
PROTECTED_CI = 2           # lua.c runs a chunk at ci 2 (0 is the thread's base entry, 1 its pmain)
PYTHON_RECURSION_LIMIT = 12000   # 200 nested C calls of a few Python frames each, plus the compiler

GEN = GeneratorType


class ThreadContext:
    """What the Lua thread running on one Python thread needs to know (the main one, or the
    coroutine `resume` swapped in): its state, coroutine, C-call depth and drivers."""
    __slots__ = ("state", "coroutine", "ccalls", "base_ccalls", "error_frames", "hook", "holder",
                 "drivers", "ci_size", "base_ci")

    def __init__(self, state=None, coroutine=None, ccalls=0, holder=None, base_ci=PROTECTED_CI):
        self.state = state
        self.holder = holder      # object whose .globals is this thread's global table
        self.coroutine = coroutine
        self.ccalls = ccalls
        self.base_ccalls = ccalls
        self.error_frames = None   # frames of an error being handled by an xpcall handler
        self.hook = None
        self.drivers: list = []   # records of this thread's running drivers, outermost first
        # Emulated size of lua5.1's CallInfo array (L->size_ci): 16384 on a fresh thread, 20000
        # once an overflow was caught (ldo.c's restore_stack_limit), twice the size while the
        # error that overflowed it is being handled.
        self.ci_size = FIRST_CI_LIMIT
        self.base_ci = base_ci    # ci index of a function called from Python with no driver running


# A running driver is recorded on its thread as a tuple (stack, tails, ci_base): the suspended
# activations it holds (outermost first), the stack positions reached through a tail call, and
# the CallInfo index of its first activation; the activation at stack position k (the running
# one at len(stack)) uses CallInfo index ci_base + k. Drivers nest strictly, so walking Python's
# frames outwards meets their frames in the reverse order of the thread's list. (The record
# does not hold the driver's frame: making the frame object costs more than the whole call.)


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
# Set by vm.runtime.debuginfo: "chunk:line: " of a suspended Lua activation's frame.
frame_position = None


def _finish(gen) -> None:
    """Let a generator that yielded its results run to its end (it only returns)."""
    for _ in gen:
        pass


def drive(gen, ci_base: int, ctx=None, co=None):
    """Run the Lua activation `gen` and everything it calls; returns its results.

    `ci_base` is the CallInfo index the activation occupies. See the module docstring. A
    coroutine's driver gets the coroutine `co`: its stack lives there, a yield returns the
    YieldRequest with the stack kept, and `gen` is then resumed with `co.transfer`."""
    if ctx is None:
        ctx = context()
    if co is None:
        stack = []
        tails = []
    else:
        stack = co.stack
        tails = co.tails
    rec = (stack, tails, ci_base)
    drivers = ctx.drivers
    drivers.append(rec)
    room = ctx.ci_size - 1 - ci_base
    push = stack.append
    pop = stack.pop
    try:
        req = next(gen) if co is None or co.transfer is None else gen.send(co.transfer)
        while True:
            cls = req.__class__
            if cls is GEN:
                if len(stack) >= room:
                    room = ctx.ci_size - 1 - ci_base
                    if len(stack) >= room:
                        req = gen.throw(_stack_overflow(ctx, gen))
                        continue
                push(gen)
                gen = req
                req = next(gen)
            elif cls is tuple or (cls is not TailCall and cls is not Handoff and cls is not YieldRequest):
                # The activation yielded its results (a tuple, or a library function's list
                # passed on by a tail call): let it end, then resume its caller with them.
                for _ in gen:
                    pass
                if not stack:
                    return req
                if tails and tails[-1] == len(stack):
                    tails.pop()
                gen = pop()
                req = gen.send(req)
            elif cls is YieldRequest:
                if co is None:
                    req = gen.throw(LuaError(b"attempt to yield across metamethod/C-call boundary"))
                    continue
                co.gen = gen        # resumed with the next resume's arguments
                return req
            elif cls is TailCall:
                _finish(gen)
                n = len(stack)
                if not tails or tails[-1] != n:
                    tails.append(n)
                gen = req.gen
                req = next(gen)
            else:
                _finish(gen)
                gen = req.gen
                req = next(gen)
    except BaseException as e:
        _record(e, rec)
        raise
    finally:
        drivers.pop()


def _stack_overflow(ctx, gen):
    """ldo.c's growCI: the array doubles past LUAI_MAXCALLS, which is an error in the caller."""
    if ctx.ci_size > MAX_LUA_CALLS:
        return LuaError(b"error in error handling")
    ctx.ci_size *= 2
    return LuaError(frame_position(gen.gi_frame) + b"stack overflow")


def _record(exc, rec) -> None:
    """Keep the suspended activations an error passes through, for xpcall handlers and tracebacks."""
    snapshots = getattr(exc, "lua_stacks", None)
    if snapshots is None:
        try:
            exc.lua_stacks = snapshots = {}
        except AttributeError:      # exceptions without a __dict__ (never Lua's own)
            return
    stack, tails, _ = rec
    snapshots[sys._getframe(1)] = ([g.gi_frame for g in stack], tuple(tails), len(stack) in tails)


def current_ci(ctx) -> int:
    """CallInfo index of the Lua function running on this thread (its innermost driver's)."""
    drivers = ctx.drivers
    if drivers:
        rec = drivers[-1]
        return rec[2] + len(rec[0])
    return ctx.base_ci - 1


def ci_for_call(ctx, step: int) -> int:
    """CallInfo index of a function called from Python `step` entries above the running Lua
    function, or at the thread's base when no Lua is running."""
    drivers = ctx.drivers
    if drivers:
        rec = drivers[-1]
        return rec[2] + len(rec[0]) + step
    return ctx.base_ci


def call_any(fn, args):
    """Call any Lua value with `args` (a tuple) from Python code, honouring __call; returns the result list."""
    if type(fn) is not FunctionType:
        fn, args = call_metamethod_target(fn, args)
    result = fn(*args)
    if result.__class__ is GEN:
        result = drive(result, ci_for_call(context(), 2))
    return result


def _counted_call(ci_step, fn, args):
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
        if result.__class__ is GEN:
            result = drive(result, ci_for_call(ctx, ci_step), ctx)
        return result
    finally:
        ctx.ccalls -= 1


def ccall(fn, *args):
    """Call a Lua value from a library function (counts as a C call; the library function holds
    a CallInfo of its own, the called function the next one)."""
    return _counted_call(2, fn, args)


def mcall(fn, *args):
    """Call a metamethod from the VM's operations (a C call for nCcalls; the metamethod takes the
    CallInfo right above the running function, as lvm.c's callTM does)."""
    return _counted_call(1, fn, args)
