"""Where the reference tools live, and pytest skip markers for when they are absent.

Oracle tests compare our output with the real thing (design.md §7). On a developer machine an
oracle may be missing; the test then skips and says which package provides it. `.ci/run`
installs every oracle, so in CI these tests run.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent
GOLDEN_DIR = TESTS_DIR / "golden"

LUAC51 = shutil.which("luac5.1")
LUA51 = shutil.which("lua5.1")

needs_luac51 = pytest.mark.skipif(
    LUAC51 is None, reason="luac5.1 not installed (Debian package lua5.1; .ci/run installs it)")
needs_lua51 = pytest.mark.skipif(
    LUA51 is None, reason="lua5.1 not installed (Debian package lua5.1; .ci/run installs it)")


@lru_cache(maxsize=None)
def lupa_lua51():
    """The lupa.lua51 module, or None when lupa is not installed."""
    try:
        import lupa.lua51 as module  # noqa: PLC0415
    except ImportError:
        return None
    return module


needs_lupa = pytest.mark.skipif(
    lupa_lua51() is None, reason="lupa not installed (pip install -e '.[dev]' installs it)")

CORPUS_PACKAGES = ("lua-penlight", "luarocks")


@lru_cache(maxsize=None)
def real_world_lua_files() -> tuple[Path, ...]:
    """The .lua files that Debian's lua-penlight and luarocks install under /usr/share/lua/5.1."""
    dpkg = shutil.which("dpkg")
    files: list[Path] = []
    if dpkg is not None:
        for package in CORPUS_PACKAGES:
            result = subprocess.run([dpkg, "-L", package], capture_output=True, text=True)
            if result.returncode != 0:
                continue
            for line in result.stdout.splitlines():
                if line.startswith("/usr/share/lua/5.1/") and line.endswith(".lua"):
                    path = Path(line)
                    if path.is_file():
                        files.append(path)
    return tuple(sorted(set(files)))


needs_corpus = pytest.mark.skipif(
    not real_world_lua_files(),
    reason="lua-penlight/luarocks not installed (Debian packages; .ci/run installs them)")


def golden_sources() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.lua"))
