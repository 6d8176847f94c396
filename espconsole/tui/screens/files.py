"""The file screen: the node's SPIFFS files with download, remove, rename and upload."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from espconsole.session import Session
from espconsole.session.events import FilesChanged
from espconsole.session.views import human_size
from espconsole.tui.screens.dialogs import Confirm, TextPrompt


class FileScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("d", "download", "Download"),
        Binding("r", "remove", "Remove"),
        Binding("n", "rename", "Rename"),
        Binding("u", "upload", "Upload"),
        Binding("g", "refresh", "Refresh"),
    ]

    def __init__(self, session: Session):
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("SPIFFS files on the node", classes="dialog-title")
            table = DataTable(id="file-table", cursor_type="row", zebra_stripes=True)
            table.add_column("file", key="file")
            table.add_column("size", key="size")
            yield table
            yield Label("", id="file-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_refresh()

    def show(self, event: FilesChanged) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for entry in event.files:
            table.add_row(entry.name, human_size(entry.size), key=entry.name)
        summary = f"{len(event.files)} files"
        if event.total:
            summary += f", {human_size(event.used)} used of {human_size(event.total)}"
        self.query_one("#file-summary", Label).update(summary)

    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @work(exclusive=True, group="files")
    async def action_refresh(self) -> None:
        await self._wait(self.session.list_files())

    @work(group="files-action")
    async def action_download(self) -> None:
        name = self.selected()
        if name is None:
            return
        dest = await self.app.push_screen_wait(
            TextPrompt(f"Download {name} to", str(self.session.root / Path(name).name)))
        if dest:
            path = await self._wait(self.session.download_file(name, Path(dest)))
            if path is not None:
                self.notify(f"downloaded {name} to {path}")

    @work(group="files-action")
    async def action_remove(self) -> None:
        name = self.selected()
        if name and await self.app.push_screen_wait(Confirm(f"Remove {name} from the node?",
                                                            "Remove")):
            await self._wait(self.session.remove_file(name))
            await self._wait(self.session.list_files())

    @work(group="files-action")
    async def action_rename(self) -> None:
        name = self.selected()
        if name is None:
            return
        new = await self.app.push_screen_wait(TextPrompt(f"Rename {name} to", name))
        if new and new != name:
            await self._wait(self.session.rename_file(name, new))
            await self._wait(self.session.list_files())

    @work(group="files-action")
    async def action_upload(self) -> None:
        path = await self.app.push_screen_wait(
            TextPrompt("Upload a file (path on this computer)", str(self.session.root) + "/"))
        if path:
            await self._wait(self.session.upload_file(Path(path)))
            await self._wait(self.session.list_files())

    def action_close(self) -> None:
        self.dismiss(None)

    async def _wait(self, future):
        try:
            return await asyncio.wrap_future(future)
        except Exception as exc:             # the session reports the error as a notice too
            self.notify(str(exc), severity="error")
            return None
