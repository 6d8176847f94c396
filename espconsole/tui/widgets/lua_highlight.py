"""Lua 5.1 syntax colours for the REPL input and for echoed lines in the scrollback (a rich Highlighter)."""

from __future__ import annotations

import re

from rich.highlighter import Highlighter
from rich.text import Text

KEYWORDS = ("and break do else elseif end false for function if in local nil not or repeat "
            "return then true until while").split()
LIBRARIES = ("node file tmr gpio uart wifi net bit sjson encoder string table math coroutine "
             "debug print require pairs ipairs tostring tonumber type pcall error").split()

_TOKEN = re.compile(r"""
    (?P<comment>--\[(?P<eq1>=*)\[.*?\](?P=eq1)\]|--[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|\[(?P<eq2>=*)\[.*?(?:\](?P=eq2)\]|$))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE | re.DOTALL)

STYLES = {"comment": "italic #7f848e", "string": "#98c379", "number": "#d19a66",
          "keyword": "bold #c678dd", "library": "#61afef"}
PROMPT_STYLE = "bold #e5c07b"
ERROR_STYLE = "bold #e06c75"
NOTE_STYLE = "dim italic"


def highlight_lua(text: Text, start: int = 0) -> None:
    """Colour the Lua tokens of `text.plain[start:]` in place."""
    plain = text.plain
    for match in _TOKEN.finditer(plain, start):
        kind = match.lastgroup
        if kind in ("eq1", "eq2"):
            kind = "comment" if match.group("comment") else "string"
        if kind == "name":
            word = match.group("name")
            kind = "keyword" if word in KEYWORDS else "library" if word in LIBRARIES else None
        if kind:
            text.stylize(STYLES[kind], match.start(), match.end())


class LuaHighlighter(Highlighter):
    """For the input line: everything is Lua."""

    def highlight(self, text: Text) -> None:
        highlight_lua(text)


class ConsoleHighlighter(Highlighter):
    """For the scrollback: echoed input after a prompt is Lua, error lines are red, the console's
    bracketed notes are dim, output is plain."""

    def highlight(self, text: Text) -> None:
        plain = text.plain
        if plain.startswith("[") and plain.endswith("]"):
            text.stylize(NOTE_STYLE)          # the console's own notes: "[boot noise]", ...
            return
        for prompt in (">> ", "> "):
            if plain.startswith(prompt):
                text.stylize(PROMPT_STYLE, 0, len(prompt) - 1)
                highlight_lua(text, len(prompt))
                return
        if plain.startswith(("Lua error:", "stdin:", "PANIC", "LFS ", "Partition ")) \
                or "error" in plain[:40].lower():
            text.stylize(ERROR_STYLE if "rror" in plain or "PANIC" in plain else "#e5c07b")
