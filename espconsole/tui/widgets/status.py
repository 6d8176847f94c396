"""The header line (project, link, node state, free heap, auto-deploy) and the build status line."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from espconsole.session.events import BuildStatus, NodeState, StatusChanged
from espconsole.session.views import human_size

STATE_STYLES = {NodeState.READY: "bold green", NodeState.BUSY: "bold yellow",
                NodeState.BOOTING: "bold cyan", NodeState.CONNECTING: "cyan",
                NodeState.DISCONNECTED: "bold red"}


class StatusHeader(Static):
    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $primary-background; color: $text; padding: 0 1; }
    """

    def __init__(self, project: str, **kwargs):
        super().__init__(**kwargs)
        self.project = project
        self.status: StatusChanged | None = None

    def on_mount(self) -> None:
        self.show(self.status)

    def show(self, status: StatusChanged | None) -> None:
        self.status = status
        text = Text.assemble(("espconsole ", "bold"), (self.project, "bold #61afef"))
        if status is not None:
            text.append("  link ")
            text.append(status.link, "bold")
            text.append("  node ")
            text.append(status.state.value, STATE_STYLES.get(status.state, ""))
            text.append("  heap ")
            text.append(f"{status.heap}" if status.heap is not None else "—", "bold")
            text.append("  auto-deploy ")
            text.append("on" if status.auto_deploy else "off",
                        "bold green" if status.auto_deploy else "bold #7f848e")
            if status.message:
                text.append(f"  {status.message}", "italic #7f848e")
        self.update(text)


class BuildStatusLine(Static):
    """`build ✓ 12:00:01 4 modules 3.1 KiB in 15 ms`, or the errors as `file:line: message`."""

    DEFAULT_CSS = """
    BuildStatusLine { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    BuildStatusLine.-failed { background: $error 20%; }
    """

    def __init__(self, **kwargs):
        super().__init__("build: not yet", **kwargs)
        self.status: BuildStatus | None = None

    def building(self) -> None:
        self.update(Text.assemble(("build ", "bold"), ("… building", "italic")))

    def show(self, status: BuildStatus) -> None:
        self.status = status
        when = time.strftime("%H:%M:%S", time.localtime(status.when))
        text = Text.assemble(("build ", "bold"))
        if status.ok:
            text.append("✓ ok", "bold green")
            text.append(f"  {when}  {len(status.compiled)} compiled  "
                        f"image {human_size(status.image_size)}  {status.seconds * 1000:.0f} ms")
        else:
            count = len(status.problems)
            text.append(f"✗ failed ({count} error{'s' if count != 1 else ''})", "bold red")
            text.append(f"  {when}  node keeps its last good image")
            for problem in status.problems[:5]:
                text.append("\n" + problem, "#e06c75")
        self.set_class(not status.ok, "-failed")
        self.update(text)
