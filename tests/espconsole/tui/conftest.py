"""Fixtures for the console's UI tests: a fresh copy of an example project and a helper that waits on the Pilot."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEADLINE = 30.0          # generous: a stuck test fails instead of hanging; never a timing assertion


@pytest.fixture
def blinky(tmp_path) -> Path:
    project = tmp_path / "blinky"
    shutil.copytree(REPO / "examples" / "blinky", project,
                    ignore=shutil.ignore_patterns(".espconsole"))
    return project


async def wait_for(pilot, condition, what: str, deadline: float = DEADLINE):
    """Let the app run until `condition()` is true."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")
