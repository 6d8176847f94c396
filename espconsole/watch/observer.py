"""Glue between watchdog and the debouncer: one observer thread on the project folder, one timer thread that hands due batches to a callback."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from espconsole.watch.debounce import Debouncer
from espconsole.watch.rules import ChangeBatch, ProjectRules

log = logging.getLogger(__name__)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "ProjectWatcher"):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        if event.event_type == "moved":
            # An atomic save renames a temporary file over the real one: the destination is
            # the change; the source only matters if it was itself a project file.
            self.watcher.notice(event.src_path, deleted=True)
            self.watcher.notice(event.dest_path)
        else:
            self.watcher.notice(event.src_path, deleted=event.event_type == "deleted")


class ProjectWatcher:
    """Watches `rules.root` recursively and calls `on_batch(batch)` from its own thread."""

    def __init__(self, rules: ProjectRules, on_batch: Callable[[ChangeBatch], None], *,
                 debouncer: Debouncer | None = None):
        self.rules = rules
        self.on_batch = on_batch
        self.debouncer = debouncer or Debouncer()
        self._lock = threading.Condition()
        self._observer = None
        self._thread: threading.Thread | None = None
        self._stop = False
        self.paused = False           # events are dropped while paused (e.g. the session writes)

    def start(self) -> "ProjectWatcher":
        self._observer = Observer()
        self._observer.schedule(_Handler(self), str(self.rules.root), recursive=True)
        self._observer.daemon = True
        self._observer.start()
        self._thread = threading.Thread(target=self._run, name="espconsole-watch", daemon=True)
        self._thread.start()
        return self

    def notice(self, path: str | bytes, deleted: bool = False) -> None:
        """One raw event (also the entry point for tests without a real observer)."""
        if isinstance(path, bytes):
            path = path.decode("utf-8", "surrogateescape")
        if self.paused:
            return
        change = self.rules.classify(path, deleted=deleted and not Path(path).exists())
        if change is None:
            return
        with self._lock:
            self.debouncer.add(change, time.monotonic())
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stop:
                    deadline = self.debouncer.deadline()
                    now = time.monotonic()
                    if deadline is not None and now >= deadline:
                        break
                    self._lock.wait(None if deadline is None else deadline - now)
                if self._stop:
                    return
                batch = self.debouncer.take(time.monotonic())
            if batch:
                try:
                    self.on_batch(batch)
                except Exception:
                    log.exception("watch callback failed")

    def close(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
