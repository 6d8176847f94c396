"""Benchmark of the firmware FAQ's GPIO toggle loop on the emulated node (watchdog hook active, as on every task): toggles per second against ten times a real ESP8266's ~10 kHz.

Run: python bench/gpio_toggle.py [--iterations 200000] [--repeat 5]
The loop is the one the NodeMCU FAQ times: gpio.write HIGH then LOW in a tight for loop, with the
module functions cached in locals.  One iteration is one full period (two writes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vm.nodemcu.board import Board  # noqa: E402
from vm.nodemcu.scheduler import ManualClock  # noqa: E402

REAL_ESP8266_HZ = 10_000.0
TARGET_HZ = 10 * REAL_ESP8266_HZ
LOOP = ("local pin, high, low, write = 4, gpio.HIGH, gpio.LOW, gpio.write "
        "gpio.mode(pin, gpio.OUTPUT) for i = 1, {n} do write(pin, high) write(pin, low) end")
PLAIN_LOOP = "gpio.mode(4, gpio.OUTPUT) for i = 1, {n} do gpio.write(4, gpio.HIGH) gpio.write(4, gpio.LOW) end"


def measure(board: Board, source: str, n: int) -> float:
    board.feed(source.format(n=n).encode() + b"\n")
    before = board.pins.toggles[4]
    start = time.perf_counter()
    board.run_until_idle()
    elapsed = time.perf_counter() - start
    assert board.pins.toggles[4] - before == 2 * n, board.read()
    board.read()
    return n / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # a generous watchdog: the benchmark measures speed, not the reset
    board = Board(None, clock=ManualClock(), watchdog_instructions=10 ** 9)
    board.power_on()
    board.run_until_idle()
    board.read()
    for name, source in (("FAQ loop, functions in locals", LOOP), ("plain gpio.write calls", PLAIN_LOOP)):
        rate = statistics.median(measure(board, source, args.iterations) for _ in range(args.repeat))
        print(f"{name:32s} {rate / 1000:8.1f} kHz   target {TARGET_HZ / 1000:.0f} kHz   "
              f"ratio {rate / TARGET_HZ:.2f}   ({rate / REAL_ESP8266_HZ:.0f}x a real ESP8266)")
    board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
