"""Benchmark the VM against lua5.1: six programs, each timed inside the script with os.clock.

Run: python bench/vm.py [--scale N]. Prints seconds under both, the ratio (lua5.1 time / our
time, i.e. our speed as a fraction of lua5.1), the geometric mean of the ratios, and the VM
instructions per second of the numeric loop.
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
