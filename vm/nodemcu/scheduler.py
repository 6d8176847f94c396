"""The board's event loop: three task priorities, SDK software timers and the clock; counterpart of app/platform/platform.c's task queues (with the SDK's os_timer and the NodeMCU task API of app/modules/node.c).

Model (spec §5): one Lua thread, run-to-completion work items.  `post(priority, fn)` queues a
task (FIFO within a priority, HIGH first).  Timers are (due time, callback) pairs that fire only
between tasks.  `next_work()` hands the caller the next thing to run — a due timer or the oldest
task of the highest priority — so the board decides how to run it (watchdog, error reporting).

Time comes from a `Clock`: `RealClock` follows the host's monotonic clock (the threaded board),
`ManualClock` only moves when told to (deterministic tests; `tmr.delay` moves it too).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from typing import Callable

LOW, MEDIUM, HIGH = 0, 1, 2
USER_QUEUE_LENGTH = 8            # TASK_DEFAULT_QUEUE_LEN: pending node.task.post items per priority


class RealClock:
    """Seconds since the last `restart()` on the host's monotonic clock."""

    def __init__(self):
        self.origin = time.monotonic()

    def restart(self) -> None:
        self.origin = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.origin

    def busy_wait(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that stands still unless `advance()` (or a busy wait) moves it."""

    def __init__(self):
        self.value = 0.0

    def restart(self) -> None:
        self.value = 0.0

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += max(0.0, seconds)

    def busy_wait(self, seconds: float) -> None:
        self.advance(seconds)


class Timer:
    """One armed SDK timer; `cancelled` timers are skipped when they come due."""

    __slots__ = ("due", "callback", "cancelled", "seq")

    def __init__(self, due: float, callback: Callable[[], None], seq: int):
        self.due = due
        self.callback = callback
        self.cancelled = False
        self.seq = seq

    def __lt__(self, other: "Timer") -> bool:
        return (self.due, self.seq) < (other.due, other.seq)


class QueueFull(Exception):
    """A user task did not fit into its priority's queue."""


class Scheduler:
    """Task queues and timers of one boot of the board."""

    def __init__(self, clock):
        self.clock = clock
        self.queues: tuple[deque, deque, deque] = (deque(), deque(), deque())
        self.user_pending = [0, 0, 0]
        self.timers: list[Timer] = []
        self._seq = itertools.count()

    def clear(self) -> None:
        for queue in self.queues:
            queue.clear()
        self.user_pending = [0, 0, 0]
        self.timers.clear()

    # -- tasks ---------------------------------------------------------------------------------

    def post(self, priority: int, fn: Callable[[], None], user: bool = False) -> None:
        """Queue `fn` at `priority`; a `user` post (node.task.post) obeys the 8-slot limit."""
        if user:
            if self.user_pending[priority] >= USER_QUEUE_LENGTH:
                raise QueueFull()
            self.user_pending[priority] += 1
        self.queues[priority].append((fn, user))

    def has_tasks(self) -> bool:
        return any(self.queues)

    # -- timers --------------------------------------------------------------------------------

    def arm(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.clock.now() + max(0.0, delay), callback, next(self._seq))
        heapq.heappush(self.timers, timer)
        return timer

    def next_due(self) -> float | None:
        """Clock time of the earliest live timer, or None."""
        while self.timers and self.timers[0].cancelled:
            heapq.heappop(self.timers)
        return self.timers[0].due if self.timers else None

    # -- dispatch ------------------------------------------------------------------------------

    def next_work(self) -> Callable[[], None] | None:
        """The next item to run: a due timer first (timers run between tasks), then the oldest
        task of the highest non-empty priority; None when nothing is ready."""
        due = self.next_due()
        if due is not None and due <= self.clock.now():
            timer = heapq.heappop(self.timers)
            timer.cancelled = True
            return timer.callback
        for priority in (HIGH, MEDIUM, LOW):
            queue = self.queues[priority]
            if queue:
                fn, user = queue.popleft()
                if user:
                    self.user_pending[priority] -= 1
                return fn
        return None
