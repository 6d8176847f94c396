"""The Session: the one object the console UI talks to — it owns the link, the node operations, the builder and the watcher, runs them off the UI thread and reports through events."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from espconsole.errors import EspConsoleError
from espconsole.link import DEFAULT_BAUD, EMULATED_PORT, LinkState, LinkUnsupported
from espconsole.session import events as ev
from espconsole.session.connection import Connection, describe, open_connection
from espconsole.session.jobs import JobRunner
from espconsole.session.output_pump import OutputPump
from espconsole.session.project import ProjectState
from espconsole.session.repl_node import NodeInfo, ReplNode
from espconsole.session.repl_stream import ReplStream
from espconsole.session.views import partition_view
from espconsole.session.actions import SessionActions
from espconsole.watch import ProjectRules, ProjectWatcher

log = logging.getLogger(__name__)
Listener = Callable[[ev.Event], None]
HEAP_REFRESH_DELAY = 0.6
BACKLOG_LIMIT = 10000


class Session(SessionActions):
    """Console session on project `root`, talking to the node on `port` (`emu` by default)."""

    def __init__(self, root: str | Path = ".", port: str = EMULATED_PORT, baud: int = DEFAULT_BAUD,
                 *, watch: bool = True, paced: bool = True):
        self.root = Path(root).resolve()
        self.port, self.baud = port, baud
        self.watch, self.paced = watch, paced
        self.project = ProjectState(self.root)
        self.auto_deploy = self.project.config.console.auto_deploy
        self.node_state = ev.NodeState.CONNECTING
        self.heap: int | None = None
        self.info: NodeInfo | None = None
        self.partition_view: ev.PartitionView | None = None
        self.module_rows: tuple[ev.ModuleRow, ...] = ()
        self.prompt = "> "
        self._listeners: list[Listener] = []
        self._backlog: list[ev.Event] | None = []      # events before the first subscriber
        self._backlog_lock = threading.Lock()
        self._connection: Connection | None = None
        self._node: ReplNode | None = None
        self._watcher: ProjectWatcher | None = None
        self._stream = ReplStream()
        self._muted = threading.Event()
        self._last_input = 0.0
        self._heap_timer: threading.Timer | None = None
        self._closed = False
        self._jobs = JobRunner(self._job_failed)
        self._pump = OutputPump(lambda text: self._emit(ev.ReplOutput(text)))
        self.prompt_seen = threading.Event()

    # -- facts the UI may ask -------------------------------------------------------------------

    @property
    def project_name(self) -> str:
        return self.root.name

    @property
    def link_description(self) -> str:
        return describe(self.port, self.baud)

    @property
    def capabilities(self) -> frozenset[str]:
        """Features not every node has: `persistent_state` (the node's flash lives in the
        project folder), `hard_reset` (the link can pull EN low)."""
        if self.port == EMULATED_PORT:
            return frozenset({"persistent_state", "hard_reset"})
        return frozenset({"hard_reset"})

    @property
    def busy(self) -> bool:
        return self._jobs.busy

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued job has run (tests and benchmarks)."""
        return self._jobs.wait_idle(timeout)

    # -- events ---------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Add a listener; the first one also gets the events emitted before it came (so a
        session can start connecting while the UI is still starting)."""
        with self._backlog_lock:
            backlog, self._backlog = self._backlog or [], None
            self._listeners.append(listener)
        for event in backlog:
            listener(event)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: ev.Event) -> None:
        with self._backlog_lock:
            if self._backlog is not None:
                if len(self._backlog) < BACKLOG_LIMIT:
                    self._backlog.append(event)
                return
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("session listener failed")

    def _notice(self, message: str, severity: str = "information") -> None:
        self._emit(ev.Notice(message, severity))

    def _set_state(self, state: ev.NodeState | None = None, message: str = "") -> None:
        if state is not None:
            self.node_state = state
        self._emit(ev.StatusChanged(self.link_description, self.node_state, self.heap,
                                    self.auto_deploy, message))

    def _job_failed(self, label: str, exc: BaseException) -> None:
        if isinstance(exc, EspConsoleError):
            self._notice(f"{label}: {exc}", "error")
        else:
            log.exception("%s failed", label, exc_info=exc)
            self._notice(f"{label}: internal error {type(exc).__name__}: {exc}", "error")
        if self._connection is not None and self._connection.link.state is LinkState.OPEN:
            self._set_state(ev.NodeState.READY if self.prompt_seen.is_set() else None)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Future:
        """Connect, build, bring the node up to date and start watching (in the background)."""
        self._set_state(ev.NodeState.CONNECTING)
        return self._jobs.submit("start", self._start)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._heap_timer is not None:
            self._heap_timer.cancel()
        if self._watcher is not None:
            self._watcher.close()
        self._jobs.close()
        self._disconnect()
        self._pump.close()

    def _start(self) -> None:
        self._connect()
        self._sync_after_boot(initial=True)
        self._build("start-up")
        self._sync_spiffs()
        if self.project.last.ok and not self._node_is_current():
            if self.auto_deploy:
                self._deploy()
        if self.watch and self._watcher is None:
            rules = ProjectRules(self.project.config)
            self._watcher = ProjectWatcher(rules, self._on_changes).start()

    def _connect(self) -> None:
        self._muted.set()
        self._stream.reset()
        self.prompt_seen.clear()
        try:
            connection = open_connection(self.root, self.port, self.baud, paced=self.paced)
        except EspConsoleError:
            self._set_state(ev.NodeState.DISCONNECTED)
            raise
        self._connection = connection
        self._node = ReplNode(connection.link)
        connection.link.add_data_listener(self._on_data)
        connection.link.add_state_listener(self._on_link_state)
        self._set_state(ev.NodeState.BOOTING)
        self._muted.clear()

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.link.remove_data_listener(self._on_data)
            connection.link.remove_state_listener(self._on_link_state)
            connection.close()

    def _sync_after_boot(self, initial: bool = False) -> None:
        """Let the boot text reach the REPL pane, then take the node for an info probe."""
        if initial:
            # a node that is booting talks at once; one that was already up stays silent
            if self._connection.link.peek() or self.prompt_seen.wait(0.5):
                self.prompt_seen.wait(5.0)
        self._muted.set()
        try:
            self._node.sync()
            self._refresh_info()
        finally:
            self._resume_repl()

    def _resume_repl(self) -> None:
        self._stream.reset()
        self._stream.feed(b"\r\n> ")
        self.prompt_seen.set()
        self._muted.clear()
        self._set_state(ev.NodeState.READY)

    def _refresh_info(self) -> None:
        self.info = self._node.info()
        self.heap = self.info.heap
        self._publish_node_views()

    def _publish_node_views(self) -> None:
        info = self.info
        status = self.project.status
        image = status.image_size if status and status.ok else None
        if info is not None:
            self.partition_view = partition_view(info.partitions, info.flash_size, image)
            self._emit(ev.PartitionsChanged(self.partition_view))
        if status is None:
            self._set_state()
            return                      # no rows before the first build has seen the project
        lfs_time = info.lfs_time if info else None
        self.module_rows = self.project.rows(lfs_time, info.lfs_modules if info else None)
        self._emit(ev.ModulesChanged(self.module_rows))
        self._set_state()

    def _node_is_current(self) -> bool:
        info = self.info
        return info is not None and self.project.node_runs_build(info.lfs_time, info.lfs_modules)

    # -- the REPL -------------------------------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        if self._muted.is_set():
            return
        text, prompt = self._stream.feed(data)
        self._pump.put(text)
        if prompt is not None:
            self.prompt_seen.set()
            if prompt != self.prompt:
                self.prompt = prompt
                self._emit(ev.PromptChanged(prompt))
            if self.node_state in (ev.NodeState.BUSY, ev.NodeState.BOOTING) \
                    and not self._jobs.busy:
                self._set_state(ev.NodeState.READY)
                self._schedule_heap_refresh()

    def _on_link_state(self, state: LinkState, message: str) -> None:
        if state is LinkState.DISCONNECTED:
            self._set_state(ev.NodeState.DISCONNECTED, message)
        elif state is LinkState.OPEN and self.node_state is ev.NodeState.DISCONNECTED:
            self._set_state(ev.NodeState.BOOTING, message)

    def send_line(self, line: str) -> Future:
        """Type one line into the node's REPL (queued behind running operations)."""
        self._last_input = time.monotonic()
        return self._jobs.submit("REPL", self._write_line, line)

    def _write_line(self, line: str) -> None:
        link = self._require_link()
        if self.node_state is ev.NodeState.READY:
            self._set_state(ev.NodeState.BUSY)
        link.write(line.encode("utf-8") + b"\r\n")

    def _schedule_heap_refresh(self) -> None:
        if self._heap_timer is not None:
            self._heap_timer.cancel()
        self._heap_timer = threading.Timer(HEAP_REFRESH_DELAY, self._heap_due)
        self._heap_timer.daemon = True
        self._heap_timer.start()

    def _heap_due(self) -> None:
        quiet = time.monotonic() - self._last_input >= HEAP_REFRESH_DELAY
        if quiet and not self._jobs.busy and not self._closed \
                and self.node_state is ev.NodeState.READY:
            self._jobs.submit("heap", self._refresh_heap)

    def _refresh_heap(self) -> None:
        if self.node_state is not ev.NodeState.READY or self._stream.at_prompt is None:
            return                              # the user's code is still running
        with self._operation(state=None):
            self.heap = self._node.heap()

    def interrupt(self) -> None:
        """Stop runaway output: drop what is not shown yet and reset the node."""
        self._pump.drop()
        threading.Thread(target=self._hard_reset, name="espconsole-interrupt", daemon=True).start()

    def _hard_reset(self) -> None:
        link = self._connection.link if self._connection else None
        if link is None:
            return
        self._set_state(ev.NodeState.BOOTING, "interrupted: resetting the node")
        try:
            link.reset()
        except LinkUnsupported:
            link.write(b"\r\nnode.restart()\r\n")
        except EspConsoleError as exc:
            self._notice(f"interrupt: {exc}", "error")

    # -- operations (all on the job thread) -----------------------------------------------------

    def _require_link(self):
        if self._connection is None or self._connection.link.state is not LinkState.OPEN:
            raise EspConsoleError(f"{self.link_description}: not connected")
        return self._connection.link

    class _Operation:
        def __init__(self, session: "Session", state):
            self.session, self.state = session, state

        def __enter__(self):
            self.session._require_link()
            self.session._muted.set()
            if self.state is not None:
                self.session._set_state(self.state)

        def __exit__(self, *exc):
            self.session._resume_repl()

    def _operation(self, state=ev.NodeState.BUSY) -> "_Operation":
        return Session._Operation(self, state)

    def _show_boot_text(self, raw: bytes) -> None:
        text, _ = ReplStream().feed(bytes(b for b in raw if b not in (2, 3)))
        self._pump.put(text)
