"""Shared helpers for the compiler acceptance suites: is the compiler there yet, and running luac5.1 the same way we run ours."""

from __future__ import annotations

import re
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

from tests.oracles import LUAC51, lupa_lua51


@lru_cache(maxsize=None)
def compiler_problem() -> str | None:
    """None when vm.compile works on a trivial chunk, else why not (the suites then skip)."""
    import vm  # noqa: PLC0415

    try:
        vm.compile(b"return 1", b"=probe")
    except (ImportError, NotImplementedError, AttributeError) as exc:
        return f"vm.compile is not available yet: {type(exc).__name__}: {exc}"
    return None


needs_compiler = pytest.mark.skipif(
    compiler_problem() is not None, reason=compiler_problem() or "")


def run_luac51(args: list[str], cwd: Path | str | None = None, stdin: bytes | None = None):
    """Run the real luac5.1 under the program name `luac` (so its messages read as ours do).

    Returns the CompletedProcess (bytes stdout/stderr).
    """
    return subprocess.run(["luac", *args], executable=LUAC51, cwd=cwd, input=stdin,
                          capture_output=True, timeout=60)


def luac51_message(stderr: bytes) -> str:
    """luac's error text without its `luac: ` program-name prefix (first line only)."""
    text = stderr.decode("latin-1").split("\n")[0]
    for candidate in (f"{LUAC51}: ", "luac5.1: ", "luac: "):
        if text.startswith(candidate):
            return text[len(candidate):]
    return text


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+|\(nil\)")


def canonical_addresses(listing: str) -> str:
    """Replace each distinct function address by its order of first appearance (`@0`, `@1`, ...)."""
    seen: dict[str, str] = {}
    return _ADDRESS.sub(lambda m: seen.setdefault(m.group(0), f"@{len(seen)}"), listing)


class LupaOracle:
    """lupa.lua51 in-process: string.dump(loadstring(src, name)), or the load error message."""

    def __init__(self):
        module = lupa_lua51()
        self.runtime = module.LuaRuntime(encoding=None)
        self._compile = self.runtime.eval(
            "function(src, name) local f, err = loadstring(src, name) "
            "if f then return true, string.dump(f) end return false, err end")

    def compile(self, source: bytes, chunkname: bytes) -> tuple[bool, bytes]:
        """(True, dump bytes) or (False, error message bytes).

        A few limits (`constant table overflow`) are raised inside the parser as run-time
        errors; those pass through lupa's error handler, which appends a traceback that luac
        does not print. It is cut off here.
        """
        ok, value = self._compile(source, chunkname)
        if not ok:
            value = value.split(b"\nstack traceback:")[0]
        return bool(ok), value


@lru_cache(maxsize=None)
def lupa_oracle() -> LupaOracle | None:
    return LupaOracle() if lupa_lua51() is not None else None
