"""The Session: the one object the console UI talks to — it owns the link and node client, the builder and the watcher, runs them off the UI thread and reports through events."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from espconsole.errors import EspConsoleError
from espconsole.link import DEFAULT_BAUD, EMULATED_PORT, Link
from espconsole.node import NodeClient, NodeInfo
from espconsole.node import NodeState as ClientState
from espconsole.session import events as ev
from espconsole.session.actions import SessionActions
from espconsole.session.connection import describe, make_link, open_client
from espconsole.session.jobs import JobRunner
from espconsole.session.output_pump import OutputPump
from espconsole.session.project import ProjectState
from espconsole.session.repl_stream import ReplStream
from espconsole.session.views import partition_view
from espconsole.watch import ProjectRules, ProjectWatcher

log = logging.getLogger(__name__)
Listener = Callable[[ev.Event], None]
HEAP_REFRESH_DELAY = 0.6
BACKLOG_LIMIT = 10000
DEFAULT_FLASH_SIZE = 4 * 1024 * 1024


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
        self._link: Link | None = None
        self._client: NodeClient | None = None
        self._watcher: ProjectWatcher | None = None
        self._stream = ReplStream()
        self._last_input = 0.0
        self._rebooted = False          # the node rebooted outside an operation: re-read its info
        self._heap_timer: threading.Timer | None = None
        self._closed = False
        self._jobs = JobRunner(self._job_failed)
        self._pump = OutputPump(lambda text: self._emit(ev.ReplOutput(text)))

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
        if self._link is not None and self._link.is_open:
            self._set_state(ev.NodeState.READY)

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
        if self._client is not None:
            self._client.cancel()           # stop a running operation rather than wait for it
        self._jobs.close()
        self._disconnect()
        self._pump.close()

    def _start(self) -> None:
        self._connect()
        self._build("start-up")
        self._sync_spiffs()
        if self.project.last.ok and not self._node_is_current():
            if self.auto_deploy:
                self._deploy()
        if self.watch and self._watcher is None:
            rules = ProjectRules(self.project.config)
            self._watcher = ProjectWatcher(rules, self._on_changes).start()

    def _connect(self) -> None:
        """Open the link and the node client, read the node's facts, show the prompt."""
        self._stream.reset()
        self._set_state(ev.NodeState.CONNECTING)
        try:
            link = make_link(self.root, self.port, self.baud, self.paced)
            client = open_client(link, self._on_console, self._on_node_state)
        except EspConsoleError:
            self._set_state(ev.NodeState.DISCONNECTED)
            raise
        self._link, self._client = link, client
        # the node answered: show its prompt at once, read its facts behind it
        self._stream.reset()
        self._pump.put(self._stream.note(f"connected to the {self.link_description} node"))
        self._pump.put(self._stream.feed(b"> ")[0])
        with self._operation():
            self._refresh_info()

    def _disconnect(self) -> None:
        client, self._client, self._link = self._client, None, None
        if client is not None:
            client.remove_console_listener(self._on_console)
            client.remove_state_listener(self._on_node_state)
            client.close()

    def _refresh_info(self) -> None:
        self.info = self._require_client().info()
        self.heap = self.info.heap
        self._publish_node_views()

    def _flash_size(self) -> int:
        size_kib = self.info.flash_size_kib if self.info else None
        return size_kib * 1024 if size_kib else DEFAULT_FLASH_SIZE

    def _partition_table(self) -> dict[str, int] | None:
        table = self.info.partitions if self.info else None
        return table.as_dict() if table is not None else None

    def _publish_node_views(self) -> None:
        info = self.info
        status = self.project.status
        image = status.image_size if status and status.ok else None
        if info is not None:
            self.partition_view = partition_view(self._partition_table(), self._flash_size(), image)
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
        return info is not None and self.project.node_runs_build(info.lfs_time,
                                                                 info.lfs_modules or [])

    # -- the REPL -------------------------------------------------------------------------------

    def _on_console(self, data: bytes) -> None:
        """The node's console bytes (the client leaves out its own traffic); link thread."""
        text, prompt = self._stream.feed(data)
        self._pump.put(text)
        if prompt is not None:
            if prompt != self.prompt:
                self.prompt = prompt
                self._emit(ev.PromptChanged(prompt))
            if self.node_state in (ev.NodeState.BUSY, ev.NodeState.BOOTING) \
                    and not self._jobs.busy:
                self._set_state(ev.NodeState.READY)
                self._schedule_heap_refresh()

    def _on_node_state(self, state: ClientState, message: str) -> None:
        """The client's view of the node; the session shows its own busy/ready around its jobs."""
        if state is ClientState.DISCONNECTED:
            self._set_state(ev.NodeState.DISCONNECTED, message)
        elif state is ClientState.BOOTING:
            self._rebooted = True
            self._set_state(ev.NodeState.BOOTING, message)
        elif state is ClientState.CONNECTING and self.node_state is ev.NodeState.DISCONNECTED:
            self._set_state(ev.NodeState.BOOTING, message)

    def send_line(self, line: str) -> Future:
        """Type one line into the node's REPL (queued behind running operations)."""
        self._last_input = time.monotonic()
        return self._jobs.submit("REPL", self._write_line, line)

    def _write_line(self, line: str) -> None:
        client = self._require_client()
        if self.node_state is ev.NodeState.READY:
            self._set_state(ev.NodeState.BUSY)
        self._stream.typed(line)
        client.console_write(line.encode("utf-8") + b"\r\n")

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
        if self.node_state is not ev.NodeState.READY or self._stream.at_prompt != "> ":
            return                              # the user's code or statement is unfinished
        with self._operation(state=None):
            if self._rebooted:                  # a reboot the user caused may bring a new LFS
                self._rebooted = False
                self._refresh_info()
                return
            output = self._require_client().query("node.heap()")
        try:
            self.heap = int(float(output))
        except ValueError:
            return
        self._set_state()

    def interrupt(self) -> None:
        """Stop runaway output or a stuck operation: drop what is not shown yet, cancel the
        running operation and reset the node."""
        self._pump.drop()
        if self._client is not None:
            self._client.cancel()
        threading.Thread(target=self._reset_now, name="espconsole-interrupt", daemon=True).start()

    def _reset_now(self) -> None:
        client = self._client
        if client is None:
            return
        self._set_state(ev.NodeState.BOOTING, "interrupted: resetting the node")
        try:
            client.reset()
        except EspConsoleError as exc:
            self._notice(f"interrupt: {exc}", "error")
            return
        self._resume_repl()

    # -- operations (all on the job thread) -----------------------------------------------------

    def _require_client(self) -> NodeClient:
        if self._client is None or not self._client.link.is_open:
            raise EspConsoleError(f"{self.link_description}: not connected")
        return self._client

    def _resume_repl(self) -> None:
        """After an operation the node sits at its main prompt (the client hid that prompt)."""
        self._stream.reset()
        self._stream.feed(b"\r\n> ")
        if self.prompt != "> ":
            self.prompt = "> "
            self._emit(ev.PromptChanged(self.prompt))
        link_open = self._link is not None and self._link.is_open
        self._set_state(ev.NodeState.READY if link_open else ev.NodeState.DISCONNECTED)

    class _Operation:
        def __init__(self, session: "Session", state):
            self.session, self.state = session, state

        def __enter__(self):
            self.session._require_client()
            if self.state is not None:
                self.session._set_state(self.state)

        def __exit__(self, *exc):
            self.session._resume_repl()

    def _operation(self, state=ev.NodeState.BUSY) -> "_Operation":
        return Session._Operation(self, state)
