"""A Lua state and the embedding API the board uses: globals, loading, protected calls, hooks (counterpart of lstate.c, lapi.c and ldo.c's protected calls).

Typical use:

    state = LuaState(output=my_write)          # print() writes bytes through my_write
    state.register_module("node", {"heap": lambda *a: (40000.0,)})
    fn = state.load(b"print(node.heap())", b"=stdin")
    ok, results = state.pcall(fn)              # never raises for Lua errors
    state.set_count_hook(fn=watchdog, count=10000)
"""

from __future__ import annotations

import sys
from types import FunctionType

from vm.errors import LuaError
from vm.runtime import calls, debuginfo
from vm.runtime.calls import MAX_LUA_CALLS, PYTHON_RECURSION_LIMIT, ThreadContext, context
from vm.runtime.table import Table
from vm.runtime.tiers import instantiate
from vm.runtime.values import type_name



class LuaState:
    """One Lua universe: globals, registry, type metatables, output and hooks."""

    def __init__(self, output=None, file_system=None, libraries: str = "all"):
        self.globals = Table((0, 2))        # lua_newstate's size for the globals table
        self.registry = Table()
        self.type_meta: dict = {}
        self.output = output or (lambda data: (sys.stdout.buffer.write(data), sys.stdout.buffer.flush()))
        self.file_system = file_system      # object with read(name: bytes) -> bytes | None
        self.count_hook = None
        self.hook_count = 0
        self.hook_counter = 0
        self.debug_hook = None              # (function, mask, count) installed by debug.sethook
        self.debug_counter = 0
        self.in_hook = False
        if sys.getrecursionlimit() < PYTHON_RECURSION_LIMIT:
            sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)
        self.main_context = ThreadContext(self)
        self.bind_thread()
        from vm.stdlib import open_libraries  # noqa: PLC0415
        open_libraries(self, libraries)

    # ----- threads ---------------------------------------------------------------------------
    def bind_thread(self) -> None:
        """Make this state the one the calling Python thread runs Lua for."""
        ctx = context()
        if ctx.state is not self:
            ctx.state = self
            ctx.coroutine = None

    # ----- loading ---------------------------------------------------------------------------
    def compile(self, source: bytes, chunkname: bytes):
        """Source text or a binary chunk -> Proto (raises LuaSyntaxError)."""
        import vm  # noqa: PLC0415
        if source[:4] == b"\x1bLua":
            return vm.undump(source, chunkname)
        return vm.compile(source, chunkname)

    def load(self, source, chunkname=b"=?", env=None):
        """A Lua function for a chunk (source, binary chunk or Proto); raises LuaSyntaxError."""
        if isinstance(source, str):
            source = source.encode("utf-8")
        if isinstance(chunkname, str):
            chunkname = chunkname.encode("utf-8")
        proto = source if not isinstance(source, (bytes, bytearray)) else self.compile(bytes(source), chunkname)
        return instantiate(proto, env if env is not None else self.globals)

    # ----- calling ---------------------------------------------------------------------------
    def call(self, fn, *args):
        """Call a Lua value; returns the list of results or raises LuaError (with .traceback set)."""
        self.bind_thread()
        ok, result = protected_call(fn, args, traceback_handler)
        if ok:
            return list(result)
        err = LuaError(result[0], result[1])
        raise err

    def pcall(self, fn, *args):
        """Call under protection: (True, results) or (False, error value)."""
        self.bind_thread()
        ok, result = protected_call(fn, args)
        return ok, list(result) if ok else result

    def execute(self, source, chunkname=b"=?", *args):
        """Load and run a chunk; LuaSyntaxError / LuaError propagate."""
        return self.call(self.load(source, chunkname), *args)

    # ----- registering -----------------------------------------------------------------------
    def to_lua(self, value):
        """Python data -> Lua value (dicts/lists to tables, str to bytes, int to float, callables wrapped)."""
        if value is None or isinstance(value, (bool, float, bytes)):
            return value
        if isinstance(value, int):
            return float(value)
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, Table):
            return value
        if isinstance(value, dict):
            t = Table()
            for k, v in value.items():
                t.rawset(self.to_lua(k), self.to_lua(v))
            return t
        if isinstance(value, (list, tuple)):
            t = Table()
            t.set_array([self.to_lua(v) for v in value])
            return t
        if callable(value):
            return self.wrap_function(value)
        return value

    def wrap_function(self, fn, name=None):
        """Make a Python callable usable as a Lua function (returning a list/tuple of results, or one value)."""
        if type(fn) is FunctionType and getattr(fn, "_lua_native", False):
            return fn

        to_lua = self.to_lua

        def python_function(*args):
            r = fn(*args)
            if r is None:
                return ()
            if isinstance(r, (tuple, list)):
                return [to_lua(v) for v in r]
            return (to_lua(r),)
        python_function._lua_native = True
        debuginfo.register_builtin(python_function, name or getattr(fn, "__name__", "?"))
        return python_function

    def register_function(self, name: str, fn) -> None:
        self.globals.rawset(name.encode(), self.wrap_function(fn, name))

    def register_module(self, name: str, members) -> Table:
        """Install a table of functions/values as global `name` and in package.loaded."""
        if isinstance(members, Table):
            t = members
        else:
            t = Table()
            for k, v in members.items():
                t.rawset(k.encode() if isinstance(k, str) else k,
                         self.wrap_function(v, k) if callable(v) and not isinstance(v, Table) else self.to_lua(v))
        self.globals.rawset(name.encode(), t)
        package = self.globals.rawget(b"package")
        if isinstance(package, Table):
            loaded = package.rawget(b"loaded")
            if isinstance(loaded, Table):
                loaded.rawset(name.encode(), t)
        return t

    def set_output(self, output) -> None:
        self.output = output

    # ----- hooks -----------------------------------------------------------------------------
    def set_count_hook(self, fn=None, count: int = 0) -> None:
        """Call fn() about every `count` VM instructions (fn may raise LuaError); None removes it.

        Counted by the Lua code itself at loop heads and calls (see vm.runtime.hooks): while no
        hook is set anywhere that costs one test of a global flag per loop iteration and call.
        """
        from vm.runtime import hooks  # noqa: PLC0415
        hooks.set_count_hook(self, fn, count)


