"""Compiled LFS modules cached by content hash, in memory and optionally on disk, so a rebuild only compiles what changed."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import vm
from espconsole.build.atomic import write_atomic
from vm.bytecode.proto import Proto
from vm.loader import load_file_bytes

CACHE_FORMAT = b"lfs-module-cache-1"


@lru_cache(maxsize=1)
def toolchain_fingerprint() -> bytes:
    """Changes whenever the compiler's or the bytecode code's files change, invalidating the disk cache."""
    digest = hashlib.sha256(CACHE_FORMAT)
    package = Path(vm.__file__).parent
    for folder in ("compiler", "bytecode"):
        for path in sorted((package / folder).glob("*.py")):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.digest()


def module_key(source: bytes, chunkname: bytes, integer: bool) -> str:
    digest = hashlib.sha256(toolchain_fingerprint())
    digest.update(b"int" if integer else b"float")
    digest.update(len(chunkname).to_bytes(4, "little") + chunkname)
    digest.update(source)
    return digest.hexdigest()


def compile_module(source: bytes, chunkname: bytes, integer: bool) -> Proto:
    """One LFS module compiled as luac.cross compiles a file: loadfile rules, names stripped.

    Raises vm.LuaSyntaxError.
    """
    proto = load_file_bytes(source, chunkname, integer=integer)
    proto.strip_names()
    return proto


class ModuleCache:
    """Content hash → compiled Proto. The Protos are shared: callers must not modify them."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.memory: dict[str, Proto] = {}

    def get(self, key: str, integer: bool) -> Proto | None:
        proto = self.memory.get(key)
        if proto is not None or self.folder is None:
            return proto
        path = self.folder / f"{key}.luac"
        try:
            data = path.read_bytes()
            proto = vm.undump(data, b"=cache", vm.STOCK)
        except (OSError, vm.LuaError):
            return None
        if integer:
            _numbers_to_int(proto)
        self.memory[key] = proto
        return proto

    def put(self, key: str, proto: Proto) -> None:
        self.memory[key] = proto
        if self.folder is None:
            return
        try:
            write_atomic(self.folder / f"{key}.luac", vm.dump(proto, vm.STOCK))
        except (OSError, vm.LuaError):
            pass                          # the disk cache is only an optimisation

    def forget_except(self, keys: set[str]) -> None:
        """Drop in-memory entries no module uses any more."""
        for key in list(self.memory):
            if key not in keys:
                del self.memory[key]


def _numbers_to_int(proto: Proto) -> None:
    # The stock chunk format stores numbers as doubles; integer-build constants are int32.
    for p in proto.walk():
        p.constants = [int(k) if type(k) is float else k for k in p.constants]
