"""Differential tests: every tests/vm/cases/*.lua prints the same under `python -m vm` as under lua5.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.oracles import LUA51, needs_lua51

CASES = sorted((Path(__file__).parent / "cases").glob("*.lua"))


@needs_lua51
@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_matches_lua51(case):
    expected = subprocess.run([LUA51, case.name], cwd=case.parent, capture_output=True, timeout=60)
    got = subprocess.run([sys.executable, "-m", "vm", case.name], cwd=case.parent,
                         capture_output=True, timeout=300)
    assert got.stdout.decode("latin-1") == expected.stdout.decode("latin-1")
    assert got.returncode == expected.returncode
