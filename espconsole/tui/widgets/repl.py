"""The REPL pane: scrollback of the node's console, the prompt and an input line with history and Lua colours."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Log

from espconsole.tui.widgets.lua_highlight import ConsoleHighlighter, LuaHighlighter

SCROLLBACK_LINES = 5000


class ReplInput(Input):
    """One line of Lua; Up/Down walk the history, a multi-line paste is sent line by line."""

    BINDINGS = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    class Lines(Message):
        """The user entered one or more lines (Enter, or a paste with line ends)."""

        def __init__(self, lines: list[str]):
            super().__init__()
            self.lines = lines

    def __init__(self, **kwargs):
        super().__init__(highlighter=LuaHighlighter(), placeholder="Lua", **kwargs)
        self.history: list[str] = []
        self._position = 0             # index into history; len(history) = the fresh line
        self._draft = ""

    def remember(self, line: str) -> None:
        if line.strip() and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._position = len(self.history)
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position = max(0, min(len(self.history), self._position + step))
        self.value = self._draft if self._position == len(self.history) else self.history[self._position]
        self.cursor_position = len(self.value)

    async def action_submit(self) -> None:
        line = self.value
        self.remember(line)
        self.value = ""
        self.post_message(self.Lines([line]))

    def _on_paste(self, event: events.Paste) -> None:
        lines = event.text.splitlines()
        if len(lines) <= 1:
            super()._on_paste(event)
            return
        event.stop()
        first = self.value + lines[0]
        self.value = ""
        for line in (first, *lines[1:]):
            self.remember(line)
        self.post_message(self.Lines([first, *lines[1:]]))


class ReplPane(Vertical):
    """Scrollback above, prompt and input below."""

    DEFAULT_CSS = """
    ReplPane Log { height: 1fr; background: $surface; overflow-x: hidden; }
    ReplPane #repl-line { height: 1; }
    ReplPane #prompt { width: auto; padding: 0 0 0 1; color: $warning; text-style: bold; }
    ReplPane ReplInput { border: none; height: 1; padding: 0 1 0 0; background: $surface; }
    ReplPane ReplInput:focus { border: none; background: $boost; }
    """

    def compose(self) -> ComposeResult:
        log = Log(max_lines=SCROLLBACK_LINES, highlight=True, id="scrollback")
        log.highlighter = ConsoleHighlighter()
        log.can_focus = False
        yield log
        with Horizontal(id="repl-line"):
            yield Label(">", id="prompt")
            yield ReplInput(id="repl-input")

    def write(self, text: str) -> None:
        self.query_one(Log).write(text)

    def clear(self) -> None:
        self.query_one(Log).clear()

    def set_prompt(self, prompt: str) -> None:
        self.query_one("#prompt", Label).update(prompt.rstrip() or ">")

    @property
    def text(self) -> str:
        return "\n".join(self.query_one(Log).lines)
