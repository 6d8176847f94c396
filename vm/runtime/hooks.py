"""Debug hooks: the instruction-count hook (watchdog) and debug.sethook (counterpart of ldebug.c's hook parts).

Count hooks are counted by the Lua code itself: translated functions test the global flag
`HOOK` at every backward jump (loop heads) and at entry, and the interpreter before every
instruction; while the flag is clear that test is all they pay. When some state has a count
hook the flag is set and `tick(n)` adds n instructions (the length of the loop just run, 1 for a
function entry) to the running state's counter and calls the hook when `count` is reached. So
a count is "about every `count` instructions": every loop iteration and every call is seen,
straight-line code is counted by the loop or call that contains it.

Line, call and return hooks of debug.sethook need Python's sys.settrace (installed only while
such a hook is set): every Lua instruction is on its own lines of generated Python, so Python's
line events tell where the code is. Interpreted code reports its lines itself
(`interpreter_step`), as HOOK is also set while a line hook exists.
"""

from __future__ import annotations

import dis
import sys
import weakref

from vm.runtime.calls import context, drive
from vm.runtime.debuginfo import BUILTIN_NAMES, GEN_GLOBALS, INTERPRETER_CODES, proto_info_of_code
from vm.runtime.values import Handoff

_DRIVE_CODE = drive.__code__

_COUNTING = weakref.WeakSet()   # states with a count hook (debug.sethook's count included)
_LINE_HOOKED = weakref.WeakSet()  # states with line/call/return hooks (the interpreter asks)


def tick(n: int) -> None:
    """`n` more instructions ran on the current thread's state; called from Lua code when HOOK is set."""
    state = context().state
    if state is None or state.in_hook:
        return
    if state.count_hook is not None:
        state.hook_counter += n
        if state.hook_counter >= state.hook_count:
            state.hook_counter = 0
            _run(state, state.count_hook)
    dh = state.debug_hook
    if dh is not None and dh[2]:
        state.debug_counter += n
        if state.debug_counter >= dh[2]:
            state.debug_counter = 0
            _run_lua(state, dh[0], b"count", None)


def interpreter_step(proto, pc: int, last: list) -> None:
    """The interpreter's hook work before instruction `pc` when HOOK is set: one instruction for
    the count hooks, and the line hook when a new line starts or a jump goes backwards
    (`last` holds the previous pc of this activation)."""
    tick(1)
    state = context().state
    if state is None or state.in_hook:
        return
    dh = state.debug_hook
    if dh is None or "l" not in dh[1]:
        return
    lineinfo = proto.lineinfo
    old = last[0]
    line = lineinfo[pc] if pc < len(lineinfo) else -1
    last[0] = pc
    if old < 0 or pc <= old or (old < len(lineinfo) and line != lineinfo[old]):
        _run_lua(state, dh[0], b"line", float(line))


def _run(state, fn):
    state.in_hook = True
    try:
        fn()
    finally:
        state.in_hook = False


def _run_lua(state, fn, event, line):
    from vm.runtime.calls import ccall  # noqa: PLC0415
    state.in_hook = True
    try:
        if line is None:
            ccall(fn, event)
        else:
            ccall(fn, event, line)
    finally:
        state.in_hook = False


class _Tracer:
    """sys.settrace callbacks for debug.sethook's line/call/return events."""

    def __init__(self, state):
        self.state = state
        self._last_line = None

    def local(self, frame, event, arg):
        state = self.state
        if state.in_hook:
            return self.local
        dh = state.debug_hook
        if dh is None:
            return None
        if event == "line":
            if "l" in dh[1]:
                info = proto_info_of_code(frame.f_code)
                if info is not None and info.line_pc is not None:
                    pc = info.line_pc[frame.f_lineno] if frame.f_lineno < len(info.line_pc) else 0
                    line = info.proto.lineinfo[pc] if pc < len(info.proto.lineinfo) else -1
                    key = (id(frame), line)
                    if self._last_line != key:
                        self._last_line = key
                        _run_lua(state, dh[0], b"line", float(line))
        elif event == "return":
            # A Lua activation that is a generator also "returns" at each yield of a call; its
            # real end comes after it yielded its results and has no value (see calls.drive).
            if ("r" in dh[1] and not (arg is not None and frame.f_code.co_flags & _CO_GENERATOR)
                    and not _is_handoff(frame, True)):
                _run_lua(state, dh[0], b"return", None)
        return self.local

    def global_(self, frame, event, arg):
        if _is_lua_or_library(frame):
            dh = self.state.debug_hook
            if (event == "call" and dh is not None and "c" in dh[1] and not self.state.in_hook
                    and _is_first_entry(frame) and not _is_handoff(frame, False)):
                _run_lua(self.state, dh[0], b"call", None)
            return self.local
        return None


