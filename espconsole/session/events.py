"""The events a Session emits and the read-only views they carry (what the UI draws; no behaviour).

Every event is a small frozen dataclass. A UI subscribes with `Session.subscribe(fn)`; `fn` is
called from the session's threads, so a Textual app forwards each event as a message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class NodeState(str, enum.Enum):
    CONNECTING = "connecting"
    BOOTING = "booting"
    READY = "ready"
    BUSY = "busy"
    DISCONNECTED = "disconnected"


class ModuleState(str, enum.Enum):
    ON_NODE = "on node"          # built and the same as in the node's LFS
    CHANGED = "changed"          # built, but the node still runs an older version
    BUILD_ERROR = "build error"  # the file does not compile
    NEW = "new"                  # in the project, not yet in the node's LFS
    NODE_ONLY = "node only"      # in the node's LFS, no longer in the project


@dataclass(frozen=True)
class ModuleRow:
    name: str
    size: int | None             # source bytes of the module file (None: not in the project)
    state: ModuleState
    file: str | None = None


@dataclass(frozen=True)
class Partition:
    name: str                    # "firmware", "LFS", "SPIFFS", "system", "free"
    address: int
    size: int


@dataclass(frozen=True)
class PartitionView:
    flash_size: int
    partitions: tuple[Partition, ...]
    lfs_image_size: int | None = None      # flash bytes of the project's image (None: no build)
    lfs_capacity: int = 0                  # the node's LFS partition size

    def find(self, name: str) -> Partition | None:
        return next((p for p in self.partitions if p.name == name), None)


@dataclass(frozen=True)
class BuildStatus:
    ok: bool
    when: float                  # time.time() of the build
    seconds: float
    problems: tuple[str, ...] = ()         # `file:line: message`
    image_size: int | None = None
    compiled: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int


# ----- events ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class ReplOutput(Event):
    text: str                    # decoded node output, CR LF turned into LF, prompts removed


@dataclass(frozen=True)
class PromptChanged(Event):
    prompt: str                  # "> " or ">> " (continuation)


@dataclass(frozen=True)
class StatusChanged(Event):
    link: str                    # "emulated" or "/dev/ttyUSB0@115200"
    state: NodeState
    heap: int | None
    auto_deploy: bool
    message: str = ""


@dataclass(frozen=True)
class ModulesChanged(Event):
    rows: tuple[ModuleRow, ...]


@dataclass(frozen=True)
class PartitionsChanged(Event):
    view: PartitionView


@dataclass(frozen=True)
class BuildStarted(Event):
    reason: str = ""


@dataclass(frozen=True)
class BuildFinished(Event):
    status: BuildStatus


@dataclass(frozen=True)
class Progress(Event):
    task: str                    # "build", "upload init.lua", "deploy LFS", ...
    done: int
    total: int
    finished: bool = False


@dataclass(frozen=True)
class FilesChanged(Event):
    files: tuple[FileEntry, ...]
    used: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class Notice(Event):
    message: str
    severity: str = "information"          # "information", "warning" or "error"


@dataclass(frozen=True)
class Deployed(Event):
    """An LFS image is live on the node (after the reload and the prompt came back)."""
    image_size: int
    modules: tuple[str, ...] = field(default_factory=tuple)
