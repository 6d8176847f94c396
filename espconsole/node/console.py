"""The console view of a node's output: every received byte except the client's own protocol traffic, with a reboot's text let through as it happens.

A `NodeClient` feeds this filter from the link's reader thread (`feed`) and tells it, from the
thread running an operation, where in the byte stream each operation starts and ends and where
it wrote (`mark_start`, `mark_write`, `mark_end`).  Marks are byte offsets into the stream the
link received, so the filter cuts exactly, however late the link's listener calls come.

What the console gets:

* everything received outside operations (the user's echo, output, timers, a reboot the user
  typed);
* nothing of an operation's own exchange (command echo, records, ACKs, helper install), with
  one exception: once the node's boot banner shows up inside an operation (LFS reload,
  partition change, reset), the boot text from the reboot on is released, and what follows
  it too, up to the client's next write (its resynchronisation);
* not the REPL prompt the node prints right after an operation's last reply (the console
  already shows the prompt it had before the operation).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from typing import Callable

log = logging.getLogger(__name__)

ConsoleListener = Callable[[bytes], None]

BOOT_PATTERN = re.compile(rb"\nNodeMCU \d+\.\d+|powered by Lua \d")
RECORD_HEAD = re.compile(rb"\x02[A-Z][0-9a-f]{6}:(\d{1,7}):")
HELD_LIMIT = 8192                  # bytes of an operation kept to find where a reboot began
PROMPT = b"> "


class ConsoleFilter:
    def __init__(self):
        self._lock = threading.Lock()
        self._listeners: list[ConsoleListener] = []
        self._marks: deque[tuple[int, str, bytes]] = deque()   # (offset, kind, written bytes)
        self._offset = 0               # stream offset of the next byte fed
        self._hidden = False           # inside an operation
        self._booting = False          # inside an operation, but showing a reboot
        self._held = bytearray()       # the operation's bytes since its latest write
        self._written = b""            # that write
        self._settling = False         # just after an operation: its trailing prompt is due
        self._tail = bytearray()       # start of the post-operation bytes, while undecided
        self._shown = b""              # the last bytes given to the listeners

    # -- listeners ---------------------------------------------------------------------------------

    def add_listener(self, listener: ConsoleListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: ConsoleListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    # -- marks (the operation's thread) -----------------------------------------------------------

    def mark(self, kind: str, offset_now: Callable[[], int], data: bytes = b"") -> None:
        """Record `kind` ("start", "write", "end"; "prompt": the operation's sync cleared what
        the user left in the REPL, so the console shows a fresh prompt) at the stream offset
        `offset_now()`.

        The offset is taken under the filter's lock, so bytes the link delivers after it wait
        in `feed` until the mark is queued."""
        with self._lock:
            self._marks.append((offset_now(), kind, data))

    # -- bytes (the link's thread) ---------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        with self._lock:
            out = bytearray()
            position = 0
            while position < len(data):
                while self._marks and self._marks[0][0] <= self._offset:
                    self._apply(self._marks.popleft(), out)
                limit = len(data)
                if self._marks:
                    limit = min(limit, position + self._marks[0][0] - self._offset)
                self._take(data[position:limit], out)
                self._offset += limit - position
                position = limit
            while self._marks and self._marks[0][0] <= self._offset:
                self._apply(self._marks.popleft(), out)
            if out:
                self._shown = (self._shown + bytes(out[-3:]))[-3:]
            listeners = list(self._listeners) if out else []
        for listener in listeners:
            try:
                listener(bytes(out))
            except Exception:
                log.exception("console listener %r failed", listener)

    def _apply(self, mark: tuple[int, str, bytes], out: bytearray) -> None:
        _, kind, data = mark
        if kind == "start":
            self._release_tail(out)
            self._hidden, self._booting = True, False
            self._held.clear()
            self._written = b""
        elif kind == "write":
            self._booting = False
            self._held.clear()
            self._written = data
        elif kind == "prompt":
            # The REPL was brought back to a clean prompt; the console may still show `>> `.
            if (self._shown + bytes(out[-3:])).endswith(b">" + PROMPT):
                out += b"\r\n" + PROMPT
        elif kind == "end":
            self._hidden = self._booting = False
            self._held.clear()
            self._settling = True
            self._tail.clear()

    def _take(self, chunk: bytes, out: bytearray) -> None:
        if not chunk:
            return
        if self._booting:
            out += chunk
        elif self._hidden:
            before = len(self._held)
            self._held += chunk
            match = BOOT_PATTERN.search(self._held, max(0, before - 32))
            if match is not None:
                self._booting = True
                out += self._held[self._boot_start(match.start()):]
                self._held.clear()
            elif len(self._held) > HELD_LIMIT:
                del self._held[:len(self._held) - HELD_LIMIT]
        elif self._settling:
            self._tail += chunk
            if PROMPT.startswith(bytes(self._tail)):
                return                      # still possibly the operation's trailing prompt
            if self._tail.startswith(PROMPT):
                del self._tail[:len(PROMPT)]
            self._release_tail(out)
        else:
            out += chunk

    def _release_tail(self, out: bytearray) -> None:
        out += self._tail
        self._tail.clear()
        self._settling = False

    def _boot_start(self, banner: int) -> int:
        """Where the reboot's text begins in the held bytes: after the echo of the command that
        caused it, after the last record before the banner and its prompt.  (Looking for whole
        records, not a bare 0x03: the ROM's garbled 74880-baud text may contain any byte.)"""
        held = self._held
        start = 0
        line = self._written.split(b"\n", 1)[0].rstrip(b"\r")
        if line and held.startswith(line[:16]):
            end_of_echo = held.find(b"\n")
            start = end_of_echo + 1 if 0 <= end_of_echo < banner else start
        for record in RECORD_HEAD.finditer(held, start, banner):
            end = record.end() + int(record.group(1)) + 1
            if end <= banner and held[end - 1] == 0x03:
                start = max(start, end)
        if held.startswith(PROMPT, start):
            start += len(PROMPT)
        return start
