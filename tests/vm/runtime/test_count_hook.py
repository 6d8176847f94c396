"""The count hook counted by the Lua code itself (vm.runtime.hooks): loops, calls, coroutines,
code translated before the hook was set, debug.sethook's count, and no cost left behind."""

from __future__ import annotations

import pytest

from vm.errors import LuaError
from vm.runtime.debuginfo import GEN_GLOBALS
from vm.runtime.state import LuaState


class Stop(LuaError):
    pass


def run_with_watchdog(state, source: bytes, limit: int = 5, count: int = 1000):
    ticks = []

    def watchdog():
        ticks.append(1)
        if len(ticks) >= limit:
            raise LuaError(b"watchdog")
    state.set_count_hook(watchdog, count)
    try:
        return state.pcall(state.load(source, b"=hooked")), len(ticks)
    finally:
        state.set_count_hook(None)


@pytest.mark.parametrize("source", [
    b"while true do end",
    b"local i = 0 repeat i = i + 1 until false",
    b"for i = 1, math.huge do end",
    b"for k in function() return 1 end do end",
    b"local function f(n) if n < 2 then return n end return f(n - 1) + f(n - 2) end return f(40)",
    b"local co = coroutine.wrap(function() while true do end end) co()",
    b"local function spin() local x = 0 while true do x = x + 1 end end spin()",
])
def test_runaway_code_is_stopped(source):
    state = LuaState(output=lambda data: None)
    (ok, err), ticks = run_with_watchdog(state, source)
    assert not ok and err.endswith(b"watchdog") and ticks == 5


def test_functions_translated_before_the_hook_count_too():
    state = LuaState(output=lambda data: None)
    state.call(state.load(b"function spin(n) local x = 0 for i = 1, n do x = x + i end return x end"))
    spin = state.globals.rawget(b"spin")
    assert state.call(spin, 10.0) == [55.0]
    assert state.call(spin, 10.0) == [55.0]          # now translated
    (ok, err), ticks = run_with_watchdog(state, b"return spin(1e9)")
    assert not ok and err == b"watchdog"


def test_counts_are_about_the_instructions_run():
    state = LuaState(output=lambda data: None)
    (ok, res), ticks = run_with_watchdog(state, b"local s = 0 for i = 1, 100000 do s = s + i end return s",
                                         limit=10 ** 9, count=1000)
    assert ok and res == [5000050000.0]
    assert 100 <= ticks <= 1000        # 100000 iterations of a 2-instruction loop body


def test_flag_is_clear_when_no_hook_is_set():
    state = LuaState(output=lambda data: None)
    run_with_watchdog(state, b"while true do end")
    assert GEN_GLOBALS["HOOK"] is False


def test_debug_sethook_count_calls_a_lua_hook():
    state = LuaState(output=lambda data: None)
    src = b"""
    local n = 0
    debug.sethook(function(ev) n = n + 1 end, "", 100)
    for i = 1, 10000 do end
    debug.sethook()
    return n
    """
    (n,) = state.call(state.load(src))
    assert 10 <= n <= 200
    assert GEN_GLOBALS["HOOK"] is False


LINE_HOOKED = b"""local lines = {}
local function f(x)
  local y = x * 2
  return y
end
debug.sethook(function(ev, line) lines[#lines + 1] = line end, "l")
local a = f(1)
local b = f(2)
while a < 10 do
  a = a + b
end
repeat a = a - 1 until a < 5
debug.sethook()
return table.concat(lines, " ")
"""


def test_line_hook_set_inside_a_running_chunk_sees_its_lines():
    # lua5.1 prints exactly this sequence for the chunk above
    state = LuaState(output=lambda data: None)
    assert state.call(state.load(LINE_HOOKED, b"=lines")) == [b"7 3 4 8 3 4 9 10 9 10 9 12 12 12 12 12 12 13"]
    assert GEN_GLOBALS["HOOK"] is False


CALL_HOOKED = b"""local function f(x) return x + 1 end
local function g(x) return f(x) * 2 end
local evs = {}
debug.sethook(function(ev)
  local i = debug.getinfo(2, "nS")
  evs[#evs + 1] = ev .. ":" .. tostring(i and (i.name or i.what))
end, "cr")
local c = g(3)
local d = math.floor(2.5)
local e = select("#", 1, 2)
for i = 1, 2 do c = f(c) end
debug.sethook()
return table.concat(evs, " ")
"""


def test_call_and_return_hooks_across_tiers_match_lua51():
    # lua5.1's output for the chunk above (f is promoted to translated code on its second call)
    state = LuaState(output=lambda data: None)
    assert state.call(state.load(CALL_HOOKED, b"=calls")) == [
        b"return:sethook call:g call:f return:f return:g call:floor return:floor call:select "
        b"return:select call:f return:f call:f return:f call:sethook"]
