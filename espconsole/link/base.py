"""The `Link` contract every transport implements: a thread-safe byte pipe to one node with state, reset and baud.

A link delivers the bytes the node sends in two ways at once, so the UI and the protocol code
can share one link:

* listeners added with `add_data_listener(fn)` are called with each received chunk, from the
  link's own thread (never the caller's), so a Textual app just posts a message from there;
* the same bytes are kept in a bounded receive buffer that `read(timeout)` and
  `read_until(marker, timeout)` consume (the protocol layer's blocking view, used from worker
  threads only).

State is one of `LinkState`; listeners added with `add_state_listener(fn)` get
`fn(state, message)` on every change.  `message` is a one-line explanation for the user
("/dev/ttyUSB0 vanished: ...").

Subclasses implement `_open_transport`, `_close_transport`, `_write_transport` and call
`_deliver(data)` / `_set_state(...)` from their reader threads.  Errors a user can act on are
`LinkError` subclasses of the project's `EspConsoleError`, each with a complete one-line message.

`ByteEndpoint` is the device side of an in-process wire: what the emulated board exposes so
that `LoopbackLink` and `PtyBridge` can serve it.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from typing import Callable, Protocol, runtime_checkable

from espconsole.errors import EspConsoleError

log = logging.getLogger(__name__)

DEFAULT_BAUD = 115200
RECEIVE_BUFFER_LIMIT = 1 << 20        # bytes kept for read(); the oldest go first beyond this


class LinkError(EspConsoleError):
    """Something went wrong on the byte link; the message says what, in one line."""


class PortOpenError(LinkError):
    """The port could not be opened (missing device, busy, no permission, bad URL)."""


class LinkClosed(LinkError):
    """The link is not open (never opened, or closed by the program)."""


class LinkDisconnected(LinkError):
    """The device went away (cable pulled, board re-enumerating, server gone)."""


class LinkTimeout(LinkError):
    """An expected reply did not arrive in time; received bytes stay in the buffer."""


class LinkUnsupported(LinkError):
    """This kind of link cannot do the requested operation (e.g. a hardware reset over a pty)."""


class LinkState(str, enum.Enum):
    CLOSED = "closed"                 # before open() and after close()
    CONNECTING = "connecting"         # open() in progress
    OPEN = "open"
    DISCONNECTED = "disconnected"     # lost the device; a link that reconnects keeps trying


DataListener = Callable[[bytes], None]
StateListener = Callable[[LinkState, str], None]
ByteSink = Callable[[bytes], None]


@runtime_checkable
class ByteEndpoint(Protocol):
    """The node side of a UART, as an in-process object (the emulated board implements it).

    * `feed(data)`: bytes arriving at the node's RX pin, in order.  Must return quickly: the
      node queues them and runs Lua on its own thread.
    * `set_output(sink)`: register the one callable that receives every byte the node
      transmits (None unregisters).  The node may call the sink from any thread, including
      from inside `feed`, and must not hold its own locks while doing so.
    * `reset()`: what pulling EN low does: the node reboots (its output then carries the boot
      text).  Must return quickly too.

    Optional: `set_baud_listener(fn)`: the node calls `fn(baud)` whenever its UART changes
    rate (uart.setup, and 115200 again after a reboot).  Servers that pace the wire use it.
    """

    def feed(self, data: bytes) -> None: ...

    def set_output(self, sink: ByteSink | None) -> None: ...

    def reset(self) -> None: ...


def attach_baud_listener(endpoint: object, listener: Callable[[int], None] | None) -> bool:
    """Register `listener` with an endpoint that reports baud changes; False if it cannot."""
    register = getattr(endpoint, "set_baud_listener", None)
    if register is None:
        return False
    register(listener)
    return True


class Link:
    """Base class: receive buffer, listeners, state machine; subclasses move the bytes."""

    def __init__(self, baud: int = DEFAULT_BAUD, receive_limit: int = RECEIVE_BUFFER_LIMIT):
        self._baud = _check_baud(baud)
        self._receive_limit = receive_limit
        self._buffer = bytearray()
        self._changed = threading.Condition(threading.Lock())   # guards buffer, state, listeners
        self._write_lock = threading.Lock()                     # one writer at a time
        self._state = LinkState.CLOSED
        self._message = ""
        self._data_listeners: list[DataListener] = []
        self._state_listeners: list[StateListener] = []
        self.discarded = 0            # received bytes dropped because nobody read them in time

    # -- what subclasses provide ------------------------------------------------------------

    @property
    def description(self) -> str:
        """Short human-readable name of the link, e.g. "emulated" or "/dev/ttyUSB0@115200"."""
        raise NotImplementedError

    def _open_transport(self) -> None:
        raise NotImplementedError

    def _close_transport(self) -> None:
        raise NotImplementedError

    def _write_transport(self, data: bytes) -> None:
        raise NotImplementedError

    def _apply_baud(self, baud: int) -> None:
        """Change the transport's rate (the default just records it)."""

    def reset(self) -> None:
        """Hard-reset the node (EN low for about 100 ms); blocks for that long."""
        raise LinkUnsupported(f"{self.description}: this link cannot reset the board")

    def flush(self) -> None:
        """Block until written bytes have left the host (a baud switch waits for this)."""

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def message(self) -> str:
        """The explanation that came with the latest state change."""
        return self._message

    @property
    def baud(self) -> int:
        return self._baud

    @property
    def is_open(self) -> bool:
        return self._state is LinkState.OPEN

    def open(self) -> "Link":
        """Open the transport; raises PortOpenError (state back to CLOSED) when it cannot."""
        if self._state is not LinkState.CLOSED:
            return self
        self._set_state(LinkState.CONNECTING, f"opening {self.description}")
        try:
            self._open_transport()
        except BaseException:
            self._set_state(LinkState.CLOSED, "")
            raise
        with self._changed:
            # The reader thread may already have reported a loss; do not paper over it.
            still_connecting = self._state is LinkState.CONNECTING
        if still_connecting:
            self._set_state(LinkState.OPEN, f"connected to {self.description}")
        return self

    def close(self) -> None:
        """Stop the link's threads and release the port; safe to call more than once."""
        if self._state is LinkState.CLOSED:
            return
        try:
            self._close_transport()
        finally:
            self._set_state(LinkState.CLOSED, "closed")

    def __enter__(self) -> "Link":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def wait_state(self, state: LinkState, timeout: float | None = None) -> bool:
        """Block until the link is in `state`; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._state is state, timeout)

    # -- listeners ----------------------------------------------------------------------------

    def add_data_listener(self, listener: DataListener) -> None:
        with self._changed:
            self._data_listeners.append(listener)

    def remove_data_listener(self, listener: DataListener) -> None:
        with self._changed:
            if listener in self._data_listeners:
                self._data_listeners.remove(listener)

    def add_state_listener(self, listener: StateListener) -> None:
        with self._changed:
            self._state_listeners.append(listener)

    def remove_state_listener(self, listener: StateListener) -> None:
        with self._changed:
            if listener in self._state_listeners:
                self._state_listeners.remove(listener)

    # -- sending ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send bytes to the node (one transport write, so a frame is never split by another writer)."""
        if not data:
            return
        self._require_open()
        with self._write_lock:
            self._write_transport(bytes(data))

    def set_baud(self, baud: int) -> None:
        """Switch the host side to `baud` (the node is switched separately, with uart.setup)."""
        baud = _check_baud(baud)
        with self._write_lock:
            self._apply_baud(baud)
            self._baud = baud

    # -- receiving ----------------------------------------------------------------------------

    def read(self, timeout: float | None = 0.0, size: int | None = None) -> bytes:
        """Take up to `size` buffered bytes (all when None), waiting up to `timeout` seconds
        (None: forever) for the first one; b"" on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._buffer or self._state_blocks_reading(), timeout):
                return b""
            if not self._buffer:
                self._raise_for_state()
            count = len(self._buffer) if size is None else min(size, len(self._buffer))
            data = bytes(self._buffer[:count])
            del self._buffer[:count]
            return data

    def read_until(self, marker: bytes, timeout: float | None) -> bytes:
        """Take everything up to and including the first `marker`, waiting up to `timeout` s.

        On timeout raises LinkTimeout and leaves the buffer untouched, so the caller can look
        at what did arrive with `peek()` or resynchronise.
        """
        if not marker:
            raise ValueError("read_until needs a non-empty marker")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            start = 0
            while True:
                found = self._buffer.find(marker, start)
                if found >= 0:
                    end = found + len(marker)
                    data = bytes(self._buffer[:end])
                    del self._buffer[:end]
                    return data
                start = max(0, len(self._buffer) - len(marker) + 1)
                if self._state_blocks_reading():
                    self._raise_for_state()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    shown = marker.decode("ascii", "backslashreplace")
                    raise LinkTimeout(f"{self.description}: no '{shown}' within {timeout:g} s "
                                      f"({len(self._buffer)} bytes received)")
                self._changed.wait(remaining)

    def peek(self) -> bytes:
        """A copy of the receive buffer, without consuming it."""
        with self._changed:
            return bytes(self._buffer)

    def discard_input(self) -> int:
        """Drop everything buffered; returns how many bytes went."""
        with self._changed:
            count = len(self._buffer)
            self._buffer.clear()
            return count

    # -- for subclasses -----------------------------------------------------------------------

    def _deliver(self, data: bytes) -> None:
        """Hand received bytes to the buffer and the listeners (call from the link's thread)."""
        if not data:
            return
        with self._changed:
            self._buffer += data
            excess = len(self._buffer) - self._receive_limit
            if excess > 0:
                del self._buffer[:excess]
                self.discarded += excess
            listeners = list(self._data_listeners)
            self._changed.notify_all()
        for listener in listeners:
            _call_listener(listener, data)

    def _set_state(self, state: LinkState, message: str = "") -> None:
        with self._changed:
            if state is self._state and message == self._message:
                return
            self._state, self._message = state, message
            listeners = list(self._state_listeners)
            self._changed.notify_all()
        for listener in listeners:
            _call_listener(listener, state, message)

    def _require_open(self) -> None:
        if self._state is not LinkState.OPEN:
            self._raise_for_state()

    def _state_blocks_reading(self) -> bool:
        return self._state in (LinkState.CLOSED, LinkState.DISCONNECTED)

    def _raise_for_state(self) -> None:
        if self._state is LinkState.DISCONNECTED:
            raise LinkDisconnected(self._message or f"{self.description}: disconnected")
        if self._state is LinkState.CONNECTING:
            raise LinkClosed(f"{self.description}: still connecting")
        if self._state is LinkState.CLOSED:
            raise LinkClosed(f"{self.description}: link is not open")


def _check_baud(baud: int) -> int:
    if isinstance(baud, bool) or not isinstance(baud, int) or baud <= 0:
        raise LinkError(f"invalid baud rate: {baud!r}")
    return baud


def _call_listener(listener: Callable, *args) -> None:
    # A failing listener is a bug worth a traceback, but it must not kill the reader thread
    # that every other listener (and the protocol layer) depends on.
    try:
        listener(*args)
    except Exception:
        log.exception("link listener %r failed", listener)