_tracers: dict = {}
_CO_GENERATOR = 0x20
_RESUME = dis.opmap.get("RESUME")
_entry_offsets: dict = {}


def _is_lua_or_library(frame) -> bool:
    """Frames that get call/return hooks: Lua functions and library ("C") functions."""
    if frame.f_globals is GEN_GLOBALS:
        info = proto_info_of_code(frame.f_code)
        return info is not None and info.line_pc is not None    # not the translator's exec, not a stub
    return frame.f_code in BUILTIN_NAMES or frame.f_code in INTERPRETER_CODES


def _is_first_entry(frame) -> bool:
    """A 'call' event that starts the frame, not one that resumes a generator after a yield."""
    code = frame.f_code
    if not code.co_flags & _CO_GENERATOR:
        return True
    first = _entry_offsets.get(code)
    if first is None:
        first = -1
        if _RESUME is not None:
            first = next((ins.offset for ins in dis.get_instructions(code) if ins.opcode == _RESUME), -1)
        _entry_offsets[code] = first
    return frame.f_lasti <= first


def _is_handoff(frame, returning: bool) -> bool:
    """Events that are not Lua's: an interpreted activation handing its call over to translated
    code (the call was reported for the interpreted one, the return is reported by the
    translated one) — see vm.runtime.interpreter."""
    if frame.f_code in INTERPRETER_CODES:
        return returning and bool(frame.f_locals.get("handed_off"))
    back = frame.f_back
    if back is None:
        return False
    if back.f_code in INTERPRETER_CODES:      # a translated leaf called in the interpreter's place
        return bool(back.f_locals.get("handed_off"))
    if back.f_code is _DRIVE_CODE and not returning:    # a translated activation taking over
        return back.f_locals.get("req").__class__ is Handoff
    return False


def _traced(state) -> bool:
    dh = state.debug_hook
    return dh is not None and bool(set(dh[1]) & set("lcr"))


def install(state) -> None:
    """(Re)install or remove tracing on the calling thread according to the state's hooks."""
    if state.count_hook is not None or (state.debug_hook is not None and state.debug_hook[2]):
        _COUNTING.add(state)
    else:
        _COUNTING.discard(state)
    if _traced(state):
        _LINE_HOOKED.add(state)
    else:
        _LINE_HOOKED.discard(state)
    GEN_GLOBALS["HOOK"] = bool(_COUNTING) or bool(_LINE_HOOKED)
    if _traced(state):
        tracer = _tracers.get(id(state))
        if tracer is None or tracer.state is not state:
            tracer = _tracers[id(state)] = _Tracer(state)
        sys.settrace(tracer.global_)
        frame = sys._getframe(1)
        while frame is not None:
            if _is_lua_or_library(frame):
                frame.f_trace = tracer.local
            frame = frame.f_back
    elif sys.gettrace() is not None and getattr(sys.gettrace(), "__self__", None).__class__ is _Tracer:
        sys.settrace(None)
        frame = sys._getframe(1)
        while frame is not None:
            if _is_lua_or_library(frame):
                frame.f_trace = None
            frame = frame.f_back


def set_count_hook(state, fn, count: int) -> None:
    state.count_hook = fn if fn is not None and count > 0 else None
    state.hook_count = max(int(count), 1)
    state.hook_counter = 0
    install(state)


def set_debug_hook(state, fn, mask: str, count: int) -> None:
    state.debug_hook = (fn, mask, count) if fn is not None and (mask or count) else None
    state.debug_counter = 0
    install(state)


GEN_GLOBALS["HOOK"] = False
GEN_GLOBALS["TICK"] = tick
