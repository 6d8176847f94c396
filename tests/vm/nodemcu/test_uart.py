"""UART: output paths and translation, the input driver byte by byte (spec §1.2, §1.4, §1.8, §1.10)."""

import pytest

from vm.nodemcu.uart import (
    PARITY_EVEN, PROMPT2, RX_RING, SUPPORTED_BAUDS, InputDriver, PortConfig, Uart0,
    translate_newlines,
)


class Wire:
    """Collects what the board sends, one entry per host write."""

    def __init__(self):
        self.writes = []

    def __call__(self, data):
        self.writes.append(data)

    @property
    def data(self):
        return b"".join(self.writes)


def make(lines=None):
    wire = Wire()
    uart = Uart0(wire)
    queued = [] if lines is None else lines
    driver = InputDriver(uart, queued.append)
    return wire, uart, driver, queued


class StubRepl:
    """Just enough REPL to replay spec §1.10: canned results, prompt via path A."""

    RESULTS = {b"print(1+1)": b"2\n", b"print(i) end": b"1\n2\n", b'print("a","b")': b"a\tb\n",
               b'=1,"a",nil': b"1\ta\tnil\n",
               b"x = = 1": b"Lua error: \tstdin:1: unexpected symbol near '='\n"}

    def __init__(self):
        self.wire = Wire()
        self.uart = Uart0(self.wire)
        self.driver = InputDriver(self.uart, self.run)
        self.pending = False

    def run(self, line):
        text = line.rstrip(b"\n")
        if text == b"for i=1,2 do":
            self.pending = True
        elif text == b'uart.write(0,"C")':
            self.uart.raw(b"C")
        else:
            self.pending = False
            self.uart.stdout(self.RESULTS[text])
        prompt = PROMPT2 if self.pending else b"> "
        self.driver.set_prompt(prompt)
        self.uart.stdout(prompt)

    def exchange(self, sent):
        before = len(self.wire.data)
        self.driver.feed(sent)
        self.uart.flush()
        return self.wire.data[before:]


# -- output ------------------------------------------------------------------------------------

def test_newline_translation():
    assert translate_newlines(b"a\r\nb\n") == b"a\r\nb\r\n"
    assert translate_newlines(b"x\r") == b"x"
    assert translate_newlines(b"\x00\xff") == b"\x00\xff"


def test_output_paths():
    wire, uart, _, _ = make()
    uart.stdout(b"a\nb\n")
    uart.debug(b"format done.\n")
    uart.raw(b"a\n\r")
    uart.flush()
    assert wire.writes == [b"a\r\nb\r\nformat done.\r\na\n\r"]


def test_node_output_redirection():
    wire, uart, _, _ = make()
    captured = []
    uart.set_redirect(captured.append, serial_debug=False)
    uart.stdout(b"hidden\n")
    uart.debug(b"shown\n")
    uart.set_redirect(captured.append, serial_debug=True)
    uart.stdout(b"both\n")
    uart.set_redirect(None)
    uart.stdout(b"plain\n")
    uart.flush()
    assert captured == [b"hidden\n", b"both\n"]
    assert wire.data == b"shown\r\nboth\r\nplain\r\n"


def test_port_config():
    port = PortConfig()
    assert port.getconfig() == (115200, 8, 0, 1)
    assert port.setup(12345, 8, 0, 1) == 12345 and port.baud == 9600
    assert port.setup(921600, 7, PARITY_EVEN, 2) == 921600
    assert port.getconfig() == (921600, 7, 1, 2)
    for rate in SUPPORTED_BAUDS:
        port.setup(rate, 8, 0, 1)
        assert port.getconfig()[0] == rate


def test_baud_change_drains_first():
    events = []
    uart = Uart0(lambda data: events.append(("tx", data)))
    uart.baud_listener = lambda baud: events.append(("baud", baud))
    uart.stdout(b"before\n")
    assert uart.setup(9600) == 9600
    uart.stdout(b"after")
    uart.flush()
    assert events == [("tx", b"before\r\n"), ("baud", 9600), ("tx", b"after")]
    uart.reset()
    assert uart.baud == 115200


# -- spec §1.10, byte for byte -----------------------------------------------------------------

@pytest.mark.parametrize("sent, received", [
    (b"print(1+1)\r\n", b"print(1+1)\r\n2\r\n> "),
    (b"\r\n", b"\r\n> "),
    (b"x = = 1\n", b"x = = 1\r\nLua error: \tstdin:1: unexpected symbol near '='\r\n> "),
    (b'=1,"a",nil\n', b'=1,"a",nil\r\n1\ta\tnil\r\n> '),
    (b'print("a","b")\n', b'print("a","b")\r\na\tb\r\n> '),
    (b'uart.write(0,"C")\n', b'uart.write(0,"C")\r\nC> '),
])
def test_worked_exchanges(sent, received):
    assert StubRepl().exchange(sent) == received


def test_worked_multiline_exchange():
    repl = StubRepl()
    assert repl.exchange(b"for i=1,2 do\n") == b"for i=1,2 do\r\n>> "
    assert repl.exchange(b"\n") == b"\r\n>> "                 # empty line re-sends the current prompt
    assert repl.exchange(b"print(i) end\n") == b"print(i) end\r\n1\r\n2\r\n> "


def test_backspace_exchange():
    wire, _, driver, lines = make()
    driver.feed(b"ab\x08c\r")
    assert wire.data == b"ab\b \bc\r\n" and lines == [b"ac\n"]


