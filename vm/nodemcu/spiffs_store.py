"""Where SPIFFS keeps committed files: a folder of host files (or RAM), one per SPIFFS file; no firmware counterpart (the chip keeps them in flash pages, see spiffs.py for why this does not).

On-disk layout (default ``DIR/.espconsole/node/spiffs/``)::

    spiffs/volume.json    {"phys_addr": ..., "phys_size": ...} of the formatted volume;
                          absent = no file system (the next mount fails, boot formats)
    spiffs/files/<name>   one host file per SPIFFS file; the SPIFFS name is percent-encoded
                          (bytes other than a-z 0-9 . _ - and a leading '.' become %XX, the
                          empty name is "%"), so upper case never collides on case-blind disks

Every change is an atomic replace, removal or rename (storage.py); temporaries left by a kill
are deleted when the folder is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from vm.nodemcu.storage import atomic_write, clean_temporaries, durable_remove, durable_rename

_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789._-")


def encode_host_name(name: bytes) -> str:
    if not name:
        return "%"
    out = []
    for i, byte in enumerate(name):
        if byte in _PLAIN and not (i == 0 and byte == 0x2E):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def decode_host_name(host: str) -> bytes | None:
    if host == "%":
        return b""
    out = bytearray()
    i = 0
    while i < len(host):
        if host[i] == "%":
            try:
                out.append(int(host[i + 1:i + 3], 16))
            except ValueError:
                return None
            i += 3
        else:
            out += host[i].encode("latin-1")
            i += 1
    return bytes(out) if encode_host_name(bytes(out)) == host else None


class MemoryStore:
    """Committed files and the volume record, kept in RAM (boards without a state folder)."""

    def __init__(self):
        self.volume: dict | None = None
        self.files: dict[bytes, bytes] = {}

    def read_volume(self) -> dict | None:
        return self.volume

    def new_volume(self, volume: dict) -> None:
        self.volume, self.files = volume, {}

    def load(self) -> dict[bytes, bytes]:
        return dict(self.files)

    def store(self, name: bytes, content: bytes) -> None:
        self.files[name] = bytes(content)

    def delete(self, name: bytes) -> None:
        self.files.pop(name, None)

    def rename(self, old: bytes, new: bytes) -> None:
        self.files[new] = self.files.pop(old)


class FolderStore:
    """Committed files and the volume record under a state folder (layout in the module doc)."""

    def __init__(self, directory: Path, durable: bool):
        self.directory, self.durable = directory, durable
        self.volume_path = directory / "volume.json"
        self.files_dir = directory / "files"

    def _path(self, name: bytes) -> Path:
        return self.files_dir / encode_host_name(name)

    def read_volume(self) -> dict | None:
        try:
            volume = json.loads(self.volume_path.read_text())
            return {"phys_addr": int(volume["phys_addr"]), "phys_size": int(volume["phys_size"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def new_volume(self, volume: dict) -> None:
        # Drop the volume record first: a kill during the wipe leaves "no file system", which
        # the next boot formats again, never a half-emptied volume that still mounts.
        durable_remove(self.volume_path, self.durable)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        for entry in self.files_dir.iterdir():
            entry.unlink()
        atomic_write(self.volume_path, json.dumps(volume).encode(), self.durable)

    def load(self) -> dict[bytes, bytes]:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        clean_temporaries(self.files_dir)
        files = {}
        for entry in sorted(self.files_dir.iterdir()):
            name = decode_host_name(entry.name)
            if name is not None and entry.is_file():
                files[name] = entry.read_bytes()
        return files

    def store(self, name: bytes, content: bytes) -> None:
        atomic_write(self._path(name), content, self.durable)

    def delete(self, name: bytes) -> None:
        durable_remove(self._path(name), self.durable)

    def rename(self, old: bytes, new: bytes) -> None:
        durable_rename(self._path(old), self._path(new), self.durable)
