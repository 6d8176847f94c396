"""What a changed path means for the project: an LFS module, a SPIFFS file, the settings, or nothing (editor litter, build output).

Pure functions over paths; no file system access beyond what the caller passes in, so the rules
are tested without a watcher.
"""

from __future__ import annotations

import enum
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from espconsole.config import CONFIG_NAME, STATE_DIR, ProjectConfig

# Files editors write next to the real one while saving (vim's 4913 probe and swap files,
# emacs lock and autosave files, backup copies, JetBrains/VS Code temporary names).
EDITOR_LITTER = ("4913", "*.swp", "*.swo", "*.swx", "*~", ".#*", "#*#", "*.tmp", "*.bak",
                 "*.orig", "*___jb_tmp___", "*___jb_old___", "*.crswap", ".~*", "*.kate-swp")
# Top-level files that belong to the project but not on the node.
NOT_FOR_THE_NODE = ("*.md", "*.txt", "*.toml", "*.img", "*.py", "LICENSE*", "Makefile")


class ChangeKind(str, enum.Enum):
    MODULE = "module"          # a .lua file that goes into the LFS image
    SPIFFS = "spiffs"          # a file uploaded as it is (init.lua, data)
    CONFIG = "config"          # espconsole.toml: rebuild everything


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str                  # project-relative, forward slashes
    deleted: bool = False


@dataclass
class ChangeBatch:
    """One debounced burst of changes, latest state per path."""
    changes: dict[str, Change] = field(default_factory=dict)

    def add(self, change: Change) -> None:
        self.changes[change.path] = change

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of_kind(self, kind: ChangeKind) -> list[Change]:
        return [c for c in self.changes.values() if c.kind is kind]

    @property
    def needs_build(self) -> bool:
        return any(c.kind in (ChangeKind.MODULE, ChangeKind.CONFIG) for c in self.changes.values())

    @property
    def spiffs_uploads(self) -> list[str]:
        return sorted(c.path for c in self.of_kind(ChangeKind.SPIFFS) if not c.deleted)


class ProjectRules:
    """Classifies paths for one project (its root and LFS sources from the settings)."""

    def __init__(self, config: ProjectConfig):
        self.root = Path(config.root).resolve()
        self.sources = [PurePosixPath(s.strip("/")) for s in config.lfs.sources]
        self.output = PurePosixPath(config.lfs.output_path)

    def relative(self, path: str | Path) -> PurePosixPath | None:
        try:
            return PurePosixPath(Path(path).resolve().relative_to(self.root).as_posix())
        except ValueError:
            return None

    def classify(self, path: str | Path, deleted: bool = False) -> Change | None:
        """The change an event on `path` stands for; None when it does not concern the node."""
        rel = self.relative(path)
        if rel is None or not rel.parts:
            return None
        return self.classify_relative(rel, deleted)

    def classify_relative(self, rel: PurePosixPath, deleted: bool = False) -> Change | None:
        name = rel.name
        if rel.parts[0] == STATE_DIR or rel == self.output or is_editor_litter(name):
            return None
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            return None
        text = rel.as_posix()
        if text == CONFIG_NAME:
            return Change(ChangeKind.CONFIG, text, deleted)
        for source in self.sources:
            if rel == source or (rel.parent == source and rel.suffix == ".lua"):
                return Change(ChangeKind.MODULE, text, deleted)
            if source in rel.parents:
                return None            # other files in a source folder are not modules
        if len(rel.parts) == 1 and is_node_file(name):
            return Change(ChangeKind.SPIFFS, text, deleted)
        return None

    def spiffs_files(self) -> list[str]:
        """The project's files that live on SPIFFS (init.lua and data at the top level)."""
        found = []
        for entry in sorted(self.root.iterdir()):
            if entry.is_file():
                change = self.classify_relative(PurePosixPath(entry.name))
                if change is not None and change.kind is ChangeKind.SPIFFS:
                    found.append(entry.name)
        return found


def is_editor_litter(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in EDITOR_LITTER)


def is_node_file(name: str) -> bool:
    """A top-level file that should be on the node's SPIFFS (SPIFFS names are at most 31 bytes)."""
    if name.startswith(".") or len(name.encode()) > 31:
        return False
    return not any(fnmatch.fnmatch(name, pattern) for pattern in NOT_FOR_THE_NODE)
