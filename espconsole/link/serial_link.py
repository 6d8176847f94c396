"""A Link over pyserial: device paths, COMn and pyserial URLs, no reset on open, DevKit hard reset, reconnect after the device vanishes.

Opening (spec serial-protocol.md §1.6, §4 pitfall 7): DTR and RTS are set de-asserted on the
unopened port object, so pyserial applies them as its first act after the OS open; NodeMCU
DevKit boards then keep EN and GPIO0 high and do not reboot.

`reset()` is the DevKit hard reset: RTS asserted (EN low) with DTR de-asserted for about
100 ms, then RTS released.  DTR is written again after every RTS change because some
drivers (Windows usbser.sys) only send the line state when DTR is written.

When a read or write fails (USB cable pulled, board re-enumerating after a reboot, TCP server
gone) the link goes to `disconnected` with a one-line message and, unless `reconnect=False`,
a poller tries to reopen the same port at a bounded interval until it comes back (state
`open` again) or `close()` is called.  Reopening never resets the board either.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import serial

from espconsole.link.base import (DEFAULT_BAUD, Link, LinkDisconnected, LinkState,
                                  LinkUnsupported, PortOpenError)

READ_TIMEOUT = 0.1            # how often the reader looks at the stop flag while idle
RESET_PULSE = 0.1             # EN held low this long by reset()
FIRST_RETRY = 0.1             # reconnect poll: first wait, doubling up to max_retry_interval
MAX_RETRY_INTERVAL = 1.0

SerialFactory = Callable[..., "serial.SerialBase"]


def _serial_for_url(url: str, **kwargs) -> "serial.SerialBase":
    return serial.serial_for_url(url, **kwargs)


def _reason(exc: BaseException) -> str:
    """The useful part of a pyserial/OS error, in one line."""
    errno_text = getattr(exc, "strerror", None)
    text = errno_text or str(exc) or type(exc).__name__
    return " ".join(text.split())


class SerialLink(Link):
    """Link to a real board (or anything pyserial can reach)."""

    def __init__(self, port: str, baud: int = DEFAULT_BAUD, *, reconnect: bool = True,
                 max_retry_interval: float = MAX_RETRY_INTERVAL, reset_pulse: float = RESET_PULSE,
                 factory: SerialFactory = _serial_for_url):
        super().__init__(baud)
        if not port:
            raise PortOpenError("no serial port given")
        self.port = port
        self.reconnect = reconnect
        self.max_retry_interval = max_retry_interval
        self.reset_pulse = reset_pulse
        self._factory = factory
        self._serial: serial.SerialBase | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reconnects = 0           # successful reopenings after a loss

    @property
    def description(self) -> str:
        return f"{self.port}@{self.baud}"

    # -- opening ------------------------------------------------------------------------------

    def _make_port(self) -> serial.SerialBase:
        """Open the port with both control lines de-asserted before the OS open."""
        try:
            port = self._factory(self.port, do_not_open=True)
            port.baudrate = self.baud
            port.timeout = READ_TIMEOUT
            port.write_timeout = None
            port.dtr = False
            port.rts = False
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortOpenError(f"cannot open {self.port}: {_reason(exc)}") from None
        return port

    def _open_transport(self) -> None:
        self._serial = self._make_port()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"serial {self.port}", daemon=True)
        self._thread.start()

    def _close_transport(self) -> None:
        self._stop.set()
        port = self._serial
        if port is not None and hasattr(port, "cancel_read"):
            try:
                port.cancel_read()
            except Exception:
                pass                   # not every pyserial backend can cancel; the timeout ends it
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
        self._drop_port()

    def _drop_port(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass                   # the device is gone already; nothing left to release

    # -- the reader thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            port = self._serial
            if port is None:
                if not self.reconnect or not self._reopen():
                    return
                continue
            try:
                data = port.read(1)
                if data:
                    waiting = port.in_waiting
                    if waiting:
                        data += port.read(waiting)
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial's posix backend can trip over its own
                # fd being closed under it when the device disappears.
                if self._stop.is_set():
                    return
                self._lost(exc)
                continue
            self._deliver(data)

    def _lost(self, exc: BaseException) -> None:
        with self._write_lock:
            if self._serial is None:
                return
            self._drop_port()
        again = "; waiting for it to come back" if self.reconnect else ""
        self._set_state(LinkState.DISCONNECTED,
                        f"{self.port} disconnected: {_reason(exc)}{again}")

    def _reopen(self) -> bool:
        """Poll until the port opens again; False when close() stopped the wait."""
        interval = FIRST_RETRY
        while not self._stop.wait(interval):
            try:
                port = self._make_port()
            except PortOpenError:
                interval = min(interval * 2, self.max_retry_interval)
                continue
            with self._write_lock:
                if self._stop.is_set():
                    port.close()
                    return False
                self._serial = port
            self.reconnects += 1
            self._set_state(LinkState.OPEN, f"reconnected to {self.description}")
            return True
        return False

    # -- writing and control --------------------------------------------------------------------

    def _write_transport(self, data: bytes) -> None:
        port = self._serial
        if port is None:
            raise LinkDisconnected(self.message or f"{self.port} disconnected")
        try:
            port.write(data)
        except (serial.SerialException, OSError) as exc:
            message = f"{self.port} disconnected: {_reason(exc)}"
            # The reader thread notices too and starts the reconnect poll.
            if port.is_open and hasattr(port, "cancel_read"):
                try:
                    port.cancel_read()
                except Exception:
                    pass
            raise LinkDisconnected(message) from None

    def _apply_baud(self, baud: int) -> None:
        port = self._serial
        if port is not None:
            try:
                port.baudrate = baud
            except (serial.SerialException, OSError, ValueError) as exc:
                raise PortOpenError(f"{self.port}: cannot set {baud} baud: {_reason(exc)}") from None

    def flush(self) -> None:
        port = self._serial
        if port is not None:
            try:
                port.flush()
            except (serial.SerialException, OSError, AttributeError):
                pass                   # a vanished port has nothing left to drain

    def reset(self) -> None:
        """NodeMCU DevKit hard reset (EN pulsed low through RTS); blocks about `reset_pulse` s."""
        self._require_open()
        with self._write_lock:
            port = self._serial
            if port is None:
                raise LinkDisconnected(self.message or f"{self.port} disconnected")
            try:
                self._set_lines(port, rts=True)
                time.sleep(self.reset_pulse)
                self._set_lines(port, rts=False)
            except (serial.SerialException, OSError) as exc:
                raise LinkUnsupported(f"{self.port}: cannot drive the reset line: "
                                      f"{_reason(exc)}") from None

    @staticmethod
    def _set_lines(port: serial.SerialBase, rts: bool) -> None:
        port.dtr = False
        port.rts = rts
        port.dtr = False               # re-write DTR so usbser.sys sends the new RTS state
