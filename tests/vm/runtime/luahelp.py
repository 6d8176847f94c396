"""Shared helpers for VM tests: one place that turns Lua source into a Proto, and a runner."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import vm
from vm.runtime.state import LuaState


def proto_for(source: bytes, chunkname: bytes = b"=test"):
    """The Proto for `source`: our compiler, or luac5.1 + undump when the compiler cannot do it."""
    try:
        return vm.compile(source, chunkname)
    except vm.LuaSyntaxError:
        raise
    except Exception:  # noqa: BLE001 - compiler not available: fall back to the reference compiler
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "chunk.lua"
            out = Path(d) / "chunk.luac"
            src.write_bytes(source)
            subprocess.run(["luac5.1", "-o", str(out), str(src)], check=True)
            return vm.undump(out.read_bytes(), chunkname)


def run_lua(source: str | bytes, state: LuaState | None = None) -> str:
    """Run a chunk and return what it printed (raises LuaError)."""
    if isinstance(source, str):
        source = source.encode()
    out: list[bytes] = []
    if state is None:
        state = LuaState(output=out.append)
    else:
        state.set_output(out.append)
    fn = state.load(proto_for(source), b"=test")
    state.call(fn)
    return b"".join(out).decode("latin-1")
