"""The node client: one object that talks the REPL protocol over a `Link` (sync, helper, commands, records, node state events).

`NodeClient(link)` is what the session and the headless commands use.  Every public method
blocks until done and is thread-safe (one protocol operation at a time, others wait); any
thread may call `cancel()` to stop the running operation (it raises `Cancelled`).  Transfers
report progress through a `progress(done, total)` callback.  State changes (`NodeState`) go to
listeners added with `add_state_listener(fn)`, called as `fn(state, message)` from whichever
thread noticed the change (the link's reader thread for reboots and disconnects).

The protocol never relies on echo or on the prompt: each command line makes the node write a
nonce-tagged record (snippets.py) and the client waits for that record, skipping whatever else
arrives (boot noise, the echo, output of the user's timers).  Those bytes still reach the
link's other data listeners; a console adds a listener with `add_console_listener(fn)`
instead, which gets the same bytes minus the client's own traffic (console.py), and types
the user's input with `console_write`.

The operations themselves live in upload.py, files.py, info.py, partitions.py and
lfs_deploy.py; this module re-exports them as methods.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import re
import secrets
import threading
import time
from typing import Callable, Iterator

from espconsole.link import Link, LinkError, LinkState, LinkUnsupported
from espconsole.node import framing, snippets
from espconsole.node.console import BOOT_PATTERN, ConsoleFilter, ConsoleListener
from espconsole.node.errors import (Cancelled, NodeError, NodeRebooted, NodeTimeout, RemoteError,
                                    SyncError)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
StateListener = Callable[["NodeState", str], None]

READ_SLICE = 0.05            # longest single wait, so cancel() is noticed quickly
SYNC_TIMEOUT = 5.0
REPLY_TIMEOUT = 5.0
BOOT_TIMEOUT = 15.0
BANNER_WAIT = 1.0            # after a reset: how long the boot banner may take to appear
BOOT_PROMPT_WAIT = 5.0       # ... and the first prompt after it (init.lua runs in between)
INSTALL_SOURCE_LIMIT = 2800  # helper source bytes the node compiles in one go (its heap is small)


class NodeState(str, enum.Enum):
    DISCONNECTED = "disconnected"   # the link lost the device (it may come back by itself)
    CONNECTING = "connecting"       # link open, REPL not synchronised yet
    BOOTING = "booting"             # the node's boot output is arriving
    READY = "ready"                 # synchronised and idle
    BUSY = "busy"                   # an operation is running


class NodeClient:
    """The REPL protocol over one link; identical for a real board and the emulator."""

    def __init__(self, link: Link, *, sync_timeout: float = SYNC_TIMEOUT,
                 reply_timeout: float = REPLY_TIMEOUT, window: int = 2, watchdog: int = 3):
        self.link = link
        self.sync_timeout = sync_timeout
        self.reply_timeout = reply_timeout
        self.window = window
        self.watchdog = watchdog
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self._state_lock = threading.Lock()
        self._state = NodeState.CONNECTING if link.is_open else NodeState.DISCONNECTED
        self._message = ""
        self._listeners: list[StateListener] = []
        self._depth = 0
        self._groups: str | None = None       # helper groups on the node; None = unknown
        self._dirty = True                    # the REPL may hold garbage or binary mode
        self._copy: bool | None = None        # the helper's copy in SPIFFS: None unknown,
                                              # True loads, False missing or stale
        self._fresh_installs = 0              # installs onto a node without any helper
        self._writing_copy = False
        self._copy_write_failed = False
        self._typed = False                   # the user typed since the last sync (may have
                                              # left an unfinished chunk, the REPL's `>> `)
        self._rx = bytearray()                # the protocol's view of received bytes
        self._boot_seen = False
        self._tail = b""
        self._consumed = 0                    # stream bytes taken from the link (read or discarded)
        self._console = ConsoleFilter()
        link.add_data_listener(self._on_data)
        link.add_state_listener(self._on_link_state)

    # -- lifecycle and events --------------------------------------------------------------------

    def open(self) -> "NodeClient":
        """Open the link if needed and synchronise with the REPL."""
        if not self.link.is_open:
            self.link.open()
        self.sync()
        return self

    def close(self, close_link: bool = True) -> None:
        """Detach from the link (and close it unless `close_link` is False)."""
        self.link.remove_data_listener(self._on_data)
        self.link.remove_state_listener(self._on_link_state)
        if close_link:
            self.link.close()

    def __enter__(self) -> "NodeClient":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def state(self) -> NodeState:
        return self._state

    def add_state_listener(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def remove_state_listener(self, listener: StateListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_console_listener(self, listener: ConsoleListener) -> None:
        """`listener(data)` gets, on the link's thread, what a user at the REPL should see:
        the received bytes without this client's protocol traffic (reboots included)."""
        self._console.add_listener(listener)

    def remove_console_listener(self, listener: ConsoleListener) -> None:
        self._console.remove_listener(listener)

    def console_write(self, data: bytes) -> None:
        """Type the user's bytes into the REPL, never in the middle of an operation.  What
        the user runs may change the REPL or remove the helper, so the next operation
        synchronises first."""
        with self._lock:
            self.link.write(data)
            self._dirty = True
            self._typed = True

    def _stream_offset(self) -> int:
        # Bytes the link has received so far: taken by this client, dropped by the link's
        # full buffer, or still buffered.  Called by the operation's thread only.
        return self._consumed + self.link.discarded + len(self.link.peek())

    def cancel(self) -> None:
        """Ask the running operation to stop; it raises Cancelled (the node is left usable)."""
        self._cancel.set()

    @property
    def helper_groups(self) -> str | None:
        return self._groups

    def _set_state(self, state: NodeState, message: str = "") -> None:
        with self._state_lock:
            if state is self._state and message == self._message:
                return
            self._state, self._message = state, message
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(state, message)
            except Exception:
                log.exception("node state listener %r failed", listener)

    def _on_data(self, data: bytes) -> None:
        # Runs on the link's thread: notice reboots even when no operation is running.
        seen = self._tail + data
        self._tail = seen[-32:]
        if BOOT_PATTERN.search(seen):
            self._boot_seen = True
            self._groups = None
            self._dirty = True
            if self._depth == 0:
                self._set_state(NodeState.BOOTING, "the node is booting")
        elif self._state is NodeState.BOOTING and seen.endswith(b"> "):
            self._set_state(NodeState.CONNECTING, "the node has booted")
        self._console.feed(data)

    def _on_link_state(self, state: LinkState, message: str) -> None:
        if state is LinkState.DISCONNECTED:
            self._groups = None
            self._dirty = True
            self._set_state(NodeState.DISCONNECTED, message)
        elif state is LinkState.OPEN:
            self._groups = None
            self._dirty = True
            if self._depth == 0:
                self._set_state(NodeState.CONNECTING, message)
        elif state is LinkState.CLOSED:
            self._set_state(NodeState.DISCONNECTED, message or "closed")

    @contextlib.contextmanager
    def operation(self, what: str) -> Iterator[None]:
        """Run one protocol operation exclusively, with the BUSY state around it."""
        with self._lock:
            if self._depth == 0:
                self._cancel.clear()
                self._console.mark("start", self._stream_offset)
                self._set_state(NodeState.BUSY, what)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._console.mark("end", self._stream_offset)
                    if self.link.state is LinkState.DISCONNECTED:
                        self._set_state(NodeState.DISCONNECTED, self.link.message)
                    elif not self._dirty:
                        self._set_state(NodeState.READY, "")
                    else:
                        self._set_state(NodeState.CONNECTING, "")

    # -- bytes ---------------------------------------------------------------------------------

    def check_cancel(self) -> None:
        if self._cancel.is_set():
            self._cancel.clear()
            raise Cancelled("cancelled")

    def write(self, data: bytes) -> None:
        if self._depth:
            self._console.mark("write", self._stream_offset, data)
        self.link.write(data)

    def fill(self, timeout: float) -> bool:
        """Wait up to `timeout` (in short slices) for received bytes; True if any arrived."""
        self.check_cancel()
        data = self.link.read(min(timeout, READ_SLICE) if timeout > 0 else 0)
        if data:
            self._consumed += len(data)
            self._rx += data
            return True
        return False

    def begin_reading(self) -> None:
        """Forget received bytes: what arrives from now on answers the next command."""
        self._consumed += self.link.discard_input()
        self._rx.clear()
        self._boot_seen = False

    @property
    def received(self) -> bytearray:
        return self._rx

    def boot_in(self, data: bytes | bytearray) -> bool:
        return self._boot_seen or bool(BOOT_PATTERN.search(data))

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_hex(3)

    def find_record(self, nonce: str, start: int = 0) -> tuple[str, bytes, int, int] | None:
        """(tag, data, record start, record end) of the first complete record for `nonce`."""
        head = re.compile(rb"\x02([A-Z])" + re.escape(nonce.encode()) + rb":(\d{1,7}):")
        position = start
        while True:
            match = head.search(self._rx, position)
            if match is None:
                return None
            length = int(match.group(2))
            end = match.end() + length
            if end >= len(self._rx):
                return None                    # not complete yet
            if self._rx[end] == 0x03:
                return match.group(1).decode(), bytes(self._rx[match.end():end]), match.start(), end + 1
            position = match.start() + 1        # damaged record: look for another

    def wait_record(self, nonce: str, timeout: float | None = None, *, watch_boot: bool = True,
                    start: int = 0) -> tuple[str, bytes, int, int]:
        """Wait for the record of `nonce`; raises NodeTimeout or NodeRebooted."""
        timeout = self.reply_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            found = self.find_record(nonce, start)
            if found is not None:
                return found
            if watch_boot and self.boot_in(self._rx):
                self._dirty = True
                raise NodeRebooted("the node rebooted")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NodeTimeout(f"no reply from the node within {timeout:g} s")
            self.fill(remaining)

    def send_line(self, line: str) -> None:
        if len(line) > snippets.MAX_LINE:
            raise NodeError(f"internal: command line of {len(line)} bytes is too long for the REPL")
        self.write(line.encode("ascii") + b"\n")

    def command(self, build: Callable[[str], str], timeout: float | None = None, *,
                groups: str = "b", watch_boot: bool = True, retries: int = 2) -> tuple[str, bytes, bytes]:
        """Send one helper command made by `build(nonce)` and return (tag, data, bytes received
        before the record).  Only for commands that may run twice (queries): a lost reply is
        asked for again after a resync, up to `retries` times.  `groups` "" : the command
        needs no helper (only a synchronised REPL)."""
        for attempt in range(retries + 1):
            if groups:
                self.ensure_helper(groups)
            else:
                self.ensure_synchronised()
            nonce = self.new_nonce()
            self.begin_reading()
            self.send_line(build(nonce))
            try:
                tag, data, start, end = self.wait_record(nonce, timeout, watch_boot=watch_boot)
            except NodeTimeout:
                self._dirty = True
                if attempt == retries:
                    raise
                continue
            before = bytes(self._rx[:start])
            del self._rx[:end]
            return tag, data, before
        raise AssertionError("unreachable")

    def query(self, expression: str, timeout: float | None = None) -> str:
        """tostring() of a Lua expression evaluated on the node, in one round trip and without
        the helper (so it costs no install after a reboot); raises RemoteError if it raised."""
        with self.operation("query"):
            tag, data, _ = self.command(lambda n: snippets.bare_query(n, expression), timeout,
                                        groups="")
        text = data.decode("utf-8", "replace")
        if tag != "P":
            raise RemoteError(text)
        return text

    # -- synchronisation and the helper ------------------------------------------------------------

    def sync(self, timeout: float | None = None) -> None:
        """Find the REPL: clear any half-typed line or armed receiver, then probe with a nonce
        until the node answers (boot noise and garbage are skipped)."""
        with self.operation("synchronising"):
            self._sync(timeout)

    def _sync(self, timeout: float | None = None) -> None:
        timeout = self.sync_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            self.check_cancel()
            nonce = self.new_nonce()
            self.begin_reading()
            if attempt % 3 == 0:
                # END closes a half-received frame, the abort frame disarms our receiver,
                # backspaces erase whatever sits in the REPL's line buffer (≤ 255 bytes).
                # If the user typed, they may have left an unfinished chunk (an open block
                # or long string: the REPL keeps adding lines to it, the probe's too); the
                # breaker line makes it a syntax error, so the REPL drops it, at once.
                self.write(bytes((framing.END,)) + framing.abort_frame() + b"\x08" * 255 + b"\n"
                           + (snippets.CHUNK_BREAKER.encode() + b"\n" if self._typed else b""))
            elif attempt % 3 == 1:
                self.write(snippets.CHUNK_BREAKER.encode() + b"\n")
            self._pause(0.05)
            self.begin_reading()
            self.send_line(snippets.sync_probe(nonce))
            try:
                _, data, _, _ = self.wait_record(nonce, min(1.0 + 0.5 * attempt, 3.0),
                                                 watch_boot=False)
            except NodeTimeout:
                attempt += 1
                if time.monotonic() >= deadline:
                    raise SyncError(f"{self.link.description}: no NodeMCU REPL answered within "
                                    f"{timeout:g} s") from None
                continue
            version, _, groups = data.decode("ascii", "replace").partition(":")
            self._groups = groups if version == snippets.HELPER_VERSION else ""
            self._dirty = False
            self._boot_seen = False
            if self._typed:
                # Whatever the user left unfinished is gone: the console gets a fresh prompt
                # (it still shows the one from before the operation, maybe `>> `).
                self._typed = False
                self._console.mark("prompt", self._stream_offset)
            return

    def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (remaining := end - time.monotonic()) > 0:
            self.check_cancel()
            time.sleep(min(remaining, READ_SLICE))

    def ensure_synchronised(self) -> None:
        """Synchronise first if the REPL state is unknown (for lines that need no helper)."""
        if self._dirty or self._groups is None:
            self._sync()

    def ensure_helper(self, groups: str = "b") -> None:
        """Make sure the helper groups are on the node (sync first when the REPL state is unknown)."""
        if self._dirty or self._groups is None:
            self._sync()
        wanted = ("b" if "b" not in groups else "") + groups
        if self._groups == "" and wanted:
            if self._copy is not False and not self._writing_copy and self._load_copy():
                return
            self._fresh_installs += 1
            wanted = "b" + wanted.replace("b", "")
        for batch in self._install_batches(wanted):
            for attempt in range(5):
                try:
                    if self._install(batch):
                        break
                except NodeTimeout:
                    pass
                self._sync()
                batch = "".join(g for g in batch if g not in (self._groups or ""))
                if not batch:
                    break
            else:
                raise NodeError(f"could not install the helper on the node (groups '{batch}')")
        if self._fresh_installs >= 2 and not self._copy and not self._writing_copy \
                and not self._copy_write_failed:
            self._write_copy()

    def _load_copy(self) -> bool:
        """After a reboot: run the helper's copy from SPIFFS, one line instead of the install's
        dozens.  False (and the copy counts as missing) if there is none, it fails its own
        check, or it holds another helper."""
        nonce = self.new_nonce()
        self.begin_reading()
        self.send_line(snippets.load_copy(nonce))
        try:
            _, data, _, end = self.wait_record(nonce)
        except NodeTimeout:
            self._dirty = True
            self._sync()
            self._groups = ""               # whatever ran, unchecked: install over it
            return False
        del self._rx[:end]
        version, _, rest = data.decode("ascii", "replace").partition(":")
        groups, _, identity = rest.partition(":")
        if version == snippets.HELPER_VERSION and identity == snippets.copy_identity():
            self._groups = groups
            self._copy = True
            if groups == snippets.ALL_GROUPS:
                return True
        else:
            # nothing ran, or another helper did (an older copy): install over it
            self._groups = ""
            self._copy = False
        return False

    def _write_copy(self) -> None:
        """The node has lost its helper to a reboot at least twice: keep a copy in SPIFFS
        (written once, checked by the upload), so later reboots cost one line."""
        from espconsole.node.upload import upload_bytes
        self._writing_copy = True
        try:
            upload_bytes(self, snippets.helper_copy(), snippets.HELPER_COPY)
            self._copy = True
        except Cancelled:
            self._copy_write_failed = True
            raise
        except NodeError as exc:
            log.info("no copy of the helper on the node: %s", exc)
            self._copy_write_failed = True
        finally:
            self._writing_copy = False

    def _install_batches(self, wanted: str) -> list[str]:
        """The missing groups, in order, packed into as few installs as the node's heap allows
        (each install costs a few round trips of its own)."""
        batches: list[str] = []
        size = 0
        for group in wanted:
            if group in (self._groups or ""):
                continue
            length = len(snippets.group_source(group))
            if batches and size + length <= INSTALL_SOURCE_LIMIT:
                batches[-1] += group
                size += length
            else:
                batches.append(group)
                size = length
        return batches

    def _install(self, group: str) -> bool:
        """Install one or several groups (letters) as one checked chunk."""
        pieces = snippets.install_pieces(group)
        self.begin_reading()
        self._send_lines([snippets.INSTALL_PRELUDE, *snippets.INSTALL_CHECKER] + pieces)
        for _ in range(4):
            nonce = self.new_nonce()
            self.send_line(snippets.install_loader(group, len(pieces), nonce))
            _, data, _, end = self.wait_record(nonce)
            del self._rx[:end]
            if data == b"1":
                self._groups = (self._groups or "") + group
                return True
            if not data.startswith(b"m"):
                return False
            missing = [int(x) for x in data[1:].split(b",") if x.isdigit()]
            self._send_lines([pieces[i - 1] for i in missing if 1 <= i <= len(pieces)])
        return False

    def _send_lines(self, lines: list[str]) -> None:
        """Send REPL lines in batches small enough for the node's 256-byte receive ring, each
        batch followed by a probe whose record says the REPL has run it."""
        batch: list[bytes] = []
        size = 0
        for line in lines:
            encoded = line.encode("ascii") + b"\n"
            if size + len(encoded) > 180 and batch:
                self._send_batch(batch)
                batch, size = [], 0
            batch.append(encoded)
            size += len(encoded)
        if batch:
            self._send_batch(batch)

    def _send_batch(self, batch: list[bytes]) -> None:
        nonce = self.new_nonce()
        self.write(b"".join(batch))
        self.send_line(snippets.batch_probe(nonce))
        try:
            _, _, _, end = self.wait_record(nonce, 2.0)
        except NodeTimeout:
            return                 # a damaged probe; the loader reports missing pieces
        del self._rx[:end]

    def mark_dirty(self) -> None:
        """Binary bytes may have reached the REPL: resynchronise before the next command."""
        self._dirty = True

    def mark_clean(self) -> None:
        """The node is back at its REPL with nothing stray in its line buffer."""
        self._dirty = False

    # -- node-level actions ----------------------------------------------------------------------

    def wait_for_boot(self, timeout: float = BOOT_TIMEOUT) -> None:
        """After a reset: wait for the link to come back and the REPL to answer again."""
        deadline = time.monotonic() + timeout
        self._groups = None
        self._dirty = True
        while self.link.state is not LinkState.OPEN:
            self.check_cancel()
            if time.monotonic() >= deadline:
                raise NodeTimeout(f"{self.link.description} did not come back within {timeout:g} s")
            self.link.wait_state(LinkState.OPEN, READ_SLICE)
        self._await_boot_prompt(deadline)
        self._sync(max(1.0, deadline - time.monotonic()))

    def _await_boot_prompt(self, deadline: float) -> None:
        """Let the boot run to its first prompt (banner, init.lua's output), so the console
        shows all of it and the probe does not land in the reset window or in init.lua's run.
        Without a banner (its text was lost) a short pause has to do."""
        now = time.monotonic()
        banner_by, prompt_by = now + BANNER_WAIT, min(deadline, now + BOOT_PROMPT_WAIT)
        while True:
            match = BOOT_PATTERN.search(self._rx)
            now = time.monotonic()
            if match is None and now >= banner_by:
                self._pause(0.2)
                return
            if match is not None and (self._rx.find(b"> ", match.end()) >= 0 or now >= prompt_by):
                return
            self.fill(0.05)

    def reset(self, timeout: float = BOOT_TIMEOUT) -> str:
        """Reboot the node: the DevKit reset lines if the link has them, else node.restart().
        Returns how it was done ("hardware" or "node.restart()")."""
        with self.operation("resetting"):
            how = "hardware"
            self.begin_reading()
            try:
                self.link.reset()
            except LinkUnsupported:
                how = "node.restart()"
                self.begin_reading()
                self.write(b"\n" + snippets.restart().encode() + b"\n")
            self._dirty = True
            self._groups = None
            self.wait_for_boot(timeout)
            return how

    def switch_baud(self, baud: int, delay: float = 0.15) -> None:
        """Move node and host to `baud` (serial-protocol.md §6.2.5); on failure both go back.

        The node confirms at the old rate and switches `delay` seconds later on a timer, so the
        host knows the node is still at the old rate when it switches its own side, and waits
        past the node's switch before probing."""
        with self.operation(f"switching to {baud} baud"):
            old = self.link.baud
            if baud == old:
                return
            if self._dirty or self._groups is None:
                self._sync()
            nonce = self.new_nonce()
            self.begin_reading()
            self.send_line(snippets.set_baud_later(nonce, baud, int(delay * 1000)))
            self.wait_record(nonce)
            self.link.flush()
            self.link.set_baud(baud)
            self._pause(delay + 0.1)
            try:
                self._sync(3.0)
            except SyncError:
                self.link.set_baud(old)
                try:
                    self._sync(2.0)
                except SyncError:
                    raise NodeError(f"the node did not answer at {baud} nor at {old} baud; "
                                    f"reset it") from None
                raise NodeError(f"the node does not answer at {baud} baud; staying at {old}") from None

    def raw_command(self, line: str, timeout: float | None = None) -> bytes:
        """Send a plain REPL line and return what arrived until the node went quiet (no helper)."""
        with self.operation("command"):
            self.begin_reading()
            self.send_line(line)
            timeout = self.reply_timeout if timeout is None else timeout
            deadline = time.monotonic() + timeout
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                if self.fill(0.05):
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since > 0.3:
                    break
            return bytes(self._rx)

    # -- operations defined in the sibling modules (imported late: they use this class) ---------

    def exec(self, code: str | bytes, timeout: float = 10.0, on_output: Callable[[bytes], None] | None = None):
        from espconsole.node.files import exec_code
        return exec_code(self, code, timeout, on_output)

    def upload(self, data: bytes, name: str, progress: Progress | None = None, *,
               skip_if_same: bool = False):
        from espconsole.node.upload import upload_bytes
        return upload_bytes(self, data, name, progress, skip_if_same=skip_if_same)

    def download(self, name: str, progress: Progress | None = None) -> bytes:
        from espconsole.node.files import download_file
        return download_file(self, name, progress)

    def list_files(self):
        from espconsole.node.files import list_files
        return list_files(self)

    def remove(self, name: str) -> None:
        from espconsole.node.files import remove_file
        remove_file(self, name)

    def rename(self, old: str, new: str) -> None:
        from espconsole.node.files import rename_file
        rename_file(self, old, new)

    def fsinfo(self):
        from espconsole.node.files import list_files
        return list_files(self).fsinfo

    def checksum(self, name: str) -> tuple[int, int] | None:
        from espconsole.node.files import file_checksum
        return file_checksum(self, name)

    def info(self):
        from espconsole.node.info import read_info
        return read_info(self)

    def partitions(self):
        from espconsole.node.partitions import read_partitions
        return read_partitions(self)

    def set_partitions(self, **values: int):
        from espconsole.node.partitions import write_partitions
        return write_partitions(self, values)

    def deploy_lfs(self, image: bytes, progress: Progress | None = None, **kwargs):
        from espconsole.node.lfs_deploy import deploy_lfs
        return deploy_lfs(self, image, progress, **kwargs)


__all__ = ["LinkError", "NodeClient", "NodeState", "Progress"]
