"""Serve a `ByteEndpoint` (the emulated board) behind a pseudo-terminal that any serial client can open, paced like a real UART.

`PtyBridge(endpoint, baud).start()` creates a pty pair, puts the slave side in raw mode at the
board's rate and returns the slave path (`/dev/pts/N`); ESPlorer, nodemcu-uploader, pyserial
or `espconsole --port /dev/pts/N` then talk to the board as if it were on USB serial.

Wire model (spec serial-protocol.md §5): each direction is a `pacing.Wire`, so bytes reach the
other end only after `bits / baud` seconds each (10 bits for 8N1).  Client → board bytes travel
at the client's line settings, read from the pty (on Linux `tcgetattr` on the master reports
what the client set on the slave, so pyserial's `baudrate = N` is seen); board → client bytes
travel at the board's rate, which the board reports through its baud listener (`uart.setup`).
When the two rates differ, the receiver decodes noise, as on real hardware (`mismatch="ignore"`
turns that off).  Reading from the master is throttled to a small FIFO, so a client that writes
a lot blocks in its own write/flush the way it would on a real port.

Clients come and go: with no slave open the master reports hang-up (POLLHUP, reads fail with
EIO).  The bridge then drops what the board transmits (nobody is listening on the wire) and
polls at `hangup_poll` intervals for the next client.  No busy loops: the thread sleeps until
the next byte is due, the next client poll, or a wake-up from the board.

Limits: a pty has no modem lines, so clients cannot pulse RTS to reset the board; the owner
can call `reset()`, and the node protocol falls back to `node.restart()`.
"""

from __future__ import annotations

import errno
import math
import os
import select
import sys
import termios
import threading
import time
import tty
from typing import Callable, TextIO

from espconsole.link.base import DEFAULT_BAUD, ByteEndpoint, LinkError, attach_baud_listener
from espconsole.link.pacing import Wire, decode_at, frame_bits

WAKE_QUANTUM = 0.002          # shortest sleep while bytes are in flight (≤ 500 wake-ups/s)
HANGUP_POLL = 0.05            # how often to look for a new client while none is connected
FIFO_TIME = 0.02              # client bytes read ahead of the wire: 20 ms worth, at least...
FIFO_MIN = 128                # ...this many (the ESP8266 hardware FIFO size)

_SPEEDS = {getattr(termios, name): int(name[1:]) for name in dir(termios)
           if name.startswith("B") and name[1:].isdigit() and int(name[1:]) > 0}
_CSIZE_BITS = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}


def client_line_settings(attributes: list) -> tuple[int | None, int | None, float]:
    """(transmit baud, receive baud, bits per character) from a tcgetattr() list; an unknown
    speed is None.  A receive speed of 0 means "same as transmit" (POSIX)."""
    _, _, cflag, _, ispeed, ospeed, _ = attributes
    tx_baud = _SPEEDS.get(ospeed)
    rx_baud = _SPEEDS.get(ispeed) if ispeed else tx_baud
    databits = _CSIZE_BITS.get(cflag & termios.CSIZE, 8)
    stopbits = 2 if cflag & termios.CSTOPB else 1
    return tx_baud, rx_baud, frame_bits(databits, bool(cflag & termios.PARENB), stopbits)


def _speed_constant(baud: int) -> int | None:
    for constant, rate in _SPEEDS.items():
        if rate == baud:
            return constant
    return None


