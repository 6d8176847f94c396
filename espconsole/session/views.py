"""Pure functions that turn build results and node facts into the views the panes draw (module rows, flash map)."""

from __future__ import annotations

from dataclasses import dataclass

from espconsole.session.events import ModuleRow, ModuleState, Partition, PartitionView

SYSTEM_PARAMETER_SIZE = 0x3000     # SDK parameter area at the top of flash


@dataclass(frozen=True)
class ProjectModule:
    """One module of the project as the last build saw it."""
    name: str
    file: str
    size: int
    key: str | None                # hash of its source; None when it failed to compile


def module_rows(project: list[ProjectModule], node_keys: dict[str, str] | None,
                node_list: list[str] | None) -> tuple[ModuleRow, ...]:
    """Rows for the LFS pane.

    `node_keys`: module name → source hash of the image the node runs, when the session knows
    it (it deployed that image); `node_list`: the names in the node's LFS (node.LFS.list()).
    """
    on_node = set(node_list or ()) | set(node_keys or ())
    rows = []
    for module in project:
        if module.key is None:
            state = ModuleState.BUILD_ERROR
        elif module.name not in on_node:
            state = ModuleState.NEW
        elif node_keys is not None and node_keys.get(module.name) == module.key:
            state = ModuleState.ON_NODE
        else:
            state = ModuleState.CHANGED
        rows.append(ModuleRow(module.name, module.size, state, module.file))
    known = {m.name for m in project}
    for name in sorted(on_node - known):
        rows.append(ModuleRow(name, None, ModuleState.NODE_ONLY))
    return tuple(rows)


def partition_view(table: dict[str, int] | None, flash_size: int, image_size: int | None
                   ) -> PartitionView:
    """The flash map: firmware up to the first partition, LFS, SPIFFS, gaps as free, the SDK area."""
    table = table or {}
    lfs_addr, lfs_size = table.get("lfs_addr", 0), table.get("lfs_size", 0)
    fs_addr, fs_size = table.get("spiffs_addr", 0), table.get("spiffs_size", 0)
    regions = []
    if lfs_size:
        regions.append(Partition("LFS", lfs_addr, lfs_size))
    if fs_size:
        regions.append(Partition("SPIFFS", fs_addr, fs_size))
    regions.sort(key=lambda p: p.address)
    system_start = max(flash_size - SYSTEM_PARAMETER_SIZE, 0)
    first = regions[0].address if regions else system_start
    parts = [Partition("firmware", 0, first)] if first else []
    position = first
    for region in regions:
        if region.address > position:
            parts.append(Partition("free", position, region.address - position))
        parts.append(region)
        position = max(position, region.address + region.size)
    if system_start > position:
        parts.append(Partition("free", position, system_start - position))
    if flash_size > system_start:
        parts.append(Partition("system", system_start, flash_size - system_start))
    return PartitionView(flash_size, tuple(parts), image_size, lfs_size)


def flash_bar(view: PartitionView, width: int) -> list[tuple[str, int]]:
    """(partition name, cells) for a bar `width` cells wide; every partition gets at least one cell."""
    parts = [p for p in view.partitions if p.size > 0]
    if not parts or width <= 0 or view.flash_size <= 0:
        return []
    cells = [max(1, round(p.size * width / view.flash_size)) for p in parts]
    # give or take the rounding difference from the largest part
    largest = max(range(len(parts)), key=lambda i: cells[i])
    cells[largest] = max(1, cells[largest] + width - sum(cells))
    return [(p.name, c) for p, c in zip(parts, cells)]


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.2f} MiB"
