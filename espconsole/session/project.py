"""The project side of a session: builds the LFS image, remembers which build the node runs (DIR/.espconsole/console.json) and derives the module rows."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from espconsole.build import BuildResult, ProjectBuilder, find_sources
from espconsole.build.atomic import write_atomic
from espconsole.config import load_config
from espconsole.session.events import BuildStatus, ModuleRow
from espconsole.session.views import ProjectModule, module_rows

RECORD_NAME = "console.json"


class ProjectState:
    def __init__(self, root: Path):
        self.root = root
        self.reload_config()
        self.last: BuildResult | None = None
        self.status: BuildStatus | None = None
        self.modules: list[ProjectModule] = []

    def reload_config(self) -> None:
        self.config = load_config(self.root)
        self.builder = ProjectBuilder(self.root, config=self.config,
                                      compression=self.config.console.compression)

    @property
    def image_name(self) -> str:
        return self.config.lfs.image

    # -- building -------------------------------------------------------------------------------

    def build(self) -> BuildResult:
        result = self.builder.build(write=True)
        self.last = result
        failed = {p.file for p in result.problems if p.file}
        built = {m.file: m.name for m in result.modules}
        files, _ = find_sources(self.config)
        modules = []
        for file, path in files:
            try:
                source = path.read_bytes()
            except OSError:
                source = b""
            key = None if file in failed else hashlib.sha1(source).hexdigest()
            modules.append(ProjectModule(built.get(file, Path(file).stem), file, len(source), key))
        self.modules = modules
        self.status = BuildStatus(
            ok=result.ok, when=time.time(), seconds=result.seconds,
            problems=tuple(str(p) for p in result.problems),
            image_size=result.flash_size if result.ok else None,
            compiled=tuple(result.compiled))
        return result

    def module_keys(self) -> dict[str, str]:
        return {m.name: m.key for m in self.modules if m.key}

    # -- what the node runs ---------------------------------------------------------------------

    @property
    def record_path(self) -> Path:
        return self.config.state_dir / RECORD_NAME

    def load_record(self) -> dict:
        try:
            record = json.loads(self.record_path.read_text())
            return record if isinstance(record, dict) else {}
        except (OSError, ValueError):
            return {}

    def save_record(self, lfs_time: int, keys: dict[str, str]) -> None:
        record = self.load_record()
        record.update(lfs_time=lfs_time, modules=keys)
        write_atomic(self.record_path, json.dumps(record, indent=1, sort_keys=True).encode())

    def node_keys(self, node_lfs_time: int | None) -> dict[str, str] | None:
        """Module hashes of the image the node runs, if the session deployed it."""
        record = self.load_record()
        if node_lfs_time and record.get("lfs_time") == node_lfs_time:
            return dict(record.get("modules") or {})
        return None

    def node_runs_build(self, node_lfs_time: int | None, node_modules: list[str]) -> bool:
        keys = self.node_keys(node_lfs_time)
        current = self.module_keys()
        return keys is not None and keys == current and sorted(node_modules) == sorted(current)

    def rows(self, node_lfs_time: int | None, node_modules: list[str] | None
             ) -> tuple[ModuleRow, ...]:
        return module_rows(self.modules, self.node_keys(node_lfs_time), node_modules)
