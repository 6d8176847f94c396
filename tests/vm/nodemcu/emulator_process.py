"""Start `espconsole emulate DIR --pty` as a child process and stop it again (tests only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


class EmulatorProcess:
    def __init__(self, directory: Path, *extra: str):
        self.directory = Path(directory)
        self.extra = extra
        self.process: subprocess.Popen | None = None
        self.pty = ""

    def start(self, timeout: float = 30.0) -> str:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "espconsole", "emulate", str(self.directory), "--pty", *self.extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
        # readline() in a helper thread so a child that never announces cannot hang the test:
        # after `timeout` it is stopped, which ends the read with EOF.
        lines: list[bytes] = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()),
                                  name="emulator announcement", daemon=True)
        reader.start()
        reader.join(timeout)
        line = lines[0].decode(errors="replace") if lines else ""
        if not line.startswith("pty: "):
            self.stop()
            reader.join()
            raise RuntimeError(f"emulator did not announce its pty within {timeout} s: {line!r}")
        self.pty = line[5:].strip()
        return self.pty

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()
        process.stderr.close()
        return process.returncode

    def kill(self) -> None:
        """kill -9: no clean-up at all."""
        self.stop(signal.SIGKILL)

    def __enter__(self) -> "EmulatorProcess":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
