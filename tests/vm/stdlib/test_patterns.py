"""Lua patterns: the re translation and the faithful matcher agree with Lua's results."""

import pytest

from tests.vm.runtime.luahelp import run_lua


@pytest.mark.parametrize("expr, expected", [
    ("string.find('hello', 'l+')", "3\t4"),
    ("string.match('key=val', '(%w+)=(%w+)')", "key\tval"),
    ("string.match('f(a(b)c)d', '%b()')", "(a(b)c)"),
    ("string.find('THE END', '%f[%a]%a+$')", "5\t7"),
    ("string.match('abcabc', '(a)(b)c%1%2')", "a\tb"),
    ("string.gsub('abc', '', '-')", "-a-b-c-\t4"),
    ("string.match('  x  ', '^%s*(.-)%s*$')", "x"),
    ("string.match('hello', '()ll()')", "3\t5"),
    ("pcall(string.find, 'a', '%')", "false\tmalformed pattern (ends with '%')"),
    ("pcall(string.find, 'a', '[a')", "false\tmalformed pattern (missing ']')"),
    ("string.find('abc', 'x[')", "nil"),
])
def test_pattern(expr, expected):
    assert run_lua(f"print({expr})") == expected + "\n"
