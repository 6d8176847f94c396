"""UART wire timing: when each queued byte has finished crossing a serial line at a given baud and framing.

A `Wire` is one direction of a UART.  Bytes pushed into it come out of `release(now)` only once
their last bit (the stop bit) would have arrived at the far end.  Release times are computed
from an anchor instant and a byte count (`anchor + (n + 1) * bits / baud`), never by adding up
per-byte delays, so the schedule cannot drift however the caller's wake-ups are spread; a
caller that wakes late simply gets several bytes at once.  The anchor moves only when the
line has been idle (nothing queued) or the rate changes.

The clock is passed in (`now`, seconds from a monotonic clock), which keeps this module pure and
its schedule testable without sleeping.
"""

from __future__ import annotations

import math

START_BITS = 1


def frame_bits(databits: int = 8, parity: bool = False, stopbits: float = 1) -> float:
    """Bit times per character: start bit, data bits, optional parity bit, stop bits (8N1 → 10)."""
    return START_BITS + databits + (1 if parity else 0) + stopbits


class Wire:
    """One direction of a serial line: a byte queue drained at `baud` with `bits` per byte.

    `baud` None means an ideal wire: everything pushed is released at once.
    Not thread-safe: the owner serialises calls.
    """

    def __init__(self, baud: int | None, bits: float = 10.0):
        self._baud = baud
        self._bits = bits
        self._queue = bytearray()
        self._anchor = 0.0            # instant the first byte counted by `_sent` started
        self._sent = 0                # bytes released since the anchor

    @property
    def baud(self) -> int | None:
        return self._baud

    @property
    def bits(self) -> float:
        return self._bits

    @property
    def byte_time(self) -> float:
        """Seconds one byte occupies the line (0 for an ideal wire)."""
        return 0.0 if self._baud is None else self._bits / self._baud

    def __len__(self) -> int:
        return len(self._queue)

    def push(self, data: bytes, now: float) -> None:
        """Queue bytes for sending; an idle line starts sending them at `now`."""
        if not data:
            return
        if not self._queue:
            # The line may have been idle since the last byte's stop bit; it cannot start
            # before it became free, nor before now.
            self._anchor = max(now, self.line_free_at())
            self._sent = 0
        self._queue += data

    def line_free_at(self) -> float:
        """Instant the last released byte finished (≤ now once everything queued is out)."""
        return self._anchor + self._sent * self.byte_time

    def due(self, now: float) -> int:
        """How many queued bytes have completely crossed the line by `now`."""
        if self._baud is None:
            return len(self._queue)
        if now <= self._anchor:
            return 0
        done = math.floor((now - self._anchor) * self._baud / self._bits + 1e-9)
        return max(0, min(len(self._queue), done - self._sent))

    def release(self, now: float) -> bytes:
        """Remove and return the bytes that have arrived at the far end by `now`."""
        count = self.due(now)
        if not count:
            return b""
        data = bytes(self._queue[:count])
        del self._queue[:count]
        self._sent += count
        return data

    def next_release_at(self) -> float | None:
        """When the next queued byte completes (None when nothing is queued)."""
        if not self._queue:
            return None
        if self._baud is None:
            return self._anchor
        return self._anchor + (self._sent + 1) * self.byte_time

    def finished_at(self) -> float:
        """When everything queued now will have crossed the line."""
        return self._anchor + (self._sent + len(self._queue)) * self.byte_time

    def set_rate(self, baud: int | None, bits: float | None = None, now: float = 0.0) -> None:
        """Change baud/framing; bytes still queued continue from the current line position."""
        bits = self._bits if bits is None else bits
        if baud == self._baud and bits == self._bits:
            return
        # Bytes that finished at the old rate stay due; the new rate counts from the end of
        # the last of them.  `_sent` goes negative by that many so `due()` still reports them
        # until they are released.
        done = self.due(now) if self._queue else 0
        self._anchor += (self._sent + done) * self.byte_time
        self._sent = -done
        self._baud, self._bits = baud, bits

    def clear(self) -> int:
        """Drop everything queued (a receiver that went away); returns the count."""
        count = len(self._queue)
        self._queue.clear()
        return count


def transfer_time(count: int, baud: int, bits: float = 10.0) -> float:
    """Seconds `count` back-to-back bytes take on the wire (spec §5: 115200 8N1 → 11 520 B/s)."""
    return count * bits / baud


def decode_at(data: bytes, tx_baud: int | None, rx_baud: int | None) -> bytes:
    """What a receiver at `rx_baud` makes of `data` sent at `tx_baud` (unchanged when the rates
    match or either is unknown); the bit-level model is the emulated board's own (vm.nodemcu.boot)."""
    if not data or tx_baud is None or rx_baud is None or _same_rate(tx_baud, rx_baud):
        return bytes(data)
    from vm.nodemcu.boot import garble
    return garble(data, tx_baud, rx_baud)


def _same_rate(a: int, b: int) -> bool:
    # Real UARTs tolerate a few percent of clock mismatch before bits are sampled wrongly.
    return abs(a - b) <= 0.02 * max(a, b)
