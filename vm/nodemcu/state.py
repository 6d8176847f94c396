"""The board's state folder: opens its flash, partition table and SPIFFS together and keeps other processes out; no firmware counterpart.

Layout of the folder (default ``DIR/.espconsole/node``)::

    lock          held (flock) while a board uses the folder; a second board gets StateLocked
    flash/        the 4 MiB flash, sparse 64 KiB block files (flash.py); holds the
                  reboot-config page with the partition table at 0x10000 and the LFS region
    spiffs/       the SPIFFS volume record and its files (spiffs_store.py)

`reflash()` is what erasing the chip and flashing the firmware again does: empty flash, the
compiled-in partition table, no file system (the next boot sets up partitions and formats).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from vm.nodemcu.flash import Flash
from vm.nodemcu.partitions import DEFAULT_LAYOUT, FirmwareLayout, PartitionTable
from vm.nodemcu.spiffs import Spiffs

try:
    import fcntl
except ImportError:                     # Windows: no advisory lock, one board per folder by convention
    fcntl = None


class StateLocked(Exception):
    """Another process is running a board on this state folder."""


def default_state_dir(project_dir: Path | str) -> Path:
    return Path(project_dir) / ".espconsole" / "node"


class BoardState:
    """Flash, partition table and SPIFFS of one board, persisted under `directory`
    (None: everything in memory, for tests and throw-away boards)."""

    def __init__(self, directory: Path | str | None, layout: FirmwareLayout = DEFAULT_LAYOUT,
                 durable: bool = True):
        self.directory = Path(directory) if directory is not None else None
        self.layout = layout
        self.durable = durable
        self._lock_file = None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock()
        self._open_parts()

    def _open_parts(self) -> None:
        where = self.directory
        self.flash = Flash(where / "flash" if where else None, durable=self.durable)
        self.table = PartitionTable(self.flash, self.layout)
        self.spiffs = Spiffs(where / "spiffs" if where else None, durable=self.durable)

    def _lock(self) -> None:
        if fcntl is None:
            return
        handle = open(self.directory / "lock", "a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.close()
            raise StateLocked(f"{self.directory} is in use by another board") from error
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        self._lock_file = handle

    def reflash(self) -> None:
        """Erase everything and provision the firmware's default partition table."""
        self.spiffs.unmount()
        if self.directory is not None:
            for part in ("flash", "spiffs"):
                shutil.rmtree(self.directory / part, ignore_errors=True)
        self._open_parts()
        self.table.provision()

    def close(self) -> None:
        """Commit open files, write pending flash blocks, release the folder."""
        self.spiffs.unmount()
        self.flash.flush()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> "BoardState":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
