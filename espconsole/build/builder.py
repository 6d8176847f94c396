"""Builds a project's LFS image incrementally: finds the modules, compiles only changed ones, assembles and atomically writes the image (the project-level counterpart of luac.cross -f)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import vm
import vm.lfs
from espconsole.build.atomic import write_atomic
from espconsole.build.module_cache import ModuleCache, compile_module, module_key
from espconsole.config import ProjectConfig, load_config

VARIANTS = {"float": vm.lfs.FLOAT, "integer": vm.lfs.INTEGER,
            "float-unpacked": vm.lfs.FLOAT_UNPACKED}


@dataclass(frozen=True)
class BuildProblem:
    """One reason a build failed, for the console: `file` (project-relative) and `line` when known."""
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return where + self.message


@dataclass(frozen=True)
class ModuleStatus:
    name: str                 # the name node.LFS.get knows it by
    file: str                 # project-relative path
    compiled: bool            # compiled in this build (False: taken from the cache)


@dataclass
class BuildResult:
    ok: bool
    output: Path
    max_size: int
    modules: list[ModuleStatus] = field(default_factory=list)
    problems: list[BuildProblem] = field(default_factory=list)
    flash_size: int | None = None
    data: bytes | None = None          # the image file's bytes
    written: bool = False              # the image file was (re)written
    timestamp: int | None = None
    seconds: float = 0.0

    @property
    def compiled(self) -> list[str]:
        return [m.name for m in self.modules if m.compiled]

    @property
    def reused(self) -> list[str]:
        return [m.name for m in self.modules if not m.compiled]


_LOCATED = re.compile(r"(\d+): (.*)", re.S)


def syntax_problem(error: vm.LuaError, file: str) -> BuildProblem:
    """A compile error as (file, line, message); Lua prefixes messages with `name:line:`."""
    text = error.message
    prefix = f"{file}:"
    if text.startswith(prefix):
        located = _LOCATED.fullmatch(text[len(prefix):])
        if located:
            return BuildProblem(located.group(2), file, int(located.group(1)))
        return BuildProblem(text[len(prefix):].strip(), file)
    # Long chunk names are shortened in Lua's messages ("...name.lua:3:"); take the line anyway.
    located = re.match(r"(?:\.\.\.)?[^:\n]*:(\d+): (.*)", text, re.S)
    if located:
        return BuildProblem(located.group(2), file, int(located.group(1)))
    return BuildProblem(text, file)


def find_sources(config: ProjectConfig) -> tuple[list[tuple[str, Path]], list[BuildProblem]]:
    """The project's module files as (project-relative name, path), in image order."""
    files: list[tuple[str, Path]] = []
    problems: list[BuildProblem] = []
    root = config.root
    for entry in config.lfs.sources:
        path = root / entry
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == ".lua" and p.is_file())
        elif path.is_file():
            found = [path]
        else:
            problems.append(BuildProblem(f"LFS source {entry} does not exist"))
            continue
        for p in found:
            files.append((Path(os.path.relpath(p, root)).as_posix(), p))
    if not files and not problems:
        problems.append(BuildProblem(
            f"no LFS modules: no .lua files in {', '.join(config.lfs.sources)}"))
    return files, problems


class ProjectBuilder:
    """Builds one project's image again and again, keeping compiled modules between builds."""

    def __init__(self, root: str | Path = ".", *, config: ProjectConfig | None = None,
                 output: str | Path | None = None, timestamp: int | None = None,
                 disk_cache: bool = True, compression: str | None = None):
        self.config = config if config is not None else load_config(root)
        root = self.config.root
        self.output = Path(output) if output is not None else root / self.config.lfs.output_path
        self.timestamp = timestamp if timestamp is not None else self.config.lfs.timestamp
        self.variant = VARIANTS[self.config.lfs.variant]
        # "exact" (luac.cross's file) or "fast" (zlib container, same inflated image)
        self.compression = compression if compression is not None else self.config.lfs.compression
        folder = self.config.state_dir / "cache" / "lfs" if disk_cache else None
        self.cache = ModuleCache(folder)
        self._last: tuple | None = None          # (module keys, timestamp, image bytes, size)

    def build(self, write: bool = True) -> BuildResult:
        """Build the image; write it (atomically) only when the build succeeds."""
        started = time.perf_counter()
        lfs = self.config.lfs
        result = BuildResult(ok=False, output=self.output, max_size=lfs.max_size)
        files, result.problems = find_sources(self.config)
        integer = self.variant.integer
        protos = []
        keys = []
        for name, path in files:
            try:
                source = path.read_bytes()
            except OSError as exc:
                result.problems.append(BuildProblem(f"cannot read: {exc.strerror}", name))
                continue
            chunkname = b"@" + name.encode()
            key = module_key(source, chunkname, integer)
            proto = self.cache.get(key, integer)
            compiled = proto is None
            if compiled:
                try:
                    proto = compile_module(source, chunkname, integer)
                except vm.LuaError as exc:
                    result.problems.append(syntax_problem(exc, name))
                    continue
                self.cache.put(key, proto)
            keys.append(key)
            protos.append(proto)
            result.modules.append(ModuleStatus(vm.lfs.module_name(chunkname).decode(
                "utf-8", "replace"), name, compiled))
        self._check_names(result, len(files))
        if result.problems:
            return self._finish(result, started)
        self.cache.forget_except(set(keys))
        timestamp = self._timestamp_for(tuple(keys))
        state = (tuple(keys), timestamp)
        if self._last is not None and self._last[0] == state:
            result.data, result.flash_size = self._last[1], self._last[2]
        else:
            try:
                built = vm.lfs.build_image(protos, timestamp, self.variant,
                                            fast=self.compression == "fast")
            except vm.lfs.LfsBuildError as exc:
                result.problems.append(BuildProblem(exc.message))
                return self._finish(result, started)
            result.data, result.flash_size = built.data, built.flash_size
        result.timestamp = timestamp
        if result.flash_size > lfs.max_size:
            result.problems.append(BuildProblem(
                f"image of {result.flash_size} bytes is larger than the LFS size of "
                f"{lfs.max_size} bytes (lfs.max_size)"))
            return self._finish(result, started)
        self._last = (state, result.data, result.flash_size)
        if write:
            try:
                write_atomic(self.output, result.data)
            except OSError as exc:
                result.problems.append(BuildProblem(f"cannot write {self.output}: {exc.strerror}"))
                return self._finish(result, started)
            result.written = True
        result.ok = True
        return self._finish(result, started)

    def _timestamp_for(self, keys: tuple) -> int:
        """The image's build time: the configured one, else now, but never the time of a different
        earlier image — the node tells images apart by their timestamp, and two saves can land in
        the same second. Unchanged modules keep their image (and its time)."""
        if self.timestamp is not None:
            return self.timestamp
        now = int(time.time())
        if self._last is None:
            return now
        last_keys, last_time = self._last[0]
        if last_keys == keys:
            return last_time
        return max(now, last_time + 1)

    def _check_names(self, result: BuildResult, count: int) -> None:
        seen: dict[str, str] = {}
        for module in result.modules:
            if module.name in seen:
                result.problems.append(BuildProblem(
                    f"Cannot have duplicate files ('{module.name}') in LFS: "
                    f"{seen[module.name]} has the same module name", module.file))
            seen.setdefault(module.name, module.file)
        if count > vm.lfs.MAX_MODULES:
            result.problems.append(BuildProblem(
                f"too many LFS modules: {count} (an image holds at most {vm.lfs.MAX_MODULES})"))

    @staticmethod
    def _finish(result: BuildResult, started: float) -> BuildResult:
        result.seconds = time.perf_counter() - started
        return result


def build_project(root: str | Path = ".", output: str | Path | None = None,
                  timestamp: int | None = None) -> BuildResult:
    """One build of the project in `root` (see ProjectBuilder for repeated builds)."""
    return ProjectBuilder(root, output=output, timestamp=timestamp).build()