class PtyBridge:
    """Serve one ByteEndpoint on a pseudo-terminal until close()."""

    def __init__(self, endpoint: ByteEndpoint, baud: int = DEFAULT_BAUD, *, paced: bool = True,
                 mismatch: str = "garble", hangup_poll: float = HANGUP_POLL,
                 on_client: Callable[[bool], None] | None = None):
        if mismatch not in ("garble", "ignore"):
            raise ValueError("mismatch must be 'garble' or 'ignore'")
        self.endpoint = endpoint
        self.paced = paced
        self.mismatch = mismatch
        self.hangup_poll = hangup_poll
        self.on_client = on_client
        self._board_baud = baud
        self._client_tx: int | None = baud      # what the client sends at
        self._client_rx: int | None = baud      # what the client receives at
        self._client_bits = 10.0
        self._lock = threading.Lock()           # guards the wires and rates
        self._to_board = Wire(baud if paced else None)
        self._to_client = Wire(baud if paced else None)
        self._master = self._wake_read = self._wake_write = -1
        self._woken = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.path = ""
        self.client_connected = False
        self.clients = 0                       # connections seen so far
        self.dropped = 0                       # board bytes lost: no client, or client not reading

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> str:
        """Create the pty, start serving, return the slave path."""
        if self._thread is not None:
            return self.path
        try:
            master, slave = os.openpty()
        except OSError as exc:
            raise LinkError(f"cannot create a pseudo-terminal: {exc.strerror or exc}") from None
        try:
            self.path = os.ttyname(slave)
            tty.setraw(slave)
            attributes = termios.tcgetattr(slave)
            speed = _speed_constant(self._board_baud)
            if speed is not None:            # a client that never sets a rate matches the board
                attributes[4] = attributes[5] = speed
            attributes[2] |= termios.CLOCAL | termios.CREAD
            termios.tcsetattr(slave, termios.TCSANOW, attributes)
        finally:
            os.close(slave)                  # holding it would hide clients' hang-ups
        os.set_blocking(master, False)
        self._master = master
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self._stop.clear()
        self.endpoint.set_output(self._from_board)
        attach_baud_listener(self.endpoint, self.set_baud)
        self._thread = threading.Thread(target=self._run, name=f"pty {self.path}", daemon=True)
        self._thread.start()
        return self.path

    def close(self) -> None:
        """Stop serving and release the pty (clients then see the device vanish)."""
        if self._thread is None:
            return
        self.endpoint.set_output(None)
        attach_baud_listener(self.endpoint, None)
        self._stop.set()
        self._wake(always=True)          # the stop flag is not read where `_woken` is cleared
        if self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
        with self._lock:                 # a board thread still in _wake() must not write to a
            fds = (self._master, self._wake_read, self._wake_write)    # reused descriptor
            self._master = self._wake_read = self._wake_write = -1
        for fd in fds:
            if fd >= 0:
                os.close(fd)

    def __enter__(self) -> "PtyBridge":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def announce(self, stream: TextIO | None = None) -> None:
        """Print `pty: /dev/pts/N` on its own line (the contract of `espconsole emulate --pty`)."""
        stream = sys.stdout if stream is None else stream
        stream.write(f"pty: {self.path}\n")
        stream.flush()

    def serve_forever(self) -> None:
        """Block until close() is called from elsewhere (or KeyboardInterrupt)."""
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.close()

    # -- board side ------------------------------------------------------------------------------

    @property
    def board_baud(self) -> int:
        return self._board_baud

    def set_baud(self, baud: int) -> None:
        """The board's UART now runs at `baud` (its baud listener calls this on uart.setup)."""
        with self._lock:
            self._board_baud = baud
            if self.paced:
                self._to_client.set_rate(baud, now=time.monotonic())
        self._wake()

    def reset(self) -> None:
        """Reset the board (what the client's RTS pulse would do on a real DevKit)."""
        self.endpoint.reset()

    def _from_board(self, data: bytes) -> None:
        if not data or self._stop.is_set():
            return
        with self._lock:
            if self.mismatch == "garble":
                data = decode_at(data, self._board_baud, self._client_rx)
            self._to_client.push(data, time.monotonic())
        self._wake()

    def _wake(self, always: bool = False) -> None:
        """Make the serving thread look at the wires and rates again; call after changing them.

        `_woken` means "a byte went into the wake pipe since the thread last read the wires" (it
        may have been drained already).  The flag is set here and cleared by the thread in the
        locked section where it reads the wires, so a change made after that read always writes
        a byte and ends the thread's next poll.
        (Clearing it when draining the pipe instead loses wake-ups: a byte written between the
        clear and the read is swallowed, the flag stays set, and no later change wakes the
        thread, which then sleeps until the client writes.)  Changes to anything not read in
        that section (the stop flag) must pass `always=True`."""
        with self._lock:
            if self._wake_write < 0 or (self._woken and not always):
                return
            self._woken = True
            try:
                os.write(self._wake_write, b"!")
            except OSError:
                pass                 # pipe full (a wake-up is pending anyway)

    # -- the serving thread -----------------------------------------------------------------------

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._wake_read, select.POLLIN)
        registered = False
        while not self._stop.is_set():
            if not self.client_connected:
                self._check_for_client()
            if self.client_connected:
                self._follow_client_settings()
            now = time.monotonic()
            with self._lock:
                self._woken = False              # changes from here on write to the wake pipe
                to_board = self._to_board.release(now)
                to_client = self._to_client.release(now)
                timeout = self._sleep_time(now)
                room = self._fifo_room()
            if to_board:
                self.endpoint.feed(to_board)
            if to_client:
                self._send_to_client(to_client)
            want_input = self.client_connected and room > 0
            if want_input != registered:
                if want_input:
                    poller.register(self._master, select.POLLIN)
                else:
                    poller.unregister(self._master)
                registered = want_input
            if not self.client_connected:
                timeout = self.hangup_poll if timeout is None else min(timeout, self.hangup_poll)
            events = poller.poll(None if timeout is None else math.ceil(timeout * 1000))
            for fd, event in events:
                if fd == self._wake_read:
                    self._drain_wake_pipe()
                    continue
                if event & select.POLLIN:        # bytes sent just before a hang-up still count
                    self._read_client(room)
                if event & (select.POLLHUP | select.POLLERR):
                    self._client_gone()
            if not self.client_connected and registered:
                poller.unregister(self._master)
                registered = False

    def _sleep_time(self, now: float) -> float | None:
        deadlines = [t for t in (self._to_board.next_release_at(), self._to_client.next_release_at())
                     if t is not None]
        if not deadlines:
            return None
        return max(WAKE_QUANTUM, min(deadlines) - now)

    def _fifo_room(self) -> int:
        rate = self._client_tx or self._board_baud
        limit = max(FIFO_MIN, int(rate / self._client_bits * FIFO_TIME)) if self.paced else 65536
        return limit - len(self._to_board)

    def _drain_wake_pipe(self) -> None:
        # Leaves `_woken` alone: the loop clears it when it next reads the wires (see _wake).
        try:
            while os.read(self._wake_read, 512):
                pass
        except BlockingIOError:
            pass

    def _check_for_client(self) -> None:
        probe = select.poll()
        probe.register(self._master, select.POLLIN)
        events = probe.poll(0)
        if any(event & select.POLLHUP for _, event in events):
            return
        self.client_connected = True
        self.clients += 1
        if self.on_client is not None:
            self.on_client(True)

    def _client_gone(self) -> None:
        if not self.client_connected:
            return
        self.client_connected = False
        with self._lock:
            self.dropped += self._to_client.clear()
        if self.on_client is not None:
            self.on_client(False)

    def _follow_client_settings(self) -> None:
        try:
            tx_baud, rx_baud, bits = client_line_settings(termios.tcgetattr(self._master))
        except termios.error:
            return
        with self._lock:
            if (tx_baud, rx_baud, bits) == (self._client_tx, self._client_rx, self._client_bits):
                return
            self._client_tx, self._client_rx, self._client_bits = tx_baud, rx_baud, bits
            if self.paced:
                self._to_board.set_rate(tx_baud or self._board_baud, bits, now=time.monotonic())

    def _read_client(self, room: int) -> None:
        try:
            data = os.read(self._master, max(1, room))
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno == errno.EIO:
                self._client_gone()
                return
            raise
        if not data:
            self._client_gone()
            return
        with self._lock:
            if self.mismatch == "garble":
                data = decode_at(data, self._client_tx, self._board_baud)
            self._to_board.push(data, time.monotonic())

    def _send_to_client(self, data: bytes) -> None:
        if not self.client_connected:
            self.dropped += len(data)
            return
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0                  # the client's input buffer is full: overrun
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            self._client_gone()
            written = 0
        self.dropped += len(data) - written
