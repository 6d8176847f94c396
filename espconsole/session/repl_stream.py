"""Reads the node's console bytes as the REPL pane shows them: incremental UTF-8, CR LF as LF, and where the prompt is.

The firmware writes CR LF line ends and prompts "> " / ">> " (continuation) at the start of a
line. The stream keeps the prompt in the text, as a terminal would, and tells whether the
node is now waiting at a prompt, so the session can track "ready" and "busy".
"""

from __future__ import annotations

import codecs

PROMPTS = ("> ", ">> ")
# C0 controls other than tab and line feed, and the replacement character that stands for bytes
# that are not UTF-8 (the ROM's 74880-baud boot message, noise on the line) are not shown.
_UNPRINTABLE = {code: None for code in range(32) if code not in (9, 10)}
_UNPRINTABLE[0x7F] = None
_UNPRINTABLE[0xFFFD] = None


class ReplStream:
    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending_cr = False
        self._line = ""               # text since the last line end (for prompt detection)

    def feed(self, data: bytes) -> tuple[str, str | None]:
        """(text to append, prompt now waiting or None) for the received bytes."""
        text = self._decoder.decode(data)
        if self._pending_cr:
            text = "\r" + text
            self._pending_cr = False
        if text.endswith("\r"):
            text, self._pending_cr = text[:-1], True
        text = text.replace("\r\n", "\n").replace("\n\r", "\n").translate(_UNPRINTABLE)
        # characters erased by the node's echo of a backspace are left as they are
        last_break = text.rfind("\n")
        self._line = text[last_break + 1:] if last_break >= 0 else self._line + text
        prompt = self._line if self._line in PROMPTS else None
        return text, prompt

    @property
    def at_prompt(self) -> str | None:
        return self._line if self._line in PROMPTS else None

    def reset(self) -> None:
        self.__init__()
