"""The console session: one object (`Session`) that the UI talks to — link, node operations, builder and watcher — and the events it emits."""

from espconsole.config import parse_size
from espconsole.session.core import Session
from espconsole.session.events import (BuildStatus, Event, FileEntry, ModuleRow, ModuleState,
                                       NodeState, Partition, PartitionView)

__all__ = ["BuildStatus", "Event", "FileEntry", "ModuleRow", "ModuleState", "NodeState",
           "Partition", "PartitionView", "Session", "parse_size"]
