"""One worker thread that runs the session's node and build jobs in order, each with a Future for its result."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Callable

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, on_error: Callable[[str, BaseException], None]):
        self._queue: queue.Queue = queue.Queue()
        self._on_error = on_error
        self._thread = threading.Thread(target=self._run, name="espconsole-session", daemon=True)
        self._idle = threading.Condition()
        self._pending = 0
        self._thread.start()

    def submit(self, label: str, fn: Callable, *args) -> Future:
        future: Future = Future()
        with self._idle:
            self._pending += 1
        self._queue.put((label, fn, args, future))
        return future

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            label, fn, args, future = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:        # reported, and kept for whoever waits
                    future.set_exception(exc)
                    self._on_error(label, exc)
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def on_worker(self) -> bool:
        return threading.current_thread() is self._thread

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 10.0) -> None:
        while True:                         # drop what has not started
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[3].cancel()
                with self._idle:
                    self._pending -= 1
        self._queue.put(None)
        if not self.on_worker():
            self._thread.join(timeout)
