"""Crash-safe files for the board's state folder: atomic replace, durable removal and a folder lock.

No firmware counterpart: this is how the emulator keeps its "flash" on the host disk.  Every
write goes to a temporary file in the same directory, is flushed and fsync'd, and is then moved
over the target with os.replace, followed by an fsync of the directory.  A process killed at
any instant therefore leaves either the old or the new content, never a torn file.  Leftover
temporaries (a kill between create and replace) start with TEMP_PREFIX and are removed by
`clean_temporaries` when a store opens.
"""

from __future__ import annotations

import os
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def _fsync_dir(directory: Path) -> None:
    # Directories cannot be opened for fsync on Windows; there os.replace is already durable enough.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path | str, data: bytes | bytearray | memoryview, durable: bool = True) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file."""
    path = Path(path)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    temp = directory / f"{TEMP_PREFIX}{os.getpid()}-{path.name}"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        if durable:
            os.fsync(handle.fileno())
    os.replace(temp, path)
    if durable:
        _fsync_dir(directory)


def durable_remove(path: Path | str, durable: bool = True) -> bool:
    """Remove `path` if it exists; return whether it existed."""
    path = Path(path)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    if durable:
        _fsync_dir(path.parent)
    return True


def durable_rename(old: Path | str, new: Path | str, durable: bool = True) -> None:
    """Rename atomically (replacing `new`) and make the rename durable."""
    old, new = Path(old), Path(new)
    os.replace(old, new)
    if durable:
        _fsync_dir(new.parent)


def clean_temporaries(directory: Path | str) -> int:
    """Delete temporaries a killed writer left behind; return how many were removed."""
    directory = Path(directory)
    removed = 0
    if not directory.is_dir():
        return 0
    for entry in directory.iterdir():
        if entry.name.startswith(TEMP_PREFIX):
            try:
                entry.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed
