"""In-process link to a `ByteEndpoint`, with optional UART pacing and seeded fault injection for tests.

`LoopbackLink(endpoint)` is a complete `Link` whose far end is an object in the same process:
the emulated board (the `emu` port will be `LoopbackLink(board, description="emulated")`) or
a test double such as `EchoEndpoint`.  One worker thread moves bytes in both directions, so
data listeners always run on the link's thread, as with a serial port.

* `paced=True` makes each direction take as long as a real UART would at its transmitter's
  baud (the link's own rate towards the node, the node's reported rate back).
* When the two sides run at different rates (the node did `uart.setup`, the host did not
  follow yet), bytes are decoded as a mismatched receiver would, i.e. turned to noise, unless
  `mismatch="ignore"`.
* `to_device` / `to_host` take any `bytes -> bytes` callable applied to each chunk before it
  goes on the wire; `FaultInjector` is the standard one (seeded drop / duplicate / bit flip).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Callable

from espconsole.link.base import (DEFAULT_BAUD, ByteEndpoint, Link, attach_baud_listener)
from espconsole.link.pacing import Wire, decode_at

Transform = Callable[[bytes], bytes]
WAKE_QUANTUM = 0.002          # shortest sleep between releases of a paced wire (no busy loop)


class FaultInjector:
    """Deterministic byte corruption: each byte is dropped, sent twice, or has one bit flipped
    with the given probabilities, decided by a `random.Random(seed)`.

    Decisions are made byte by byte in stream order, so the result depends only on the seed
    and the byte sequence, not on how the stream is cut into chunks.  `events` records
    (stream offset, kind) for every fault, for test diagnostics.
    """

    def __init__(self, seed: int, drop: float = 0.0, duplicate: float = 0.0, flip: float = 0.0):
        if min(drop, duplicate, flip) < 0 or drop + duplicate + flip > 1:
            raise ValueError("fault rates must be ≥ 0 and add up to at most 1")
        self.seed = seed
        self.drop, self.duplicate, self.flip = drop, duplicate, flip
        self._random = random.Random(seed)
        self._offset = 0
        self._lock = threading.Lock()
        self.events: list[tuple[int, str]] = []
        self.enabled = True

    def __call__(self, data: bytes) -> bytes:
        if not self.enabled:
            return bytes(data)
        out = bytearray()
        with self._lock:
            for byte in data:
                roll = self._random.random()
                if roll < self.drop:
                    self.events.append((self._offset, "drop"))
                elif roll < self.drop + self.duplicate:
                    self.events.append((self._offset, "duplicate"))
                    out += bytes((byte, byte))
                elif roll < self.drop + self.duplicate + self.flip:
                    bit = self._random.randrange(8)
                    self.events.append((self._offset, f"flip{bit}"))
                    out.append(byte ^ (1 << bit))
                else:
                    out.append(byte)
                self._offset += 1
        return bytes(out)


class EchoEndpoint:
    """Test double for a node: sends back every byte it receives (optionally transformed),
    records what it was fed and how often it was reset, and can transmit on request."""

    def __init__(self, reply: Transform | None = None, boot_text: bytes = b""):
        self.reply = reply if reply is not None else bytes
        self.boot_text = boot_text
        self.received = bytearray()
        self.resets = 0
        self._sink: Callable[[bytes], None] | None = None
        self._baud_listener: Callable[[int], None] | None = None
        self._lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        with self._lock:
            self.received += data
        self.send(self.reply(data))

    def set_output(self, sink) -> None:
        self._sink = sink

    def set_baud_listener(self, listener) -> None:
        self._baud_listener = listener

    def reset(self) -> None:
        self.resets += 1
        self.change_baud(DEFAULT_BAUD)
        self.send(self.boot_text)

    def send(self, data: bytes) -> None:
        """Transmit bytes towards the host, as the node's UART would."""
        sink = self._sink
        if sink is not None and data:
            sink(bytes(data))

    def change_baud(self, baud: int) -> None:
        """What uart.setup does on the node: report the new rate to whoever serves the wire."""
        listener = self._baud_listener
        if listener is not None:
            listener(baud)


class LoopbackLink(Link):
    """A Link whose far end is a ByteEndpoint in this process."""

    def __init__(self, endpoint: ByteEndpoint, *, baud: int = DEFAULT_BAUD, paced: bool = False,
                 mismatch: str = "garble", to_device: Transform | None = None,
                 to_host: Transform | None = None, description: str = "loopback"):
        super().__init__(baud)
        if mismatch not in ("garble", "ignore"):
            raise ValueError("mismatch must be 'garble' or 'ignore'")
        self.endpoint = endpoint
        self.paced = paced
        self.mismatch = mismatch
        self.to_device = to_device
        self.to_host = to_host
        self._description = description
        self._node_baud = DEFAULT_BAUD
        self._lock = threading.Condition(threading.Lock())   # guards wires and _running
        self._outbound = Wire(baud if paced else None)        # host → node
        self._inbound = Wire(DEFAULT_BAUD if paced else None)  # node → host
        self._running = False
        self._feeding = False                                  # endpoint.feed() in progress
        self._thread: threading.Thread | None = None

    @property
    def description(self) -> str:
        return self._description

    @property
    def node_baud(self) -> int:
        """The rate the node last reported (115200 until it says otherwise)."""
        return self._node_baud

    def _open_transport(self) -> None:
        with self._lock:
            self._running = True
            self._outbound.clear()
            self._inbound.clear()
        self.endpoint.set_output(self._from_node)
        attach_baud_listener(self.endpoint, self._node_rate_changed)
        self._thread = threading.Thread(target=self._pump, name=f"link {self._description}",
                                        daemon=True)
        self._thread.start()

    def _close_transport(self) -> None:
        self.endpoint.set_output(None)
        attach_baud_listener(self.endpoint, None)
        with self._lock:
            self._running = False
            self._lock.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None

    def _write_transport(self, data: bytes) -> None:
        if self.to_device is not None:
            data = self.to_device(data)
        with self._lock:
            if self.mismatch == "garble":
                data = decode_at(data, self.baud, self._node_baud)
            self._outbound.push(data, time.monotonic())
            self._lock.notify_all()

    def _apply_baud(self, baud: int) -> None:
        with self._lock:
            if self.paced:
                self._outbound.set_rate(baud, now=time.monotonic())

    def reset(self) -> None:
        """What the DTR/RTS pulse does to a real board: the node reboots."""
        self._require_open()
        self.endpoint.reset()

    def flush(self) -> None:
        """Wait until every written byte has reached the node (its feed() has returned)."""
        with self._lock:
            self._lock.wait_for(lambda: (not self._outbound and not self._feeding)
                                or not self._running)

    def _from_node(self, data: bytes) -> None:
        if self.to_host is not None:
            data = self.to_host(data)
        with self._lock:
            if not self._running:
                return
            if self.mismatch == "garble":
                data = decode_at(data, self._node_baud, self.baud)
            self._inbound.push(data, time.monotonic())
            self._lock.notify_all()

    def _node_rate_changed(self, baud: int) -> None:
        with self._lock:
            self._node_baud = baud
            if self.paced:
                self._inbound.set_rate(baud, now=time.monotonic())

    def _pump(self) -> None:
        while True:
            with self._lock:
                if not self._running:
                    return
                now = time.monotonic()
                to_node = self._outbound.release(now)
                to_host = self._inbound.release(now)
                if not to_node and not to_host:
                    self._lock.wait(self._sleep_time(now))
                    continue
                self._feeding = bool(to_node)
            # Outside the lock: the endpoint may answer (call _from_node) from inside feed.
            if to_node:
                try:
                    self.endpoint.feed(to_node)
                finally:
                    with self._lock:
                        self._feeding = False
                        self._lock.notify_all()      # flush() waiters
            if to_host:
                self._deliver(to_host)

    def _sleep_time(self, now: float) -> float | None:
        deadlines = [t for t in (self._outbound.next_release_at(), self._inbound.next_release_at())
                     if t is not None]
        if not deadlines:
            return None
        return max(WAKE_QUANTUM, min(deadlines) - now)
