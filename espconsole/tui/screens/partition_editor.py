"""The partition table editor: LFS and SPIFFS sizes, applied after a confirmation (the node reboots)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from espconsole.session import parse_size
from espconsole.session.events import PartitionView


class PartitionEditor(ModalScreen[dict | None]):
    """Returns {"lfs_size": n, "spiffs_size": m} (bytes) or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, view: PartitionView | None):
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        lfs = self.view.find("LFS") if self.view else None
        fs = self.view.find("SPIFFS") if self.view else None
        with Vertical(classes="dialog"):
            yield Label("Partition table", classes="dialog-title")
            yield Label("LFS size (bytes, 0x…, or 64K)")
            yield Input(f"0x{lfs.size:x}" if lfs else "0x20000", id="lfs-size")
            now = f"; now 0x{fs.size:x}" if fs else ""
            yield Label(f"SPIFFS size (0 = the rest of the flash{now})")
            yield Input("0", id="spiffs-size")
            yield Label("", id="partition-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="warning", id="apply")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._apply()

    def on_input_submitted(self) -> None:
        self._apply()

    def _apply(self) -> None:
        try:
            lfs = parse_size(self.query_one("#lfs-size", Input).value)
            spiffs = parse_size(self.query_one("#spiffs-size", Input).value)
        except ValueError as exc:
            self.query_one("#partition-error", Label).update(str(exc))
            return
        self.dismiss({"lfs_size": lfs, "spiffs_size": spiffs})

    def action_cancel(self) -> None:
        self.dismiss(None)
