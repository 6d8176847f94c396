"""The one-round-trip info probe (serial-protocol.md §6.8): heap, file system, firmware, partition table, LFS, modules, parsed into `NodeInfo`."""

from __future__ import annotations

from dataclasses import dataclass, field

from espconsole.node import snippets
from espconsole.node.errors import NodeError


@dataclass(frozen=True)
class PartitionTable:
    """The four values of node.getpartitiontable() (byte offsets and sizes; 0 = absent)."""
    lfs_addr: int = 0
    lfs_size: int = 0
    spiffs_addr: int = 0
    spiffs_size: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"lfs_addr": self.lfs_addr, "lfs_size": self.lfs_size,
                "spiffs_addr": self.spiffs_addr, "spiffs_size": self.spiffs_size}


@dataclass
class NodeInfo:
    """What the node reported; fields it could not report are None (never an error)."""
    heap: int | None = None
    chip_id: int | None = None
    flash_id: int | None = None
    flash_size_kib: int | None = None
    fs_remaining: int | None = None
    fs_used: int | None = None
    fs_total: int | None = None
    version: str | None = None           # "3.0.0"
    branch: str | None = None
    commit: str | None = None
    release: str | None = None
    number_type: str | None = None
    firmware_modules: list[str] = field(default_factory=list)
    partitions: PartitionTable | None = None
    lfs_base: int | None = None
    lfs_size: int | None = None
    lfs_used: int | None = None
    lfs_time: int | None = None
    lfs_modules: list[str] | None = None  # None: no LFS image loaded
    optional: dict[str, bool] = field(default_factory=dict)   # encoder, crypto, ...
    raw: dict[str, str] = field(default_factory=dict)


def _int(values: dict[str, str], key: str) -> int | None:
    text = values.get(key)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None


def parse_info(data: bytes) -> NodeInfo:
    values: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").split("\n"):
        key, sep, value = line.partition("=")
        if sep:
            values[key] = value
    info = NodeInfo(raw=values)
    info.heap = _int(values, "heap")
    info.chip_id = _int(values, "hw.chip_id") or _int(values, "chipid")
    info.flash_id = _int(values, "hw.flash_id")
    info.flash_size_kib = _int(values, "hw.flash_size")
    info.fs_remaining = _int(values, "fs.remaining")
    info.fs_used = _int(values, "fs.used")
    info.fs_total = _int(values, "fs.total")
    parts = [values.get(f"sw_version.node_version_{p}") for p in ("major", "minor", "revision")]
    if all(part is not None for part in parts):
        info.version = ".".join(str(int(float(p))) for p in parts)
    info.branch = values.get("sw_version.git_branch")
    info.commit = values.get("sw_version.git_commit_id")
    info.release = values.get("sw_version.git_release")
    info.number_type = values.get("build_config.number_type")
    modules = values.get("build_config.modules")
    info.firmware_modules = modules.split(",") if modules else []
    if "pt.lfs_addr" in values:
        info.partitions = PartitionTable(*(_int(values, f"pt.{k}") or 0 for k in
                                           ("lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size")))
    info.lfs_base = _int(values, "lfs.lfs_base")
    info.lfs_size = _int(values, "lfs.lfs_size")
    info.lfs_used = _int(values, "lfs.lfs_used")
    info.lfs_time = _int(values, "lfs.time")
    if "lfs.modules" in values:
        info.lfs_modules = [m for m in values["lfs.modules"].split(",") if m]
    info.optional = {key[4:]: value == "true" for key, value in values.items() if key.startswith("mod.")}
    return info


def read_info(client) -> NodeInfo:
    with client.operation("reading node info"):
        tag, data, _ = client.command(snippets.info_probe, groups="bi")
    if tag != "I":
        raise NodeError(f"info probe failed: {data.decode('utf-8', 'replace')}")
    return parse_info(data)
