"""UART0 of the board: the input driver's byte state machine, the four output paths and the port settings; counterpart of app/driver/input.c and app/driver/uart.c (with uart.setup/getconfig of app/platform/platform.c).

Output (spec §1.2).  Every byte the board sends goes through one `Uart0`, in order:

    A  stdout()  print, REPL results and prompts   follows node.output redirection, translated
    B  debug()   banner, format dots, LFS and partition messages          translated
    C  echo()    the input driver's echo, CR LF, backspace rub-out, empty-line prompt  translated
    D  raw()     uart.write                                               untouched

"Translated" is the firmware's character routine: LF goes out as CR LF and CR is dropped.
Output is collected and handed to the link in one piece by `flush()`, so the echo of a
received chunk and an empty line's prompt arrive together (ESPlorer's detection needs that).

Input (spec §1.4, §1.8).  `InputDriver.feed(data)` runs the firmware's receive task over the
bytes: echo, CR/LF pairing, backspace, the 255-byte line limit, the empty-line prompt, the
`uart.on("data")` callback and, with run_input 0, the count/end-character chunking.  Completed
lines (with their LF) go to `on_line`, which the REPL binding queues for the Lua interpreter.
`receive(data)` models bytes arriving while a Lua task runs: they wait in the 256-byte ring,
which overwrites its oldest bytes when full, until `process()` drains it.

The firmware's drain loop only re-reads the run_input flag after each line; this driver
re-checks the mode before every byte, so a mode change made by a data callback applies exactly
to the bytes that follow it (on the chip the split depends on interrupt timing).
"""

from __future__ import annotations

from collections import deque
from typing import Callable

CR, LF, BS, DEL = 0x0D, 0x0A, 0x08, 0x7F
LINE_BUFFER = 256            # LUA_MAXINPUT: at most 255 stored bytes plus the LF
RX_RING = 256                # RX_BUFF_SIZE: unread bytes the interrupt handler keeps
RUB_OUT = b"\b \b"
PROMPT = b"> "
PROMPT2 = b">> "
DEFAULT_BAUD = 115200
UART_CLK_FREQ = 80_000_000
SUPPORTED_BAUDS = (300, 600, 1200, 2400, 4800, 9600, 19200, 31250, 38400, 57600, 74880, 115200,
                   230400, 256000, 460800, 921600, 1843200, 3686400)
PARITY_NONE, PARITY_EVEN, PARITY_ODD = 0, 1, 2
STOPBITS_1, STOPBITS_2, STOPBITS_1_5 = 1, 2, 3


def translate_newlines(data: bytes) -> bytes:
    """What the firmware's character routine puts on the wire: LF -> CR LF, CR dropped."""
    return bytes(data).replace(b"\r", b"").replace(b"\n", b"\r\n")


class PortConfig:
    """Frame settings of one UART as uart.setup stores and uart.getconfig reports them."""

    def __init__(self):
        self.baud = DEFAULT_BAUD
        self.databits = 8
        self.parity = PARITY_NONE
        self.stopbits = STOPBITS_1

    def setup(self, baud: int, databits: int, parity: int, stopbits: int) -> int:
        """Apply settings the way the platform layer does; returns the *requested* baud."""
        self.baud = baud if baud in SUPPORTED_BAUDS else 9600
        self.databits = databits if databits in (5, 6, 7, 8) else 8
        self.parity = parity if parity in (PARITY_EVEN, PARITY_ODD) else PARITY_NONE
        self.stopbits = stopbits if stopbits in (STOPBITS_2, STOPBITS_1_5) else STOPBITS_1
        return baud

    def getconfig(self) -> tuple[int, int, int, int]:
        """(baud, databits, parity, stopbits); the baud is read back from the clock divider and
        snapped to the nearest standard rate."""
        actual = UART_CLK_FREQ // (UART_CLK_FREQ // self.baud)
        best, offset = actual, actual
        for rate in SUPPORTED_BAUDS:
            if abs(actual - rate) < offset:
                best, offset = rate, abs(actual - rate)
        return best, self.databits, self.parity, self.stopbits


class Uart0:
    """The console UART's transmit side: four output paths into one ordered byte stream."""

    def __init__(self, sink: Callable[[bytes], None] | None = None):
        self.sink = sink
        self.pending = bytearray()
        self.config = PortConfig()
        self.redirect: Callable[[bytes], None] | None = None
        self.serial_debug = True
        self.baud_listener: Callable[[int], None] | None = None

    @property
    def baud(self) -> int:
        return self.config.baud

    def raw(self, data: bytes) -> None:
        """Path D (uart.write): bytes go out exactly as given."""
        self.pending += data

    def debug(self, data: bytes) -> None:
        """Path B (firmware messages): always on the UART, newline-translated."""
        self.pending += translate_newlines(data)

    def echo(self, data: bytes) -> None:
        """Path C (input driver): always on the UART, newline-translated."""
        self.pending += translate_newlines(data)

    def stdout(self, data: bytes) -> None:
        """Path A (Lua stdout): to the node.output function if one is set, and to the UART
        unless that redirection was made with serial_debug 0."""
        if self.redirect is not None:
            self.redirect(bytes(data))
            if not self.serial_debug:
                return
        self.pending += translate_newlines(data)

    def set_redirect(self, function: Callable[[bytes], None] | None, serial_debug: bool = True) -> None:
        """node.output(fn, serial_debug); `function` None restores plain UART output."""
        self.redirect = function
        self.serial_debug = True if function is None else serial_debug

    def setup(self, baud: int, databits: int = 8, parity: int = PARITY_NONE, stopbits: int = STOPBITS_1) -> int:
        """uart.setup for id 0: drain what is queued at the old rate, then switch."""
        self.flush()
        result = self.config.setup(baud, databits, parity, stopbits)
        if self.baud_listener is not None:
            self.baud_listener(self.config.baud)
        return result

    def take(self) -> bytes:
        """Remove and return everything queued (for links that pull instead of being pushed to)."""
        data = bytes(self.pending)
        self.pending.clear()
        return data

    def flush(self) -> None:
        """Hand everything queued to the sink in one write."""
        if self.pending and self.sink is not None:
            self.sink(self.take())

    def reset(self) -> None:
        """A restart: 115200 8N1, no redirection (queued bytes are kept: they were sent)."""
        self.config = PortConfig()
        self.redirect = None
        self.serial_debug = True
        if self.baud_listener is not None:
            self.baud_listener(self.config.baud)


