"""Acceptance: `espconsole examples/blinky` in a real terminal (tmux): type into the REPL and read the screen back with capture-pane."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.espconsole.tui.conftest import DEADLINE, REPO

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One private tmux server (its own socket) running one window."""

    def __init__(self, command: list[str], cwd, width=140, height=40):
        self.socket = f"espconsole-test-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height),
                   "-c", str(cwd), " ".join(command))

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def press(self, key: str) -> None:
        self._tmux("send-keys", "-t", "main", key)

    def wait_for(self, text: str) -> str:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def wait_closed(self) -> bool:
        """True once the window's program has exited (the server goes with it)."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            alive = subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "main"],
                                   capture_output=True).returncode == 0
            if not alive:
                return True
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def workspace(tmp_path):
    examples = tmp_path / "examples"
    shutil.copytree(REPO / "examples" / "blinky", examples / "blinky",
                    ignore=shutil.ignore_patterns(".espconsole"))
    return tmp_path


def test_console_in_a_real_terminal(workspace):
    tmux = Tmux([sys.executable, "-m", "espconsole", "examples/blinky"], cwd=workspace)
    try:
        tmux.wait_for("node ready")
        tmux.wait_for("on node")                      # the start-up deploy finished
        tmux.type("print('sum=' .. 19 + 23)")
        tmux.press("Enter")
        screen = tmux.wait_for("sum=42")
        assert "Partitions" in screen and "LFS modules" in screen
        assert "link emulated" in screen
        tmux.press("C-q")
        assert tmux.wait_closed(), "the console did not quit on Ctrl+Q"
    finally:
        tmux.kill()
    assert (workspace / "examples" / "blinky" / ".espconsole" / "node").is_dir()
