"""Turns a burst of file events into one batch: due once the project has been quiet for a moment (pure; the caller supplies the clock).

An editor's save is several events (write a temporary file, rename it over the original,
touch metadata; vim also probes with a file named 4913), and "save all" touches several files.
All of them should give one rebuild. A batch is due `quiet` seconds after its latest event,
but never later than `longest` seconds after its first one, so a file that keeps changing
(a generator writing it in a loop) still gets built.
"""

from __future__ import annotations

from espconsole.watch.rules import Change, ChangeBatch

QUIET_SECONDS = 0.12
LONGEST_SECONDS = 1.0


class Debouncer:
    def __init__(self, quiet: float = QUIET_SECONDS, longest: float = LONGEST_SECONDS):
        self.quiet = quiet
        self.longest = longest
        self._batch = ChangeBatch()
        self._first: float | None = None
        self._latest: float | None = None

    def add(self, change: Change, now: float) -> None:
        if self._first is None:
            self._first = now
        self._latest = now
        self._batch.add(change)

    @property
    def pending(self) -> bool:
        return bool(self._batch)

    def deadline(self) -> float | None:
        """When the pending batch becomes due; None when nothing is pending."""
        if self._first is None:
            return None
        return min(self._latest + self.quiet, self._first + self.longest)

    def take(self, now: float) -> ChangeBatch | None:
        """The batch if it is due at `now` (and start a new one), else None."""
        due = self.deadline()
        if due is None or now < due:
            return None
        batch, self._batch = self._batch, ChangeBatch()
        self._first = self._latest = None
        return batch
