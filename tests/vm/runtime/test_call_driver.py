"""Lua-to-Lua calls do not recurse in Python (vm.runtime.calls.drive): Python's stack stays a few
frames deep however deep Lua's is, and tracebacks, errors and hooks still see every Lua level."""

from __future__ import annotations

import sys
import threading

import pytest

from vm.errors import LuaError
from vm.runtime.state import LuaState


def _python_depth() -> int:
    n, frame = 0, sys._getframe(1)
    while frame is not None:
        n += 1
        frame = frame.f_back
    return n


def _state_with_probe():
    seen = []
    state = LuaState(output=lambda data: None)

    def probe(*args):
        seen.append(_python_depth())
        return ()
    state.register_function("probe", probe)
    return state, seen


@pytest.mark.parametrize("depth", [10, 1000, 15000])
def test_python_stack_does_not_grow_with_lua_recursion(depth):
    state, seen = _state_with_probe()
    fn = state.load(b"local function f(n) if n == 0 then probe() return 0 end return 1 + f(n - 1) end\n"
                    b"probe() return f(...)", b"=rec")
    assert state.call(fn, float(depth)) == [float(depth)]
    top, deepest = seen
    assert deepest - top < 8, (top, deepest)


def test_mutual_recursion_and_method_calls_stay_flat():
    state, seen = _state_with_probe()
    fn = state.load(b"""
local obj = {}
function obj:even(n) if n == 0 then probe() return true end return self:odd(n - 1) == true end
function obj:odd(n) if n == 0 then return false end return (self:even(n - 1)) end
probe()
return obj:even(12000)
""", b"=mutual")
    assert state.call(fn) == [True]
    top, deepest = seen
    assert deepest - top < 8


def test_python_recursion_limit_is_not_used_as_lua_depth():
    # Lua's depth is counted by the driver, not by Python: a low recursion limit changes nothing.
    state, _ = _state_with_probe()
    fn = state.load(b"local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(...)",
                    b"=rec")
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        assert state.call(fn, 16000.0) == [16000.0]
        assert sys.getrecursionlimit() == 300
    finally:
        sys.setrecursionlimit(old)


def test_deep_recursion_on_a_thread_with_a_small_stack():
    results = []

    def body():
        state = LuaState(output=lambda data: None)
        fn = state.load(b"local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end\n"
                        b"return f(16000)", b"=rec")
        results.append(state.call(fn))
    old = threading.stack_size(256 * 1024)
    try:
        t = threading.Thread(target=body)
        t.start()
        t.join(120)
    finally:
        threading.stack_size(old)
    assert results == [[16000.0]]


def test_tail_calls_run_in_constant_space():
    state, seen = _state_with_probe()
    fn = state.load(b"local function loop(n) if n == 0 then probe() return 'done' end return loop(n - 1) end\n"
                    b"probe() return loop(1000000)", b"=tail")
    assert state.call(fn) == [b"done"]
    assert seen[1] - seen[0] < 8


def test_overflow_is_lua_stack_overflow_with_traceback():
    state = LuaState(output=lambda data: None)
    fn = state.load(b"local function f() return 1 + f() end\nlocal x = f() return x", b"=over")
    with pytest.raises(LuaError) as info:
        state.call(fn)
    assert info.value.value == b"over:1: stack overflow"
    tb = info.value.traceback
    assert tb.startswith("stack traceback:\n\tover:1: in function 'f'\n")
    assert "\n\t...\n" in tb and tb.endswith("\tover:1: in function 'f'\n\tover:2: in main chunk")


def test_error_deep_in_the_stack_shows_every_level_to_xpcall():
    state = LuaState(output=lambda data: None)
    fn = state.load(b"""
local function g(n) if n == 0 then error("bottom") end return (g(n - 1)) end
local ok, tb = xpcall(function() g(3) end, debug.traceback)
return tb
""", b"=deep")
    tb = state.call(fn)[0].decode()
    lines = tb.splitlines()
    assert lines[0] == "deep:2: bottom"
    assert lines[2:8] == ["\t[C]: in function 'error'"] + ["\tdeep:2: in function 'g'"] * 4 + \
        ["\tdeep:3: in function <deep:3>"]


def test_tail_call_levels_are_marked_in_tracebacks():
    state = LuaState(output=lambda data: None)
    fn = state.load(b"""
local function inner() return debug.traceback() end
local function outer() return inner() end
return (outer())
""", b"=tails")
    # as lua5.1 prints it (its lua.c adds a last "[C]: ?" level for itself)
    assert state.call(fn)[0] == (b"stack traceback:\n\ttails:2: in function <tails:2>\n\t(tail call): ?\n"
                                 b"\ttails:4: in main chunk")
