"""Coalesces the node's console text into at most one REPL event every few tens of milliseconds, dropping the middle of runaway output."""

from __future__ import annotations

import threading
from typing import Callable

INTERVAL = 0.04
MAX_CHARS_PER_EVENT = 16000


class OutputPump:
    def __init__(self, emit: Callable[[str], None], interval: float = INTERVAL):
        self._emit = emit
        self._interval = interval
        self._parts: list[str] = []
        self._size = 0
        self._skipped = 0
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="espconsole-output", daemon=True)
        self._thread.start()

    def put(self, text: str) -> None:
        if not text:
            return
        with self._cond:
            if self._size + len(text) > MAX_CHARS_PER_EVENT:
                self._skipped += len(text)        # the UI could not keep up with this anyway
            else:
                self._parts.append(text)
                self._size += len(text)
            self._cond.notify()

    def drop(self) -> None:
        """Forget what has not been shown yet (the user interrupted the output)."""
        with self._cond:
            self._parts, self._size, self._skipped = [], 0, 0

    def flush(self) -> None:
        with self._cond:
            parts, skipped = self._parts, self._skipped
            self._parts, self._size, self._skipped = [], 0, 0
        text = "".join(parts)
        if skipped:
            text += f"\n[… {skipped} characters of output skipped …]\n"
        if text:
            self._emit(text)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._parts or self._skipped or self._stop)
                if self._stop:
                    return
            self._cond_sleep()
            self.flush()

    def _cond_sleep(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._stop, self._interval)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(5)
        self.flush()