def test_empty_line_reply_is_one_write():
    wire, _, driver, _ = make()
    driver.feed(b"\r\n")
    assert wire.writes == [b"\r\n> "]


# -- input driver rules (§1.4) -----------------------------------------------------------------

@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n", b"\n\r"])
def test_any_line_end_is_one_crlf(ending):
    wire, _, driver, lines = make()
    driver.feed(b"x=1" + ending)
    assert wire.data == b"x=1\r\n" and lines == [b"x=1\n"]


def test_doubled_terminators_are_two_line_ends():
    wire, _, driver, lines = make()
    driver.feed(b"a\r\rb\n\n")
    assert lines == [b"a\n", b"b\n"]
    assert wire.data == b"a\r\n\r\n> b\r\n\r\n> "


def test_pair_split_across_feeds_and_broken_by_backspace():
    _, _, driver, lines = make()
    driver.feed(b"a\r")
    driver.feed(b"\nb\r")
    driver.feed(b"\x08\n")                     # BS clears last_char: the LF is a new line end
    assert lines == [b"a\n", b"b\n"]


def test_backspace_on_empty_line_echoes_nothing():
    wire, _, driver, _ = make()
    driver.feed(b"\x7f\x08")
    assert wire.data == b""


def test_control_bytes_are_plain_data():
    wire, _, driver, lines = make()
    driver.feed(b"a\x03\t\x1b[A\n")
    assert lines == [b"a\x03\t\x1b[A\n"] and wire.data == b"a\x03\t\x1b[A\r\n"


@pytest.mark.parametrize("length", [255, 256, 300, 510, 511])
def test_line_limit_keeps_the_tail(length):
    wire, _, driver, lines = make()
    text = bytes(48 + i % 10 for i in range(length))
    driver.feed(text + b"\n")
    keep = (length - 1) % 255 + 1
    assert lines == [text[-keep:] + b"\n"]
    assert wire.data == text + b"\r\n"             # fully echoed, no message


def test_echo_off():
    wire, _, driver, lines = make()
    driver.set_echo(False)
    driver.feed(b"ab\x08c\n\n")
    assert lines == [b"ac\n"] and wire.data == b"> "    # only the empty line's prompt


def test_callback_in_interpreter_mode_sees_lines_first():
    order = []
    wire, uart, driver, _ = make()
    driver.on_line = lambda line: order.append(("lua", line))
    driver.uart_on(lambda data: order.append(("cb", data)))
    driver.feed(b"abc\r\n\n")
    assert order == [("cb", b"abc"), ("lua", b"abc\n"), ("cb", b"")]
    assert wire.data == b"abc\r\n\r\n> "


def test_ring_keeps_newest_256_bytes():
    _, _, driver, lines = make()
    driver.receive(b"A" * 100 + b"\n" + b"B" * 200 + b"\n")
    assert driver.overrun == 302 - RX_RING
    driver.process()
    assert lines == [b"A" * 54 + b"\n", b"B" * 200 + b"\n"]


def test_reset_restores_boot_state():
    _, _, driver, _ = make()
    driver.set_echo(False)
    driver.uart_on(print, count=3, run_input=False)
    driver.set_prompt(PROMPT2)
    driver.reset()
    assert driver.echo_on and driver.run_input and driver.callback is None and driver.prompt == b"> "


# -- uart.on("data", ..., 0) binary modes (§1.8) -----------------------------------------------

def test_count_mode_chunks_exactly():
    chunks = []
    wire, _, driver, lines = make()
    driver.uart_on(chunks.append, count=130, run_input=False)
    block = bytes(range(130))
    driver.feed(block + block[:50])
    driver.feed(block[50:] + b"\n\r")
    assert chunks == [block, block] and lines == [] and wire.data == b""


def test_count_zero_is_per_byte():
    chunks = []
    _, _, driver, _ = make()
    driver.uart_on(chunks.append, count=0, run_input=False)
    driver.feed(b"ab\n")
    assert chunks == [b"a", b"b", b"\n"]


def test_end_char_mode_includes_delimiter_and_caps_at_256():
    chunks = []
    _, _, driver, _ = make()
    driver.uart_on(chunks.append, end=b"\r", run_input=False)
    driver.feed(b"one\rtwo\r" + b"x" * 300)
    assert chunks[:2] == [b"one\r", b"two\r"] and chunks[2] == b"x" * 256
    no_char = []
    driver.uart_on(no_char.append, run_input=False)       # neither: end character NUL
    driver.feed(b"x" * 44 + b"name\0")
    # Re-registering keeps the 44 bytes left over from the 300 (the buffer is not cleared).
    assert no_char == [b"x" * 88 + b"name\0"]


def test_callback_switches_back_to_interpreter_mode():
    wire, _, driver, lines = make()
    got = []

    def receiver(data):
        got.append(data)
        if data == b"\0":
            driver.uart_on(None)                            # uart.on("data")
    driver.uart_on(receiver, count=0, run_input=False)
    driver.feed(b"ab\0print(1)\n")
    assert got == [b"a", b"b", b"\0"]
    assert lines == [b"print(1)\n"] and wire.data == b"print(1)\r\n"


def test_uart_write_in_callback_follows_echo():
    wire, uart, driver, _ = make()
    driver.uart_on(lambda data: uart.raw(b"\x06"))
    driver.feed(b"x\n")
    assert wire.writes == [b"x\r\n\x06"]
