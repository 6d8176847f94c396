"""Lua coroutines, each running on its own Python thread with strict hand-over (counterpart of ldo.c's resume/yield).

Lua functions are Python functions calling each other directly, so a coroutine needs a stack of
its own: a thread. Exactly one of the resumer and the coroutine runs at any time; they hand control
to each other through two semaphores. The Lua-visible handle (Coroutine) is not referenced by the
thread, so a suspended coroutine that becomes garbage is collected and its thread is unwound.
5.1's rule that a yield may not cross a C call (pcall, metamethods, library callbacks) is kept by
comparing the thread's C-call depth with the depth it had when resumed.
"""

from __future__ import annotations

import threading
import weakref

from vm.errors import LuaError
from vm.runtime import calls, debuginfo
from vm.runtime.calls import MAX_C_CALLS, ThreadContext, context, set_context
from vm.runtime.values import register_type_name


class CoroutineKill(BaseException):
    """Raised inside an abandoned coroutine's thread to unwind it."""


class _Channel:
    __slots__ = ("fn", "status", "thread", "to_coroutine", "to_resumer", "transfer", "killed",
                 "state", "handle_ref", "globals", "__weakref__")

    def __init__(self, fn, state):
        self.fn = fn
        self.globals = calls.thread_globals()
        self.state = state
        self.status = "suspended"
        self.thread = None
        self.to_coroutine = threading.Semaphore(0)
        self.to_resumer = threading.Semaphore(0)
        self.transfer = None
        self.killed = False
        self.handle_ref = None

    def kill(self):
        if self.thread is not None and self.status == "suspended":
            self.killed = True
            self.to_coroutine.release()


class Coroutine:
    """A Lua thread value."""
    __slots__ = ("chan", "meta", "__weakref__")

    def __init__(self, fn, state):
        self.chan = _Channel(fn, state)
        self.chan.handle_ref = weakref.ref(self)
        self.meta = None
        weakref.finalize(self, self.chan.kill)

    @property
    def status(self) -> str:
        return self.chan.status

    def __repr__(self):
        return f"<Lua coroutine 0x{id(self):x} {self.chan.status}>"


register_type_name(Coroutine, b"thread")


def _body(chan: _Channel, ccalls: int, hook):
    ctx = ThreadContext(chan.state, chan.handle_ref, ccalls, holder=chan, base_ci=1)
    set_context(ctx)
    if hook is not None:
        hook()
    chan.to_coroutine.acquire()
    if chan.killed:
        chan.status = "dead"
        return
    try:
        args = chan.transfer      # the body runs at ci 1, above the coroutine's base entry
        result = calls.call_any(chan.fn, args)
        chan.transfer = ("return", tuple(result))
    except CoroutineKill:
        chan.status = "dead"
        return
    except LuaError as e:
        chan.transfer = ("error", e.value, e.__traceback__)
    except RecursionError as e:
        from vm.runtime.state import _stack_overflow_message  # noqa: PLC0415
        chan.transfer = ("error", _stack_overflow_message(e), None)
    except SystemExit as e:     # os.exit inside the coroutine: the resumer exits
        chan.transfer = ("exit", e.code)
    except BaseException as e:  # noqa: BLE001 - never leak Python exceptions into the resumer
        chan.transfer = ("error", b"internal error: %s: %s" % (
            type(e).__name__.encode(), str(e).encode("utf-8", "replace")), None)
    chan.status = "dead"
    chan.to_resumer.release()


def current_coroutine():
    ref = context().coroutine
    if ref is None:
        return None
    return ref() if isinstance(ref, weakref.ref) else ref


def resume(co: Coroutine, args):
    """Resume `co` with args: (True, values) or (False, error value)."""
    chan = co.chan
    if chan.status == "dead":
        return False, b"cannot resume dead coroutine"
    if chan.status != "suspended":
        return False, b"cannot resume non-suspended coroutine"
    ctx = context()
    if ctx.ccalls >= MAX_C_CALLS:
        return False, b"C stack overflow"
    me = current_coroutine()
    if me is not None:
        me.chan.status = "normal"
    chan.status = "running"
    chan.transfer = tuple(args)
    if chan.thread is None:
        from vm.runtime import hooks  # noqa: PLC0415
        t = threading.Thread(target=_body, args=(chan, ctx.ccalls + 1, hooks.thread_installer(chan.state)),
                             daemon=True, name="lua-coroutine")
        chan.thread = t
        t.start()
    chan.to_coroutine.release()
    chan.to_resumer.acquire()
    if me is not None:
        me.chan.status = "running"
    set_context(ctx)
    kind = chan.transfer[0]
    if kind == "exit":
        code = chan.transfer[1]
        chan.transfer = None
        raise SystemExit(code)
    if kind == "error":
        value = chan.transfer[1]
        chan.transfer = None
        return False, value
    values = chan.transfer[1]
    chan.transfer = None
    return True, values


def yield_(values):
    """Suspend the running coroutine, handing `values` to its resumer; returns the next resume's args."""
    ctx = context()
    co = current_coroutine() if ctx.coroutine is not None else None
    if ctx.coroutine is None or ctx.ccalls > ctx.base_ccalls:
        debuginfo.runerror(b"attempt to yield across metamethod/C-call boundary")
    ref = ctx.coroutine
    chan = co.chan if co is not None else None
    if chan is None:
        raise CoroutineKill()
    chan.transfer = ("yield", tuple(values))
    chan.status = "suspended"
    del co
    chan.to_resumer.release()
    chan.to_coroutine.acquire()
    if chan.killed:
        raise CoroutineKill()
    set_context(ctx)
    _ = ref
    return chan.transfer
