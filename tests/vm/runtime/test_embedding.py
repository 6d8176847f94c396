"""The embedding API the board uses: modules, output, protected calls, the count hook."""

import pytest

from vm.errors import LuaError
from vm.runtime.state import LuaState


def test_register_module_and_output():
    out = []
    state = LuaState(output=out.append)
    state.register_module("node", {"heap": lambda *a: 40000, "info": lambda *a: (1, 2, "x")})
    state.execute(b"print(node.heap(), node.info())", b"=stdin")
    assert b"".join(out) == b"40000\t1\t2\tx\n"


def test_call_lua_function_from_python_under_protection():
    state = LuaState(output=lambda b: None)
    state.execute(b"function add(a, b) return a + b end function bad() error('nope') end")
    add = state.globals.rawget(b"add")
    assert state.call(add, 2.0, 3.0) == [5.0]
    ok, err = state.pcall(state.globals.rawget(b"bad"))
    assert not ok and err.endswith(b"nope")
    with pytest.raises(LuaError):
        state.call(state.globals.rawget(b"bad"))


def test_count_hook_can_stop_a_runaway_loop():
    state = LuaState(output=lambda b: None)
    calls = []

    def watchdog():
        calls.append(1)
        if len(calls) > 3:
            raise LuaError(b"watchdog timeout")
    state.set_count_hook(watchdog, 1000)
    try:
        ok, err = state.pcall(state.load(b"while true do end"))
    finally:
        state.set_count_hook(None)
    assert not ok and err == b"watchdog timeout"
