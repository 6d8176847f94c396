"""The LFS module pane: each module's name, size and state (on node, changed, build error, new)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from espconsole.session.events import ModuleRow, ModuleState
from espconsole.session.views import human_size

STATE_STYLES = {ModuleState.ON_NODE: "green", ModuleState.CHANGED: "yellow",
                ModuleState.BUILD_ERROR: "bold red", ModuleState.NEW: "cyan",
                ModuleState.NODE_ONLY: "#7f848e"}


class ModuleTable(DataTable):
    DEFAULT_CSS = "ModuleTable { height: 1fr; }"

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.rows_shown: tuple[ModuleRow, ...] = ()

    def on_mount(self) -> None:
        self.add_column("module", key="module")
        self.add_column("size", key="size")
        self.add_column("state", key="state")

    def show(self, rows: tuple[ModuleRow, ...]) -> None:
        self.rows_shown = rows
        self.clear()
        for row in rows:
            self.add_row(row.name, human_size(row.size),
                         Text(row.state.value, style=STATE_STYLES[row.state]), key=row.name)

    def state_of(self, name: str) -> ModuleState | None:
        return next((row.state for row in self.rows_shown if row.name == name), None)
