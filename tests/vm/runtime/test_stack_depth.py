"""Lua call depth: `stack overflow` comes at the same depth as in lua5.1 (ldo.c's growCI: a fresh
thread's CallInfo array stops at 16384 entries, 20000 once an overflow was caught)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.oracles import LUA51, needs_lua51

REC = "local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end\n"
SHAPES = {
    "main chunk": REC + "print(f(N))",
    "pcall": REC + "print(pcall(f, N))",
    "coroutine": REC + "print(coroutine.resume(coroutine.create(f), N))",
    "pcall after an overflow": REC + "print(pcall(f, 30000))\nprint(pcall(f, N))",
    "__index function": ("local t = setmetatable({}, {__index = function(t, k)\n"
                         "  if k == 0 then return 0 end return 1 + t[k-1] end})\n"
                         "print(pcall(function() return t[N] end))"),
}
# lua5.1 (5.1.5): the largest N that still succeeds in a fresh process.
EXPECTED = {"main chunk": 16380, "pcall": 16379, "coroutine": 16382,
            "pcall after an overflow": 19995, "__index function": 195}
def _run(cmd, source, n, tmp_path):
    path = tmp_path / "depth.lua"
    path.write_text(source.replace("N", str(n)))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    r = subprocess.run([*cmd, str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    return r.returncode, (r.stdout + r.stderr).replace(str(path), "depth.lua")


def _ours():
    return [sys.executable, "-m", "vm"]


@pytest.mark.parametrize("shape", SHAPES)
def test_boundary_matches_lua51_numbers(shape, tmp_path):
    n = EXPECTED[shape]
    rc, out = _run(_ours(), SHAPES[shape], n, tmp_path)
    assert rc == 0 and "overflow" not in out.strip().splitlines()[-1], out
    rc, out = _run(_ours(), SHAPES[shape], n + 1, tmp_path)
    assert "stack overflow" in out.strip().splitlines()[-1 if rc == 0 else 0], out


@needs_lua51
@pytest.mark.parametrize("shape", SHAPES)
def test_boundary_differential(shape, tmp_path):
    n = EXPECTED[shape]
    for m in (n, n + 1):
        theirs = _run([LUA51], SHAPES[shape], m, tmp_path)
        ours = _run(_ours(), SHAPES[shape], m, tmp_path)
        if theirs[0] != 0:      # uncaught: lua.c's message and traceback (program names differ)
            assert ours[0] != 0
            assert ours[1].split(": ", 1)[1] == theirs[1].split(": ", 1)[1]
        else:
            assert ours == theirs
