"""The console app: lays out the panes, forwards session events to them and user actions to the session."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, ProgressBar

from espconsole.session import Session
from espconsole.session import events as ev
from espconsole.tui.messages import SessionEvent
from espconsole.tui.screens.dialogs import Confirm, TextPrompt
from espconsole.tui.screens.files import FileScreen
from espconsole.tui.screens.partition_editor import PartitionEditor
from espconsole.tui.widgets.modules import ModuleTable
from espconsole.tui.widgets.partitions import PartitionPane
from espconsole.tui.widgets.repl import ReplInput, ReplPane
from espconsole.tui.widgets.status import BuildStatusLine, StatusHeader

# (key, action, footer label, command palette title, help)
ACTIONS = [
    ("f5", "build", "Build", "Build", "Rebuild the LFS image from the project"),
    ("f6", "deploy", "Deploy", "Deploy", "Upload the LFS image and reload it on the node"),
    ("f7", "restart", "Restart", "Restart node", "Reset the node and wait for its prompt"),
    ("f3", "upload", "Upload", "Upload file", "Upload a file to the node's SPIFFS"),
    ("f2", "files", "Files", "Files", "List, download, remove and rename SPIFFS files"),
    ("f4", "partitions", "Partitions", "Edit partition table",
     "Set the LFS and SPIFFS sizes (the node reboots)"),
    ("f8", "switch_port", "Port", "Switch port", "Connect to another serial port or `emu`"),
    ("f9", "toggle_auto_deploy", "Auto", "Toggle auto-deploy",
     "Deploy automatically after each successful rebuild"),
    ("ctrl+l", "clear_repl", "Clear", "Clear REPL", "Clear the REPL scrollback"),
]


class ConsoleApp(App):
    CSS_PATH = "console.tcss"
    TITLE = "espconsole"
    BINDINGS = [Binding(key, action, label, priority=True) for key, action, label, _, _ in ACTIONS] + [
        Binding("ctrl+c", "interrupt", "Interrupt", priority=True, show=False),
    ]

    def __init__(self, session: Session, *, start_session: bool = True):
        super().__init__()
        self.session = session
        self.start_session = start_session
        self._progress_task: str | None = None

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.session.project_name, id="header")
        with Horizontal(id="main"):
            with Vertical(id="repl-column"):
                yield ReplPane(id="repl")
            with Vertical(id="side-column"):
                yield Label("Partitions", classes="pane-title")
                yield PartitionPane(id="partitions")
                yield Label("LFS modules", classes="pane-title")
                yield ModuleTable(id="modules")
        yield BuildStatusLine(id="build-status")
        with Horizontal(id="progress-row"):
            yield Label("", id="progress-label")
            yield ProgressBar(id="progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#progress-row").display = False
        self.query_one(ReplInput).focus()
        self.session.subscribe(self._from_session)
        if self.start_session:
            self.session.start()

    async def on_unmount(self) -> None:
        self.session.unsubscribe(self._from_session)

    def _from_session(self, event: ev.Event) -> None:
        # called on the session's threads; post_message is thread-safe
        self.post_message(SessionEvent(event))

    # -- session events -------------------------------------------------------------------------

    @on(SessionEvent)
    def _session_event(self, message: SessionEvent) -> None:
        event = message.event
        if isinstance(event, ev.ReplOutput):
            self.query_one(ReplPane).write(event.text)
        elif isinstance(event, ev.PromptChanged):
            self.query_one(ReplPane).set_prompt(event.prompt)
        elif isinstance(event, ev.StatusChanged):
            self.query_one(StatusHeader).show(event)
        elif isinstance(event, ev.ModulesChanged):
            self.query_one(ModuleTable).show(event.rows)
        elif isinstance(event, ev.PartitionsChanged):
            self.query_one(PartitionPane).show(event.view)
        elif isinstance(event, ev.BuildStarted):
            self.query_one(BuildStatusLine).building()
        elif isinstance(event, ev.BuildFinished):
            self.query_one(BuildStatusLine).show(event.status)
        elif isinstance(event, ev.Progress):
            self._show_progress(event)
        elif isinstance(event, ev.Notice):
            self.notify(event.message, severity=event.severity,
                        timeout=8 if event.severity == "error" else 4)
        elif isinstance(event, ev.FilesChanged):
            for screen in self.screen_stack:
                if isinstance(screen, FileScreen):
                    screen.show(event)

    def _show_progress(self, event: ev.Progress) -> None:
        row = self.query_one("#progress-row")
        if event.finished:
            if self._progress_task == event.task:
                row.display = False
                self._progress_task = None
            return
        self._progress_task = event.task
        row.display = True
        self.query_one("#progress-label", Label).update(event.task)
        self.query_one(ProgressBar).update(total=max(event.total, 1), progress=event.done)

    # -- REPL -----------------------------------------------------------------------------------

    @on(ReplInput.Lines)
    def _send_lines(self, message: ReplInput.Lines) -> None:
        for line in message.lines:
            self.session.send_line(line)

    def action_interrupt(self) -> None:
        self.session.interrupt()

    def action_clear_repl(self) -> None:
        self.query_one(ReplPane).clear()

    # -- actions --------------------------------------------------------------------------------

    def action_build(self) -> None:
        self._report(self.session.build())

    def action_deploy(self) -> None:
        self._report(self.session.deploy())

    def action_restart(self) -> None:
        self._report(self.session.restart())

    def action_toggle_auto_deploy(self) -> None:
        on_now = self.session.set_auto_deploy(not self.session.auto_deploy)
        self.notify(f"auto-deploy {'on' if on_now else 'off'}")

    def action_files(self) -> None:
        if not isinstance(self.screen, FileScreen):
            self.push_screen(FileScreen(self.session))

    @work(group="dialogs")
    async def action_upload(self) -> None:
        path = await self.push_screen_wait(
            TextPrompt("Upload a file to the node (path on this computer)",
                       str(self.session.root) + "/"))
        if path:
            self._report(self.session.upload_file(Path(path)))

    @work(group="dialogs")
    async def action_partitions(self) -> None:
        sizes = await self.push_screen_wait(PartitionEditor(self.session.partition_view))
        if sizes is None:
            return
        question = (f"Write the partition table (LFS {sizes['lfs_size']:#x}, SPIFFS "
                    f"{sizes['spiffs_size'] or 'rest of flash'})? The node reboots; a moved "
                    f"SPIFFS is formatted.")
        if await self.push_screen_wait(Confirm(question, "Write")):
            self._report(self.session.set_partition_table(**sizes))

    @work(group="dialogs")
    async def action_switch_port(self) -> None:
        port = await self.push_screen_wait(
            TextPrompt("Port (serial device, COMn, socket://host:port or emu)",
                       self.session.port))
        if port:
            self._report(self.session.switch_port(port))

    def _report(self, future) -> None:
        """Errors are reported by the session as notices; here only keep the loop free."""
        async def wait() -> None:
            try:
                await asyncio.wrap_future(future)
            except Exception:
                pass
        self.run_worker(wait(), group="session-actions")

    # -- command palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, action, _, title, help_text in ACTIONS:
            yield SystemCommand(f"{title} ({key})", help_text, getattr(self, f"action_{action}"))

    async def action_quit(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.session.close)
        self.exit()
