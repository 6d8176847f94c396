"""Lua coroutines on the call driver: no threads (counterpart of ldo.c's resume/yield).

A coroutine is a stack of suspended Lua activations of its own, run by vm.runtime.calls.drive
with the coroutine attached. `coroutine.yield` is a library function whose result is an
activation that yields a `YieldRequest`; when the coroutine's own driver receives it, the driver
keeps its stack in the Coroutine and returns to `resume`. The next resume sends the new
arguments into that activation, which hands them to its caller as its results. A yield that
reaches any other driver (one started by pcall, a metamethod or a library callback, or the main
thread's) raises 5.1's "attempt to yield across metamethod/C-call boundary" instead.
Each coroutine has its own ThreadContext (C-call count, drivers, CallInfo array, global table);
`resume` swaps it in for the duration.
"""

from __future__ import annotations

import weakref
from types import GeneratorType

from vm.errors import LuaError
from vm.runtime import calls
from vm.runtime.calls import MAX_C_CALLS, ThreadContext, context, set_context
from vm.runtime.values import YieldRequest, register_type_name


class Coroutine:
    """A Lua thread value."""
    __slots__ = ("fn", "status", "state", "globals", "stack", "tails", "gen", "transfer", "ctx",
                 "meta", "__weakref__")

    def __init__(self, fn, state):
        self.fn = fn
        self.state = state
        self.globals = calls.thread_globals()
        self.status = "suspended"
        self.stack = []         # suspended activations below the yield, outermost first
        self.tails = []
        self.gen = None         # the yield activation waiting for the next resume's arguments
        self.transfer = None    # arguments of the resume in progress
        self.ctx = None         # made at the first resume
        self.meta = None

    def __repr__(self):
        return f"<Lua coroutine 0x{id(self):x} {self.status}>"


register_type_name(Coroutine, b"thread")


def current_coroutine():
    ref = context().coroutine
    if ref is None:
        return None
    return ref() if isinstance(ref, weakref.ref) else ref


def resume(co: Coroutine, args):
    """Resume `co` with args: (True, values) or (False, error value)."""
    if co.status == "dead":
        return False, b"cannot resume dead coroutine"
    if co.status != "suspended":
        return False, b"cannot resume non-suspended coroutine"
    outer = context()
    if outer.ccalls >= MAX_C_CALLS:
        return False, b"C stack overflow"
    ctx = co.ctx
    if ctx is None:
        # The body runs at ci 1, above the coroutine's base entry, one C call deeper than its
        # first resumer (lua_resume).
        ctx = co.ctx = ThreadContext(co.state, weakref.ref(co), outer.ccalls + 1, holder=co, base_ci=1)
    me = current_coroutine()
    if me is not None:
        me.status = "normal"
    co.status = "running"
    set_context(ctx)
    try:
        if co.gen is None:
            result = co.fn(*args)
            if result.__class__ is GeneratorType:
                result = calls.drive(result, 1, ctx, co)
        else:
            gen, co.gen = co.gen, None
            co.transfer = tuple(args)
            result = calls.drive(gen, 1, ctx, co)
    except LuaError as e:
        co.status = "dead"
        return False, e.value
    except RecursionError as e:
        from vm.runtime.state import _stack_overflow_message  # noqa: PLC0415
        co.status = "dead"
        return False, _stack_overflow_message(e)
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        co.status = "dead"
        raise
    except BaseException as e:  # noqa: BLE001 - never leak Python exceptions into the resumer
        co.status = "dead"
        return False, b"internal error: %s: %s" % (type(e).__name__.encode(), str(e).encode("utf-8", "replace"))
    finally:
        co.transfer = None
        set_context(outer)
        if me is not None:
            me.status = "running"
    if result.__class__ is YieldRequest:
        co.status = "suspended"
        return True, result.values
    co.status = "dead"
    co.stack = co.tails = None
    return True, tuple(result)


def _yield_activation(values):
    """What coroutine.yield returns: an activation that asks the driver to suspend, then
    returns the next resume's arguments as its results."""
    resumed = yield YieldRequest(values)
    yield resumed


def yield_(values):
    """coroutine.yield: an activation the calling Lua function runs like any call."""
    return _yield_activation(tuple(values))
