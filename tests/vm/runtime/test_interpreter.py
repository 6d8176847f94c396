"""The interpreter on small programs: control flow, upvalues, calls, errors."""

import pytest

from vm.errors import LuaError
from tests.vm.runtime.luahelp import run_lua


@pytest.mark.parametrize("source, expected", [
    ("local x = 0 for i = 1, 10 do x = x + i end print(x)", "55\n"),
    ("local t = {} for i = 1, 3 do t[i] = function() return i end end print(t[1](), t[3]())", "1\t3\n"),
    ("local i = 0 while true do i = i + 1 if i > 5 then break end end print(i)", "6\n"),
    ("local i = 0 repeat i = i + 2 until i >= 7 print(i)", "8\n"),
    ("print(select('#', (function(...) return ... end)(1, nil, 3)))", "3\n"),
    ("local function f(n) if n == 0 then return 'done' end return f(n - 1) end print(f(200000))", "done\n"),
    ("print(1 and 2, nil and 1, false or 'x', nil or false)", "2\tnil\tx\tfalse\n"),
    ("local a, b, c = (function() return 1, 2 end)() print(a, b, c)", "1\t2\tnil\n"),
    ("print(#{1, 2, 3, nil}, #'abc')", "3\t3\n"),
    ("local s = 0 for k, v in pairs({a = 1, b = 2}) do s = s + v end print(s)", "3\n"),
])
def test_programs(source, expected):
    assert run_lua(source) == expected


@pytest.mark.parametrize("source, message", [
    ("local cfg; return cfg.x", "attempt to index local 'cfg' (a nil value)"),
    ("return cfg.x", "attempt to index global 'cfg' (a nil value)"),
    ("local t = {} t.start()", "attempt to call field 'start' (a nil value)"),
    ("local x = 'a' return x + 1", "attempt to perform arithmetic on local 'x' (a string value)"),
    ("return 1 < nil", "attempt to compare number with nil"),
    ("local s = {} return function() return 'a' .. s end", None),
    ("table.insert(nil, 1)", "bad argument #1 to 'insert' (table expected, got nil)"),
    ("local function r() return 1 + r() end r()", "stack overflow"),
])
def test_error_messages(source, message):
    if message is None:
        return
    with pytest.raises(LuaError) as info:
        run_lua(source)
    assert message in info.value.message
    assert info.value.message.startswith("test:")


def test_upvalue_concat_error_names_the_upvalue():
    with pytest.raises(LuaError) as info:
        run_lua("local s = {} local function f() return 'a' .. s end f()")
    assert "attempt to concatenate upvalue 's' (a table value)" in info.value.message
