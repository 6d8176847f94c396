"""Turns the node's console bytes into the text the REPL pane shows: incremental UTF-8, CR LF as LF, boot noise as a marker, output that arrives at a prompt on its own line, and where the prompt is.

The firmware writes CR LF line ends and prompts "> " / ">> " (continuation) at the start of a
line. The stream keeps the prompt in the text, as a terminal would, and tells whether the
node is now waiting at a prompt, so the session can track "ready" and "busy".

Two things a terminal would show badly are changed:

* a line that is mostly not text (the ROM's 74880-baud boot message read at 115200, noise on
  the wire) becomes one dim "[boot noise]" marker; consecutive noise lines and the blank lines
  between them share one marker;
* text that arrives while the node waits at a prompt and is not the echo of a line the user
  typed (a timer's print, say) starts a line of its own instead of trailing the prompt.
"""

from __future__ import annotations

import codecs
import re
import threading
from collections import deque

PROMPTS = ("> ", ">> ")
NOISE_MARKER = "[boot noise]"
MAX_PENDING_ECHOES = 32
# C0 controls other than tab and line feed are not shown; nor are the replacement character
# (bytes that are not UTF-8) and DEL.
_UNPRINTABLE = {code: None for code in range(32) if code not in (9, 10)}
_UNPRINTABLE[0x7F] = None
_UNPRINTABLE[0xFFFD] = None
# What makes a line noise: controls other than tab, CR, backspace, and undecodable bytes.
_BAD = re.compile("[\x00-\x07\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_STRAY_TAIL = re.compile(r"(?<=[^\w\s])\w{1,2}$|^\w{1,2}$")


def is_noise(piece: str) -> bool:
    bad = len(_BAD.findall(piece))
    return bad >= 4 and bad * 8 >= len(piece)


class ReplStream:
    """Fed from the link's thread, told about typed lines and reset from the session's: locked."""

    def __init__(self):
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending_cr = False
        self._line = ""               # text shown since the last line end (for prompt detection)
        self._noisy_line = False      # the rest of the current line is noise (already marked)
        self._noise_run = False       # the latest line was noise: more noise joins its marker
        self._echoes: deque[str] = deque(maxlen=MAX_PENDING_ECHOES)   # typed, echo not seen

    def feed(self, data: bytes) -> tuple[str, str | None]:
        """(text to append, prompt now waiting or None) for the received bytes."""
        with self._lock:
            return self._feed(data)

    def _feed(self, data: bytes) -> tuple[str, str | None]:
        text = self._decoder.decode(data)
        if self._pending_cr:
            text = "\r" + text
            self._pending_cr = False
        if text.endswith("\r"):
            text, self._pending_cr = text[:-1], True
        text = text.replace("\r\n", "\n").replace("\n\r", "\n")
        out: list[str] = []
        for index, piece in enumerate(text.split("\n")):
            if index:
                self._end_line(out)
            if piece:
                self._add(piece, out)
        return "".join(out), self.at_prompt

    def typed(self, line: str) -> None:
        """The user sent `line`: its echo will follow a prompt and belongs on the prompt's line."""
        if line.strip():
            with self._lock:
                self._echoes.append(line)

    def note(self, message: str) -> str:
        """Text for a line of the console's own (not the node's) in the pane, e.g. "[connected
        ...]": on a line of its own, the stream's line state advanced past it."""
        with self._lock:
            text = ("\n" if self._line else "") + f"[{message}]\n"
            self._line = ""
            self._noisy_line = self._noise_run = False
            return text

    @property
    def at_prompt(self) -> str | None:
        return self._line if self._line in PROMPTS else None

    def reset(self) -> None:
        with self._lock:
            self._clear()

    # -- lines ------------------------------------------------------------------------------------

    def _add(self, piece: str, out: list[str]) -> None:
        if self._noisy_line:
            return
        if not is_noise(piece):
            self._show(piece.translate(_UNPRINTABLE), out)
            return
        first_bad = _BAD.search(piece).start()
        # the noise's first characters may decode as letters: drop a short word stuck to it
        clean = _STRAY_TAIL.sub("", piece[:first_bad]).translate(_UNPRINTABLE)
        if len(clean) >= 4:                  # readable text the noise interrupted
            self._show(clean, out)
        if not self._noise_run:
            out.append(("\n" if self._line else "") + NOISE_MARKER)
            self._line = NOISE_MARKER
        self._noisy_line = True

    def _show(self, text: str, out: list[str]) -> None:
        if not text:
            return
        if self._line in PROMPTS and text not in PROMPTS and not self._is_echo(text):
            out.append("\n")                 # output nobody typed for: not on the prompt's line
            self._line = ""
        self._noise_run = False
        out.append(text)
        self._line += text

    def _is_echo(self, text: str) -> bool:
        for position, line in enumerate(self._echoes):
            if line.startswith(text) or text.startswith(line):
                for _ in range(position + 1):
                    self._echoes.popleft()
                return True
        return False

    def _end_line(self, out: list[str]) -> None:
        if self._noisy_line:
            self._noisy_line = False
            if self._line == NOISE_MARKER:
                out.append("\n")
                self._noise_run = True
            self._line = ""
            return
        if self._noise_run and not self._line:
            return                           # blank lines inside the noise
        out.append("\n")
        self._line = ""
        self._noise_run = False
