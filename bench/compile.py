"""Benchmark of the Lua compiler: lines per second compiling the penlight + luarocks corpus in-process, against luac5.1 on the same files.

Run: python bench/compile.py [--repeat 5]
Ours: vm.compile + vm.dump (stock format) of every file, best of REPEAT passes.
luac5.1: one `luac5.1 -o /dev/null FILES...` process over all files (best of REPEAT), and, for
transparency, one process per file (sum of wall times, which includes process start-up).
Prints both rates and the ratio ours/luac5.1; the issue's target is >= 6 % (about 80,000 lines/s).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import vm  # noqa: E402
from tests.oracles import real_world_lua_files  # noqa: E402

TARGET_RATIO = 0.06
TARGET_LINES_PER_SECOND = 80_000


def best_of(repeat: int, action) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best one counts")
    args = parser.parse_args()

    files = real_world_lua_files()
    if not files:
        print("corpus not installed (Debian packages lua-penlight and luarocks)")
        return 1
    sources = [(path.read_bytes(), b"@" + str(path).encode()) for path in files]
    lines = sum(source.count(b"\n") for source, _ in sources)
    size = sum(len(source) for source, _ in sources)
    print(f"corpus: {len(files)} files, {lines} lines, {size / 1024:.0f} KiB")

    def compile_all() -> None:
        for source, chunkname in sources:
            vm.dump(vm.compile(source, chunkname))

    ours = best_of(args.repeat, compile_all)
    ours_rate = lines / ours
    print(f"ours (in-process compile + dump): {ours * 1000:8.1f} ms  {ours_rate:12,.0f} lines/s"
          f"  (target {TARGET_LINES_PER_SECOND:,} lines/s: {ours_rate / TARGET_LINES_PER_SECOND:.2f}x)")

    luac = shutil.which("luac5.1")
    if luac is None:
        print("luac5.1 not installed: no reference figure")
        return 0
    names = [str(path) for path in files]
    one_run = best_of(args.repeat, lambda: subprocess.run(
        [luac, "-o", "/dev/null", *names], check=True))
    luac_rate = lines / one_run
    print(f"luac5.1 (one process, all files):  {one_run * 1000:8.1f} ms  {luac_rate:12,.0f} lines/s")
    start = time.perf_counter()
    for name in names:
        subprocess.run([luac, "-o", "/dev/null", name], check=True)
    per_file = time.perf_counter() - start
    print(f"luac5.1 (one process per file):    {per_file * 1000:8.1f} ms  "
          f"{lines / per_file:12,.0f} lines/s  ({per_file / len(names) * 1000:.2f} ms per process)")
    ratio = ours_rate / luac_rate
    print(f"ratio ours / luac5.1 (one process): {ratio:.1%}  (target >= {TARGET_RATIO:.0%}: "
          f"{ratio / TARGET_RATIO:.2f}x)")
    print(f"ratio ours / luac5.1 (per file):    {ours_rate / (lines / per_file):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
