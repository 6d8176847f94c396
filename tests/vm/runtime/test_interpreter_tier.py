"""The interpreter tier (vm.runtime.interpreter): run-once code is not translated, hot code is, and
nothing observable changes when a function moves from one tier to the other."""

from __future__ import annotations

from pathlib import Path

import pytest

import vm
from vm.runtime import tiers
from vm.runtime.state import LuaState

CASES = sorted((Path(__file__).parent.parent / "cases").glob("*.lua"))


def run(source: bytes, interpret: bool = True, only: bool = False) -> bytes:
    """Output of a chunk: interpreted first (default), translated only, or interpreted only
    (no promotion, no on-stack replacement: every function made by interpreted code stays so)."""
    from vm.runtime import interpreter  # noqa: PLC0415
    out: list[bytes] = []
    saved = tiers.INTERPRET_MAIN_CHUNKS, interpreter.OSR_JUMPS, interpreter.PROMOTE_AFTER
    tiers.INTERPRET_MAIN_CHUNKS = interpret
    if only:
        interpreter.OSR_JUMPS = interpreter.PROMOTE_AFTER = 10 ** 12
    try:
        state = LuaState(output=out.append)
        ok, res = state.pcall(state.load(source, b"@chunk.lua"))
        if not ok:
            out.append(b"ERROR: " + (res if type(res) is bytes else repr(res).encode()))
    finally:
        tiers.INTERPRET_MAIN_CHUNKS, interpreter.OSR_JUMPS, interpreter.PROMOTE_AFTER = saved
    return b"".join(out)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_cases_print_the_same_in_both_tiers(case):
    source = case.read_bytes()
    translated = run(source, False)
    assert run(source, True) == translated
    assert run(source, True, only=True) == translated


def test_run_once_chunk_is_not_translated():
    state = LuaState(output=lambda data: None)
    proto = vm.compile(b"local function helper(x) return x * 2 end\nresult = helper(21)", b"=once")
    state.call(state.load(proto))
    assert state.globals.rawget(b"result") == 42.0
    assert getattr(proto, "_py_factory", None) is None
    assert getattr(proto.protos[0], "_py_factory", None) is None


def test_function_called_again_is_promoted_in_place():
    state = LuaState(output=lambda data: None)
    proto = vm.compile(b"local n = 0\nfunction bump(d) n = n + d return n end", b"=promo")
    state.call(state.load(proto))
    bump = state.globals.rawget(b"bump")
    first = bump.__code__
    assert state.call(bump, 1.0) == [1.0]
    assert state.call(bump, 2.0) == [3.0]          # second call: translated, same upvalue
    assert bump.__code__ is not first
    assert state.call(bump, 3.0) == [6.0]
    assert proto.protos[0]._py_factory is not None


LOOP_ERROR = b"""
local t = {}
for i = 1, 500 do t[i] = i end
local s = 0
for i = 1, 1000 do
  if i == 900 then s = s + nil end
  s = s + i
end
"""


def test_errors_after_on_stack_replacement_report_the_right_line():
    assert run(LOOP_ERROR).endswith(b"chunk.lua:6: attempt to perform arithmetic on a nil value")
    assert run(LOOP_ERROR) == run(LOOP_ERROR, False)


TIER_SENSITIVE = b"""
local function where() return debug.getinfo(2, "l").currentline end
print(where())
local a, b = 1, "two"
print(debug.getlocal(1, 1), debug.getlocal(1, 2))
print(pcall(function() local x = {} return x.y.z end))
print(select(2, pcall(error, "msg", 2)))
local env = setmetatable({}, {__index = _G})
setfenv(1, env)
newglobal = 5
print(rawget(env, "newglobal"), rawget(_G, "newglobal"))
local s = 0
for i = 1, 300 do s = s + i end
print(s, where())
print(debug.traceback("here"))
"""


def test_debug_views_agree_between_tiers():
    assert run(TIER_SENSITIVE) == run(TIER_SENSITIVE, False) == run(TIER_SENSITIVE, True, only=True)


def test_loops_in_main_chunk_finish_in_translated_code():
    out = run(b"local s = 0 for i = 1, 100000 do s = s + i end print(s)")
    assert out == b"5000050000\n"


def _collect():
    import gc
    # A finished activation (generator) can leave its function's data to the next collection.
    gc.collect()
    gc.collect()


def test_run_once_chunks_do_not_accumulate():
    from vm.runtime.debuginfo import PROTO_INFOS
    state = LuaState(output=lambda data: None)
    for i in range(20):
        state.call(state.load(b"x = %d" % i, b"=line"))
    _collect()
    before = len(PROTO_INFOS)
    for i in range(200):
        state.call(state.load(b"x = (x or 0) + %d local function f() end" % i, b"=line"))
    _collect()
    assert len(PROTO_INFOS) <= before + 5


def test_loops_handed_to_translated_code_do_not_accumulate():
    from vm.runtime.debuginfo import PROTO_INFOS
    state = LuaState(output=lambda data: None)
    for i in range(5):
        state.call(state.load(b"local s = 0 for i = 1, 1000 do s = s + i end y = s + %d" % i, b"=line"))
    _collect()
    before = len(PROTO_INFOS)
    for i in range(50):
        state.call(state.load(b"local s = 0 for i = 1, 1000 do s = s + i end y = s + %d" % i, b"=line"))
    _collect()
    assert len(PROTO_INFOS) <= before + 5
    assert state.globals.rawget(b"y") == 500500.0 + 49
