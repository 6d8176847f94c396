"""Benchmark of the emulated node's boot: from power-on to the first `> ` prompt, in-process (warm: imports done) and as `espconsole emulate --pty` would pay it (cold process start to first prompt).

Run: python bench/node_boot.py [--repeat 7]
Prints each figure (median of the runs) next to its target (250 ms) and the ratio figure/target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vm.nodemcu.board import Board  # noqa: E402
from vm.nodemcu.scheduler import ManualClock  # noqa: E402

TARGET_MS = 250.0
COLD = ("import time; t = time.perf_counter(); from vm.nodemcu.board import Board; "
        "from vm.nodemcu.scheduler import ManualClock; b = Board({folder!r}, clock=ManualClock()); "
        "b.power_on(); b.run_until_idle(); assert b.read().endswith(b'> '); "
        "print((time.perf_counter() - t) * 1000); b.close()")


def boot_once(folder: str | None) -> float:
    start = time.perf_counter()
    board = Board(folder, clock=ManualClock())
    board.power_on()
    board.run_until_idle()
    elapsed = (time.perf_counter() - start) * 1000
    assert board.read().endswith(b"> ")
    board.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        boot_once(folder)                                   # first boot: partitions and format
        warm = statistics.median(boot_once(folder) for _ in range(args.repeat))
        fresh = statistics.median(boot_once(None) for _ in range(args.repeat))
        cold = statistics.median(
            float(subprocess.run([sys.executable, "-c", COLD.format(folder=folder)], cwd=REPO,
                                 capture_output=True, text=True, check=True).stdout)
            for _ in range(max(3, args.repeat // 2)))
    for name, figure in (("boot to first prompt (state folder, warm)", warm),
                         ("first boot of a blank board (format, in memory)", fresh),
                         ("boot incl. imports (new process)", cold)):
        print(f"{name:50s} {figure:8.1f} ms   target {TARGET_MS:.0f} ms   ratio {figure / TARGET_MS:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