def protected_call(fn, args, handler=None):
    """Run fn(*args) catching every error: (True, results) or (False, error value).

    Lua errors keep their value; any other Python exception is a VM bug and is reported as a
    Lua error rather than escaping (RecursionError, which only deep C-level nesting such as the
    compiler's can cause, as "stack overflow"). Called from Lua (pcall) the function takes the
    CallInfo two above the running one, from Python with no Lua running the thread's base
    (lua.c runs a chunk at 2); with a handler (xpcall) it runs where the error happened, with
    the erroring stack visible to it.
    """
    ctx = context()
    try:
        return True, calls.ccall(fn, *args)
    except LuaError as e:
        exc = e
        value = e.value
    except RecursionError as e:
        exc = e
        value = _stack_overflow_message(e)
    except MemoryError as e:
        exc = e
        value = b"not enough memory"
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as e:  # noqa: BLE001 - the VM must never leak Python exceptions
        exc = e
        value = b"internal error: %s: %s" % (type(e).__name__.encode(), str(e).encode("utf-8", "replace"))
    if handler is None:
        _restore_stack_limit(ctx)
        return False, value
    levels = debuginfo.levels_from_exception(exc)
    del exc
    previous = ctx.error_frames
    ctx.error_frames = (sys._getframe(), levels)
    try:
        if handler is traceback_handler:
            return False, (value, traceback_handler(value))
        ok, r = protected_call(handler, (value,))
        if not ok:
            return False, b"error in error handling" if not isinstance(r, bytes) else r
        return False, r[0] if r else None
    finally:
        ctx.error_frames = previous
        _restore_stack_limit(ctx)


def _restore_stack_limit(ctx) -> None:
    """ldo.c's restore_stack_limit after a caught error: an array grown past LUAI_MAXCALLS by an
    overflow shrinks back to exactly LUAI_MAXCALLS entries, which the thread keeps from then on."""
    if ctx.ci_size > MAX_LUA_CALLS and calls.current_ci(ctx) + 1 < MAX_LUA_CALLS:
        ctx.ci_size = MAX_LUA_CALLS


def _stack_overflow_message(exc) -> bytes:
    levels = debuginfo.levels_from_exception(exc)
    for lv in levels:
        if lv.is_lua:
            return b"%s:%d: stack overflow" % (lv.info.short_src, lv.currentline)
        break
    return b"stack overflow"


def traceback_handler(value):
    """Used by LuaState.call and the REPL: the Lua traceback text at the error point, as lua.c's
    message handler makes it. That handler is a C function calling debug.traceback(msg, 2), so
    the levels are numbered from 2 and the first part stops after level 12 (LEVELS1), which
    leaves 11 levels before "..."."""
    handler_levels = [debuginfo.Level(None, 0, None, b"traceback", False)] * 2
    levels = handler_levels + debuginfo.stack_levels(sys._getframe(1))
    return debuginfo.traceback(levels, None, 2).decode("latin-1")


def error_to_text(value) -> bytes:
    """How lua.c shows an error object."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, float):
        from vm.runtime.values import number_to_bytes  # noqa: PLC0415
        return number_to_bytes(value)
    if value is None:
        return b"nil"
    return b"(error object is a %s value)" % type_name(value)
