"""Benchmark the VM against lua5.1: six programs, each timed inside the script with os.clock.

Run: python bench/vm.py [--scale N]. Prints seconds under both, the ratio (lua5.1 time / our
time, i.e. our speed as a fraction of lua5.1), the geometric mean of the ratios, and the VM
instructions per second of the numeric loop. Then the cost of run-once code in-process
(LuaState.load + call): a one-line REPL chunk, a 200-line module that defines forty functions,
and a loadstring'd chunk of branchy code like the official suite's constructs.lua generates.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROGRAMS = {
    "numeric_loop": """
local N = {n}
local t0 = os.clock()
local x = 0
for i = 1, N do x = x + i * 2 - 1 end
local dt = os.clock() - t0
assert(x == N * N)
print(string.format("%.6f", dt))
""",
    "fib": """
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t0 = os.clock()
local r = fib({fib})
print(string.format("%.6f", os.clock() - t0))
""",
    "table_insert_read": """
local t0 = os.clock()
local t = {{}}
for i = 1, {n2} do t[#t + 1] = i end
local s = 0
for r = 1, 3 do for i = 1, #t do s = s + t[i] end end
local h = {{}}
for i = 1, {n3} do h["k" .. (i % 1000)] = i end
print(string.format("%.6f", os.clock() - t0))
""",
    "string_concat_format": """
local t0 = os.clock()
local parts = {{}}
for i = 1, {n3} do
  parts[#parts + 1] = string.format("%d:%5.2f:%s", i, i / 3, "x") .. "|" .. i
end
local s = table.concat(parts)
local acc = ""
for i = 1, 2000 do acc = acc .. "ab" end
print(string.format("%.6f", os.clock() - t0))
""",
    "closures": """
local t0 = os.clock()
local function make(k) local n = 0 return function(d) n = n + d * k return n end end
local total = 0
for i = 1, {n3} do
  local f = make(i)
  total = total + f(1) + f(2)
end
local fs = {{}}
for i = 1, 100 do fs[i] = make(i) end
for r = 1, {n4} do for i = 1, 100 do total = total + fs[i](1) end end
print(string.format("%.6f", os.clock() - t0))
""",
    "gsub_find": """
local t0 = os.clock()
local text = string.rep("the quick brown fox jumps over the lazy dog 12345 ", 200)
local count = 0
for r = 1, {n5} do
  local s, n = text:gsub("%a+", function(w) return w:upper() end)
  count = count + n
  for a, b in text:gmatch("(%a+) (%d+)") do count = count + 1 end
  local p = 1
  while true do
    local i, j = text:find("fox", p, true)
    if not i then break end
    count = count + 1
    p = j + 1
  end
  count = count + select(2, text:gsub("o", "0"))
end
print(string.format("%.6f", os.clock() - t0))
""",
}

NUMERIC_LOOP_INSTRUCTIONS_PER_ITERATION = 4   # MUL, ADD, SUB, FORLOOP


def sizes(scale: float) -> dict:
    return {"n": int(3_000_000 * scale), "fib": 27, "n2": int(200_000 * scale),
            "n3": int(50_000 * scale), "n4": int(500 * scale), "n5": max(1, int(10 * scale))}


def run(cmd, script: Path) -> float:
    out = subprocess.run(cmd + [str(script)], capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{cmd} failed on {script.name}:\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


LOAD_CASES = {
    "1-line chunk": (b"x = (x or 0) + 1", 300),
    "200-line module": (b"\n".join([b"local M = {}"] + [
        b"function M.f%d(a, b)\n  local s = 0\n  for i = 1, a do s = s + i * b end\n"
        b"  if s > 10 then return s else return -s end\nend" % i for i in range(40)] + [b"return M"]), 30),
    "constructs-like chunk": (b"""
local a = not ( 1 < 2 ) and not ( 1 >= 2 ) == F ( )
local b = not ID( ( 1 < 2 ) and ID( not ( 1 >= 2 ) == F ( ) ))
K = b
local xxx;
if a then X = a else X = b end
if b then NX = b else NX = a end
while a do WX1 = a; break end
while b do WX2 = a; break end
repeat if (a) then break end until true
""", 200),
}


def load_times() -> None:
    """Milliseconds per LuaState.load + call of fresh (never seen) source, in this process."""
    import time  # noqa: PLC0415
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from vm.runtime.state import LuaState  # noqa: PLC0415
    state = LuaState(output=lambda data: None)
    state.call(state.load(b"function ID(x) return x end function F() return 1 end", b"=setup"))
    for name, (source, n) in LOAD_CASES.items():
        start = time.perf_counter()
        for i in range(n):
            state.call(state.load(source + b"\n-- %d" % i, b"=bench"))
        print(f"load+run {name:22s} {(time.perf_counter() - start) / n * 1000:8.2f} ms", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    lua = shutil.which("lua5.1")
    if lua is None:
        print("lua5.1 not found; cannot compare")
        return 1
    params = sizes(args.scale)
    ratios = []
    with tempfile.TemporaryDirectory() as d:
        for name, template in PROGRAMS.items():
            script = Path(d) / f"{name}.lua"
            script.write_text(template.format(**params))
            ref = run([lua], script)
            ours = run([sys.executable, "-m", "vm"], script)
            ratio = ref / ours if ours > 0 else float("inf")
            ratios.append(ratio)
            extra = ""
            if name == "numeric_loop":
                ips = params["n"] * NUMERIC_LOOP_INSTRUCTIONS_PER_ITERATION / ours
                extra = f"  ({ips / 1e6:.1f} M VM instructions/s)"
            print(f"{name:22s} lua5.1 {ref:8.3f}s  vm {ours:8.3f}s  ratio {ratio * 100:6.2f}%{extra}", flush=True)
    geo = math.exp(sum(math.log(max(r, 1e-9)) for r in ratios) / len(ratios))
    print(f"{'geometric mean':22s} {geo * 100:6.2f}% of lua5.1")
    load_times()
    return 0


if __name__ == "__main__":
    sys.exit(main())
