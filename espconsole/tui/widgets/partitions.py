"""The partition pane: the node's partition table, a flash map bar and the LFS image size against the LFS capacity."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from espconsole.session.events import PartitionView
from espconsole.session.views import flash_bar, human_size

COLOURS = {"firmware": "#c678dd", "LFS": "#61afef", "SPIFFS": "#98c379", "free": "#3e4451",
           "system": "#e5c07b"}


class _ViewWidget(Static):
    """A widget drawn from the node's current PartitionView (set with `show`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.view: PartitionView | None = None

    def show(self, view: PartitionView | None) -> None:
        self.view = view
        self.refresh()


class FlashBar(_ViewWidget):
    """One row of coloured cells, each partition in proportion to its size, with a legend."""

    DEFAULT_CSS = "FlashBar { height: 2; }"

    def render(self) -> Text:
        if self.view is None:
            return Text("flash map: waiting for the node", style="italic #7f848e")
        width = max(self.size.width, 10)
        bar = Text()
        for name, cells in flash_bar(self.view, width):
            bar.append("█" * cells, COLOURS.get(name, "white"))
        bar.append("\n")
        for name in ("firmware", "LFS", "SPIFFS", "free"):
            if self.view.find(name):
                bar.append("■ ", COLOURS[name])
                bar.append(f"{name}  ")
        return bar


class LfsUsage(_ViewWidget):
    """`LFS image 3.2 KiB / 128.0 KiB ███░░░░ 2%`."""

    DEFAULT_CSS = "LfsUsage { height: 1; }"


    def render(self) -> Text:
        view = self.view
        if view is None or not view.lfs_capacity:
            return Text("LFS image: no LFS partition" if view else "LFS image: —",
                        style="#7f848e")
        used = view.lfs_image_size or 0
        share = used / view.lfs_capacity
        label = f"LFS {human_size(view.lfs_image_size)} / {human_size(view.lfs_capacity)} "
        width = max(self.size.width - len(label) - 5, 4)
        filled = min(width, round(share * width))
        style = "bold red" if share > 1 else "#61afef"
        return Text.assemble(label, ("█" * filled, style), ("░" * (width - filled), "#3e4451"),
                             f" {share:4.0%}")


class PartitionPane(Vertical):
    DEFAULT_CSS = """
    PartitionPane { height: auto; }
    PartitionPane DataTable { height: auto; max-height: 8; }
    """

    def compose(self) -> ComposeResult:
        table = DataTable(id="partition-table", cursor_type="none", zebra_stripes=True)
        table.can_focus = False
        table.add_columns("partition", "address", "size")
        yield table
        yield FlashBar(id="flash-bar")
        yield LfsUsage(id="lfs-usage")

    def show(self, view: PartitionView) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for part in view.partitions:
            table.add_row(Text(part.name, style=COLOURS.get(part.name, "")),
                          f"0x{part.address:06x}", human_size(part.size))
        self.query_one(FlashBar).show(view)
        self.query_one(LfsUsage).show(view)
