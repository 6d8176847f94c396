"""Debug hooks: the instruction-count hook (watchdog) and debug.sethook, on top of sys.settrace (counterpart of ldebug.c's hook parts).

Every Lua instruction is on its own lines of generated Python, so Python's line events count Lua
instructions closely enough for a watchdog. Nothing is installed until a hook is set, so an
unhooked VM pays nothing.
"""

from __future__ import annotations

import sys
import threading

from vm.runtime import debuginfo
from vm.runtime.calls import context
from vm.runtime.debuginfo import GEN_GLOBALS, proto_info_of_code


class _Tracer:
    def __init__(self, state):
        self.state = state
        self.counter = 0
        self.in_hook = False

    def local(self, frame, event, arg):
        state = self.state
        if self.in_hook:
            return self.local
        if event == "line":
            if state.count_hook is not None:
                self.counter += 1
                if self.counter >= state.hook_count:
                    self.counter = 0
                    self._run(state.count_hook)
            dh = state.debug_hook
            if dh is not None:
                fn, mask, count = dh
                if count:
                    state._debug_counter = getattr(state, "_debug_counter", 0) + 1
                    if state._debug_counter >= count:
                        state._debug_counter = 0
                        self._run_lua(fn, b"count", None)
                if "l" in mask:
                    info = proto_info_of_code(frame.f_code)
                    if info is not None and info.line_pc is not None:
                        pc = info.line_pc[frame.f_lineno] if frame.f_lineno < len(info.line_pc) else 0
                        line = info.proto.lineinfo[pc] if pc < len(info.proto.lineinfo) else -1
                        last = getattr(frame, "f_trace_lines", True)
                        key = (id(frame), line)
                        if getattr(self, "_last_line", None) != key:
                            self._last_line = key
                            self._run_lua(fn, b"line", float(line))
                        _ = last
        elif event == "return":
            dh = state.debug_hook
            if dh is not None and "r" in dh[1]:
                self._run_lua(dh[0], b"return", None)
        return self.local

    def _run(self, fn):
        self.in_hook = True
        try:
            fn()
        finally:
            self.in_hook = False

    def _run_lua(self, fn, event, line):
        from vm.runtime.calls import ccall  # noqa: PLC0415
        self.in_hook = True
        try:
            if line is None:
                ccall(fn, event)
            else:
                ccall(fn, event, line)
        finally:
            self.in_hook = False

    def global_(self, frame, event, arg):
        if frame.f_globals is GEN_GLOBALS:
            dh = self.state.debug_hook
            if event == "call" and dh is not None and "c" in dh[1] and not self.in_hook:
                self._run_lua(dh[0], b"call", None)
            return self.local
        return None


_tracers: dict = {}


def _active(state) -> bool:
    return state.count_hook is not None or state.debug_hook is not None


def install(state) -> None:
    """(Re)install or remove tracing on the calling thread according to the state's hooks."""
    if _active(state):
        tracer = _tracers.get(id(state))
        if tracer is None or tracer.state is not state:
            tracer = _tracers[id(state)] = _Tracer(state)
        sys.settrace(tracer.global_)
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_globals is GEN_GLOBALS:
                frame.f_trace = tracer.local
            frame = frame.f_back
    else:
        sys.settrace(None)
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_globals is GEN_GLOBALS:
                frame.f_trace = None
            frame = frame.f_back


def thread_installer(state):
    """A callable that installs the state's hooks in a new (coroutine) thread, or None."""
    if not _active(state):
        return None
    return lambda: install(state)


def set_count_hook(state, fn, count: int) -> None:
    state.count_hook = fn if fn is not None and count > 0 else None
    state.hook_count = max(int(count), 1)
    install(state)


def set_debug_hook(state, fn, mask: str, count: int) -> None:
    state.debug_hook = (fn, mask, count) if fn is not None and (mask or count) else None
    install(state)


_ = (threading, debuginfo, context)
