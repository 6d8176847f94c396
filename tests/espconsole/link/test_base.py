"""The Link contract: buffered reads, listeners, states and errors (through LoopbackLink)."""

import threading
import time

import pytest

from espconsole.errors import EspConsoleError
from espconsole.link import (ByteEndpoint, EchoEndpoint, LinkClosed, LinkDisconnected, LinkError,
                             LinkState, LinkTimeout, LinkUnsupported, LoopbackLink, PortOpenError)
from espconsole.link.base import Link


@pytest.fixture
def node():
    return EchoEndpoint()


@pytest.fixture
def link(node):
    with LoopbackLink(node) as link:
        yield link


def test_errors_are_user_facing():
    for error in (LinkError, PortOpenError, LinkClosed, LinkDisconnected, LinkTimeout, LinkUnsupported):
        assert issubclass(error, EspConsoleError)


def test_echo_endpoint_is_a_byte_endpoint(node):
    assert isinstance(node, ByteEndpoint)


def test_read_returns_what_arrived(link):
    link.write(b"abc")
    assert link.read_until(b"c", 2) == b"abc"
    assert link.read(0.01) == b""


def test_read_size_limits(link):
    link.write(b"12345")
    first = link.read(2, size=2)
    assert first == b"12"
    assert link.read_until(b"5", 2) == b"345"


def test_read_until_timeout_keeps_the_buffer(link):
    link.write(b"partial")
    link.read_until(b"l", 2)
    link.write(b"ly there")
    with pytest.raises(LinkTimeout) as excinfo:
        link.read_until(b"never", 0.1)
    assert "no 'never' within 0.1 s" in str(excinfo.value)
    assert link.peek() == b"ly there"
    assert link.read_until(b"there", 1) == b"ly there"


def test_read_until_marker_split_across_chunks(node, link):
    node.reply = lambda data: b""
    node.send(b"abc\r")
    node.send(b"\n> ")
    assert link.read_until(b"\r\n> ", 2) == b"abc\r\n> "


def test_read_until_rejects_empty_marker(link):
    with pytest.raises(ValueError):
        link.read_until(b"", 1)


def test_discard_input(link):
    link.write(b"junk")
    link.read_until(b"k", 2)
    link.write(b"more")
    deadline = time.monotonic() + 5            # wait for the echo, however loaded the machine
    while len(link.peek()) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert link.discard_input() == 4
    assert link.peek() == b""


def test_listeners_run_on_the_link_thread(node):
    seen, threads = [], []
    arrived = threading.Event()

    def listener(data):
        seen.append(data)
        threads.append(threading.current_thread())
        arrived.set()

    with LoopbackLink(node) as link:
        link.add_data_listener(listener)
        link.write(b"ping")
        assert arrived.wait(2)
        link.remove_data_listener(listener)
    assert b"".join(seen) == b"ping"
    assert threads[0] is not threading.main_thread()


def test_failing_listener_does_not_stop_delivery(node, caplog):
    def broken(data):
        raise RuntimeError("listener bug")

    with LoopbackLink(node) as link:
        link.add_data_listener(broken)
        link.write(b"one")
        assert link.read_until(b"one", 2) == b"one"
        link.write(b"two")
        assert link.read_until(b"two", 2) == b"two"
    assert "listener bug" in caplog.text


def test_state_changes_are_reported(node):
    changes = []
    link = LoopbackLink(node, description="emulated")
    link.add_state_listener(lambda state, message: changes.append((state, message)))
    assert link.state is LinkState.CLOSED
    link.open()
    assert link.is_open
    link.close()
    link.close()
    assert [state for state, _ in changes] == [LinkState.CONNECTING, LinkState.OPEN, LinkState.CLOSED]
    assert changes[1][1] == "connected to emulated"


def test_write_and_read_need_an_open_link(node):
    link = LoopbackLink(node, description="emulated")
    with pytest.raises(LinkClosed, match="emulated: link is not open"):
        link.write(b"x")
    with pytest.raises(LinkClosed):
        link.read(0.01)
    link.write(b"")                     # nothing to send is never an error


def test_buffered_bytes_can_be_read_after_close(node):
    link = LoopbackLink(node)
    with link:
        link.write(b"kept")
        time.sleep(0.05)
        link.wait_state(LinkState.OPEN)
        deadline = time.monotonic() + 2
        while len(link.peek()) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert link.read(0) == b"kept"
    with pytest.raises(LinkClosed):
        link.read(0)


def test_receive_buffer_is_bounded(node):
    with LoopbackLink(node) as link:
        link._receive_limit = 8
        node.send(b"0123456789ab")
        deadline = time.monotonic() + 2
        while link.discarded == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert link.peek() == b"456789ab"
        assert link.discarded == 4


@pytest.mark.parametrize("baud", [0, -9600, 1.5, "115200", True])
def test_invalid_baud(node, baud):
    with pytest.raises(LinkError, match="invalid baud rate"):
        LoopbackLink(node, baud=baud)


def test_reset_unsupported_by_default():
    class Minimal(Link):
        description = "minimal"

        def _open_transport(self):
            pass

        def _close_transport(self):
            pass

        def _write_transport(self, data):
            pass

    with Minimal() as link:
        with pytest.raises(LinkUnsupported, match="cannot reset"):
            link.reset()
        link.set_baud(9600)
        assert link.baud == 9600
        link.flush()


def test_failed_open_returns_to_closed():
    class Failing(Link):
        description = "failing"

        def _open_transport(self):
            raise PortOpenError("cannot open failing: no such device")

    link = Failing()
    with pytest.raises(PortOpenError):
        link.open()
    assert link.state is LinkState.CLOSED


def test_wait_state_times_out(node):
    link = LoopbackLink(node)
    assert not link.wait_state(LinkState.OPEN, 0.01)
