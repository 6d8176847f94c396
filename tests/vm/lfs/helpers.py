"""Protos for LFS tests, compiled the way luac.cross compiles files (names stripped, chunk name `@NAME.lua`).

The one place that decides where compiled Protos come from: our compiler (vm.compile) once it
works, otherwise stock luac5.1 plus vm.undump — luac.cross's code generation equals luac 5.1's
(spec §4), so the two give the same Protos after strip_names().
"""

from __future__ import annotations

import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

import vm
from tests.oracles import GOLDEN_DIR, LUAC51
from vm.bytecode.proto import Proto

GOLDEN_TIMESTAMP = 1767225600
GOLDEN_CASES = ("closures", "manyconst", "mod_basic", "strings", "varargs")
ALL_CASES = GOLDEN_CASES + ("combined",)
COMBINED_ORDER = ("mod_basic", "closures", "varargs", "strings", "manyconst")


@lru_cache(maxsize=None)
def compiler_works() -> bool:
    try:
        vm.compile(b"local a = {1, 'x'} return a", b"=probe")
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False
    return True


needs_compiler = pytest.mark.skipif(
    not compiler_works() and LUAC51 is None,
    reason="neither vm.compile nor luac5.1 (Debian package lua5.1) is available")


def compile_module(source: bytes, filename: str, integer: bool = False) -> Proto:
    """`source` compiled as `luac.cross` compiles a file called `filename` given by bare name."""
    chunkname = b"@" + filename.encode()
    if compiler_works():
        proto = vm.compile(source, chunkname, integer=integer)
    else:
        if LUAC51 is None or integer:
            pytest.skip("vm.compile is not ready and luac5.1 cannot stand in for this case")
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, filename).write_bytes(source)
            done = subprocess.run([LUAC51, "-o", "out.luac", filename], cwd=tmp,
                                  capture_output=True)
            if done.returncode != 0:
                raise vm.LuaSyntaxError(done.stderr.decode().strip().encode())
            proto = vm.undump(Path(tmp, "out.luac").read_bytes(), chunkname)
    proto.strip_names()
    return proto


def golden_module(name: str) -> Proto:
    """The Proto luac.cross compiled for golden case `name`, read from the stock luac5.1 output in the golden folder."""
    proto = vm.undump((GOLDEN_DIR / f"{name}.luac").read_bytes(), f"@{name}.lua".encode())
    proto.strip_names()
    return proto


def golden_modules(case: str) -> list[Proto]:
    names = COMBINED_ORDER if case == "combined" else (case,)
    return [golden_module(name) for name in names]


def empty_module() -> Proto:
    """`empty.lua`, a 0-byte file (spec §6.5)."""
    return Proto(source=b"@empty.lua", is_vararg=2, maxstacksize=2, code=[0x0080001E],
                 lineinfo=[1])


def hi_module() -> Proto:
    """`hi.lua` = `print("hi")` (spec §6.6)."""
    return Proto(source=b"@hi.lua", is_vararg=2, maxstacksize=2,
                 code=[0x00000005, 0x00004041, 0x0100401C, 0x0080001E],
                 constants=[b"print", b"hi"], lineinfo=[1, 1, 1, 1])


def compile_modules(files: list[tuple[str, bytes]]) -> list[Proto]:
    """Several (filename, source) pairs compiled as `luac.cross` would, in order.

    With the luac5.1 stand-in all files go through one luac5.1 run: several inputs come back
    as the children of one combined main function, so only one process is started.
    """
    if compiler_works() or LUAC51 is None:
        return [compile_module(source, filename) for filename, source in files]
    with tempfile.TemporaryDirectory() as tmp:
        for filename, source in files:
            Path(tmp, filename).write_bytes(source)
        done = subprocess.run([LUAC51, "-o", "out.luac", *(f for f, _ in files)], cwd=tmp,
                              capture_output=True)
        if done.returncode != 0:
            raise vm.LuaSyntaxError(done.stderr.decode().strip().encode())
        main = vm.undump(Path(tmp, "out.luac").read_bytes(), b"=?")
    protos = main.protos if len(files) > 1 else [main]
    for proto in protos:
        proto.strip_names()
    return protos