class InputDriver:
    """The receive task of the console UART (state `ins` of the firmware's input driver)."""

    def __init__(self, uart: Uart0, on_line: Callable[[bytes], None] | None = None):
        self.uart = uart
        self.on_line = on_line
        self.ring: deque[int] = deque(maxlen=RX_RING)
        self.overrun = 0
        self.reset()

    def reset(self) -> None:
        """Boot state: echo on, interpreter input on, no data callback, prompt `> `."""
        self.line = bytearray()
        self.last_char = 0
        self.echo_on = True
        self.run_input = True
        self.prompt = PROMPT
        self.callback: Callable[[bytes], None] | None = None
        self.data_len = 0
        self.end_char = 0
        self.ring.clear()

    # -- configuration made by the Lua bindings ------------------------------------------------

    def set_echo(self, on: bool) -> None:
        """uart.setup's 6th argument."""
        self.echo_on = bool(on)

    def set_prompt(self, prompt: bytes) -> None:
        """The REPL's current prompt, re-sent by the driver for an empty line."""
        self.prompt = bytes(prompt)

    def set_receive(self, callback: Callable[[bytes], None] | None, data_len: int = -1,
                    end_char: int = 0, run_input: bool = True) -> None:
        """The driver's receive set-up, as the firmware's input_setup_receive."""
        if callback is None:
            self.callback, self.data_len, self.end_char, self.run_input = None, 0, 0, True
        else:
            self.callback, self.data_len, self.end_char, self.run_input = callback, data_len, end_char, run_input

    def uart_on(self, callback: Callable[[bytes], None] | None, count: int | None = None,
                end: bytes | None = None, run_input: bool = True) -> None:
        """uart.on("data", ...) after the binding's argument checks.

        `count` 0..255 (bytes per callback, 0 = each byte), or `end` one byte (callback after
        it), or neither (end character NUL).  `run_input` is False only for a literal 0.
        `callback` None unregisters and turns interpreter input back on.
        """
        if count is not None:
            self.set_receive(callback, count, 0, run_input)
        elif end is not None:
            self.set_receive(callback, -1, end[0], run_input)
        else:
            self.set_receive(callback, -1, 0, run_input)

    # -- receiving -----------------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        """Bytes arriving while the CPU is busy: stored in the ring, the oldest overwritten."""
        for byte in data:
            if len(self.ring) == RX_RING:
                self.overrun += 1
            self.ring.append(byte)

    def process(self) -> None:
        """The receive task: drain the ring, then hand the produced output to the link."""
        while self.ring:
            self._byte(self.ring.popleft())
        self.uart.flush()

    def feed(self, data: bytes) -> None:
        """Bytes arriving while the receive task can run: processed at once, output flushed once."""
        for byte in data:
            self._byte(byte)
        self.uart.flush()

    def _byte(self, ch: int) -> None:
        if self.run_input:
            self._interactive(ch)
        elif self.callback is None:
            pass                                # nobody listens: the byte is dropped
        elif self.data_len == 0:
            self.callback(bytes((ch,)))
        else:
            self.line.append(ch)
            if len(self.line) >= LINE_BUFFER or (self.data_len > 0 and len(self.line) >= self.data_len) \
                    or (self.data_len < 0 and ch == self.end_char):
                chunk = bytes(self.line)
                self.line.clear()
                self.callback(chunk)

    def _interactive(self, ch: int) -> None:
        if (ch == CR and self.last_char == LF) or (ch == LF and self.last_char == CR):
            self.last_char = 0                  # second half of a CR LF / LF CR pair
            return
        if ch in (BS, DEL):
            if self.line:
                if self.echo_on:
                    self.uart.echo(RUB_OUT)
                del self.line[-1]
            self.last_char = 0
            return
        self.last_char = ch
        if ch in (CR, LF):
            if self.echo_on:
                self.uart.echo(b"\n")
            if self.callback is not None:
                self.callback(bytes(self.line))
            if not self.line:
                self.uart.echo(self.prompt)     # empty line: the prompt again, no Lua involved
                return
            self.line.append(LF)
            line = bytes(self.line)
            self.line.clear()
            if self.on_line is not None:
                self.on_line(line)
            return
        if self.echo_on:
            self.uart.echo(bytes((ch,)))
        if len(self.line) + 1 >= LINE_BUFFER:
            self.line.clear()                   # over-long line: start again, silently
        self.line.append(ch)
