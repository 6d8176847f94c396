"""Benchmark of UART pacing: achieved throughput of the paced loopback link and of the pty bridge (pyserial client) against the 8N1 wire limit, plus the host CPU time it costs.

Run: python bench/link_pacing.py [--bytes 23040] [--baud 115200]
Prints each figure next to the wire limit (bytes/s = baud / 10) and the ratio; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import serial  # noqa: E402

from espconsole.link import EchoEndpoint, LoopbackLink  # noqa: E402
from espconsole.link.pty_bridge import PtyBridge  # noqa: E402


class SinkEndpoint(EchoEndpoint):
    """Counts what it receives and answers nothing (one direction only)."""

    def __init__(self):
        super().__init__(reply=lambda data: b"")
        self.done = threading.Event()
        self.expected = 0

    def feed(self, data):
        super().feed(data)
        if len(self.received) >= self.expected:
            self.done.set()


def timed(function):
    wall, cpu = time.monotonic(), time.process_time()
    function()
    return time.monotonic() - wall, time.process_time() - cpu


def bench_loopback(count: int, baud: int) -> tuple[float, float]:
    node = SinkEndpoint()
    node.expected = count
    with LoopbackLink(node, baud=baud, paced=True) as link:
        node.change_baud(baud)
        return timed(lambda: (link.write(bytes(count)), node.done.wait(60)))


def bench_pty_to_board(count: int, baud: int) -> tuple[float, float]:
    node = SinkEndpoint()
    node.expected = count
    with PtyBridge(node, baud) as bridge:
        with serial.Serial(bridge.path, baud, timeout=5) as port:
            port.write(b"\0")                  # let the bridge notice the client first
            node.expected = count + 1
            while not node.received:
                time.sleep(0.01)
            return timed(lambda: (port.write(bytes(count)), node.done.wait(60)))


def bench_pty_to_client(count: int, baud: int) -> tuple[float, float]:
    node = SinkEndpoint()
    with PtyBridge(node, baud) as bridge:
        with serial.Serial(bridge.path, baud, timeout=5) as port:
            port.write(b"\0")
            while not node.received:
                time.sleep(0.01)

            def run():
                node.send(bytes(count))
                got = 0
                while got < count:
                    got += len(port.read(count - got))
            return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=23040)
    parser.add_argument("--baud", type=int, default=115200)
    args = parser.parse_args()
    limit = args.baud / 10
    print(f"{args.bytes} bytes at {args.baud} baud 8N1: wire limit {limit:.0f} B/s, "
          f"ideal time {args.bytes / limit:.3f} s")
    for name, bench in (("loopback link, host → node", bench_loopback),
                        ("pty bridge, client → board", bench_pty_to_board),
                        ("pty bridge, board → client", bench_pty_to_client)):
        wall, cpu = bench(args.bytes, args.baud)
        rate = args.bytes / wall
        print(f"{name:28s} {rate:8.0f} B/s  ratio {rate / limit:5.3f}  "
              f"host CPU {cpu / wall * 100:4.1f}% of one core")


if __name__ == "__main__":
    main()
