"""Upload throughput: a 64 KiB file to the emulated node behind a paced pty, espconsole's framed upload next to nodemcu-uploader on the same link in the same run.

For each rate (115200 and 460800 baud by default) the script starts `espconsole emulate --pty
--baud N` in a fresh folder, then

* espconsole: opens the pty with pyserial (SerialLink), synchronises and installs the helper
  (timed as "connect"), then uploads the file (timed from the command to the verified DONE);
* nodemcu-uploader: opens the same pty, syncs and prepares its helper functions (its
  "connect"), then `write_file` (timed the same way).

It prints bytes/s and the share of the 8N1 wire limit (baud / 10 bytes per second) for the
transfer alone and including the connect phase, and the ratio espconsole / nodemcu-uploader.
Targets (issue): ≥ 90 % of wire at 115200, ≥ 80 % at 460800, ≥ 1.3 × nodemcu-uploader.
Options: --size BYTES, --baud N (repeatable), --repeat K (best of K), --text (Lua-like text
instead of random bytes).  Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _start_emulator(folder: Path, baud: int) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", "espconsole", "emulate", str(folder), "--pty",
                                "--baud", str(baud)], stdout=subprocess.PIPE, env=env, cwd=REPO)
    line = process.stdout.readline().decode()
    if not line.startswith("pty: "):
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, line[5:].strip()


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_espconsole(pty: str, baud: int, data: bytes) -> tuple[float, float]:
    from espconsole.link.serial_link import SerialLink
    from espconsole.node import NodeClient
    started = time.perf_counter()
    client = NodeClient(SerialLink(pty, baud, reconnect=False))
    client.open()
    client.ensure_helper("bu")
    connected = time.perf_counter()
    client.upload(data, "bench.bin")
    done = time.perf_counter()
    check = client.checksum("bench.bin")
    client.close()
    from espconsole.node import framing
    if check != (len(data), *framing.adler_parts(data)):
        raise SystemExit("espconsole: the file on the node differs!")
    return done - connected, done - started


def run_uploader(pty: str, baud: int, path: Path) -> tuple[float, float] | None:
    try:
        from nodemcu_uploader.uploader import Uploader
    except ImportError:
        return None
    started = time.perf_counter()
    uploader = Uploader(pty, baud, start_baud=baud)
    uploader.prepare()
    connected = time.perf_counter()
    uploader.write_file(str(path), "nmu.bin")
    done = time.perf_counter()
    uploader.close()
    return done - connected, done - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64 * 1024)
    parser.add_argument("--baud", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--text", action="store_true")
    args = parser.parse_args()
    rates = args.baud or [115200, 460800]
    rng = random.Random(1)
    if args.text:
        line = b"local x = node.heap() print('value', x, tmr.now())\n"
        data = (line * (args.size // len(line) + 1))[:args.size]
    else:
        data = bytes(rng.getrandbits(8) for _ in range(args.size))
    import tests.vm.nodemcu.nodemcu_uploader_shim  # noqa: F401  (pty-tolerant modem lines, as in the tests)
    print(f"upload of {len(data)} bytes ({'text' if args.text else 'random'}) to the emulated node "
          f"over a paced pty; best of {args.repeat}")
    print(f"{'baud':>7} {'tool':17} {'transfer s':>10} {'B/s':>8} {'% wire':>7} "
          f"{'with connect':>12} {'% wire':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "payload.bin"
        source.write_bytes(data)
        for baud in rates:
            wire = baud / 10
            process, pty = _start_emulator(Path(tmp) / f"node{baud}", baud)
            try:
                ours = min((run_espconsole(pty, baud, data) for _ in range(args.repeat)),
                           key=lambda t: t[0])
                theirs_runs = [run_uploader(pty, baud, source) for _ in range(args.repeat)]
            finally:
                _stop(process)
            rows = [("espconsole", ours)]
            theirs = None if None in theirs_runs else min(theirs_runs, key=lambda t: t[0])
            if theirs is not None:
                rows.append(("nodemcu-uploader", theirs))
            for tool, (transfer, total) in rows:
                print(f"{baud:>7} {tool:17} {transfer:10.2f} {len(data) / transfer:8.0f} "
                      f"{100 * len(data) / transfer / wire:6.1f}% {total:12.2f} "
                      f"{100 * len(data) / total / wire:6.1f}%")
            if theirs is not None:
                print(f"{baud:>7} ratio espconsole / nodemcu-uploader: transfer "
                      f"{theirs[0] / ours[0]:.2f}x, with connect {theirs[1] / ours[1]:.2f}x")
            else:
                print(f"{baud:>7} nodemcu-uploader is not installed: no comparison")
    return 0


if __name__ == "__main__":
    sys.exit(main())
