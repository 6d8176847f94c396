"""PtyBridge: a ByteEndpoint served on a pseudo-terminal, driven by real pyserial clients."""

import io
import os
import sys
import termios
import threading
import time

import pytest
import serial

from espconsole.link import EchoEndpoint, LinkState
from espconsole.link.pty_bridge import PtyBridge, client_line_settings
from espconsole.link.serial_link import SerialLink

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="pty line settings are read the Linux way")


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def node():
    return EchoEndpoint(boot_text=b"booted\r\n> ")


@pytest.fixture
def bridge(node):
    with PtyBridge(node, 115200) as bridge:
        yield bridge


@pytest.fixture
def client(bridge):
    port = serial.Serial(bridge.path, 115200, timeout=2)
    yield port
    port.close()


def read_exactly(port, count):
    data = bytearray()
    deadline = time.monotonic() + 5
    while len(data) < count and time.monotonic() < deadline:
        data += port.read(count - len(data))
    return bytes(data)


def test_client_line_settings():
    attributes = [0, 0, termios.CS8 | termios.CREAD, 0, termios.B9600, termios.B9600, []]
    assert client_line_settings(attributes) == (9600, 9600, 10)
    attributes = [0, 0, termios.CS7 | termios.PARENB | termios.CSTOPB, 0, 0, termios.B115200, []]
    assert client_line_settings(attributes) == (115200, 115200, 11)   # 7E2
    assert client_line_settings([0, 0, termios.CS8, 0, 0, 0o7777777, []])[0] is None


def test_path_and_announcement(bridge):
    assert bridge.path.startswith("/dev/")
    assert os.path.exists(bridge.path)
    out = io.StringIO()
    bridge.announce(out)
    assert out.getvalue() == f"pty: {bridge.path}\n"


def test_echo_through_pyserial(node, client):
    client.write(b"=node.heap()\r\n")
    assert read_exactly(client, 14) == b"=node.heap()\r\n"
    assert bytes(node.received) == b"=node.heap()\r\n"


def test_binary_transparent_both_ways(client):
    payload = bytes(range(256))
    client.write(payload)
    assert read_exactly(client, 256) == payload


def test_raw_even_for_clients_that_set_nothing(bridge, node):
    fd = os.open(bridge.path, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, b"\r\n\x03\x11\x7f")
        assert wait_for(lambda: len(node.received) == 5)
        assert bytes(node.received) == b"\r\n\x03\x11\x7f"
        data = b""
        deadline = time.monotonic() + 5
        while len(data) < 5 and time.monotonic() < deadline:
            data += os.read(fd, 5 - len(data))
        assert data == b"\r\n\x03\x11\x7f"
    finally:
        os.close(fd)


def test_large_transfer_keeps_order(client):
    payload = bytes(range(256)) * 12
    received = bytearray()
    reader = threading.Thread(target=lambda: received.extend(read_exactly(client, len(payload))))
    reader.start()
    for start in range(0, len(payload), 256):
        client.write(payload[start:start + 256])
    reader.join()
    assert bytes(received) == payload


def test_clients_come_and_go(bridge, node):
    for round_number in range(5):
        with serial.Serial(bridge.path, 115200, timeout=2) as port:
            message = b"round %d\r\n" % round_number
            port.write(message)
            assert read_exactly(port, len(message)) == message
    assert wait_for(lambda: not bridge.client_connected)
    assert bridge.clients >= 1


def test_output_without_client_is_dropped(bridge, node):
    assert wait_for(lambda: not bridge.client_connected)
    node.send(b"nobody listens")
    assert wait_for(lambda: bridge.dropped == 14)
    with serial.Serial(bridge.path, 115200, timeout=0.2) as port:
        node.send(b"hello")
        assert read_exactly(port, 5) == b"hello"


def test_reset_reaches_the_node(bridge, node, client):
    bridge.reset()
    assert node.resets == 1
    assert read_exactly(client, 10) == b"booted\r\n> "


def test_client_at_the_wrong_rate_sees_noise(bridge, node):
    node.reply = lambda data: b""            # no echo: only what the test sends comes back
    with serial.Serial(bridge.path, 9600, timeout=0.3) as port:
        port.write(b"print('hello')\r\n")
        assert wait_for(lambda: len(node.received) > 0)
        assert b"hello" not in bytes(node.received)
        node.send(b"hello")
        time.sleep(0.05)
        assert b"hello" not in port.read(100)
        node.change_baud(9600)               # uart.setup(0, 9600, ...) on the board
        assert bridge.board_baud == 9600
        port.reset_input_buffer()
        port.write(b"ok\r\n")
        # the tail of the garbled line may still be on the wire; the new line arrives intact
        assert wait_for(lambda: bytes(node.received).endswith(b"ok\r\n"))
        node.send(b"fine")
        assert read_exactly(port, 4) == b"fine"


def test_mismatch_ignore(node):
    with PtyBridge(node, 115200, mismatch="ignore") as bridge:
        with serial.Serial(bridge.path, 9600, timeout=2) as port:
            port.write(b"same")
            assert read_exactly(port, 4) == b"same"


def test_pacing_takes_wire_time(node):
    with PtyBridge(node, 9600) as bridge:
        with serial.Serial(bridge.path, 9600, timeout=2) as port:
            port.write(b"x")                   # first contact: the bridge notices the client
            assert read_exactly(port, 1) == b"x"
            start = time.monotonic()
            port.write(bytes(64))
            assert read_exactly(port, 64) == bytes(64)
            # 64 bytes at 9600 8N1 take 66.7 ms on the wire: only a loose lower bound
            assert time.monotonic() - start >= 0.05


def test_serial_link_over_the_bridge(bridge, node):
    with SerialLink(bridge.path, 115200, reconnect=False) as link:
        link.write(b"=1\r\n")
        assert link.read_until(b"=1\r\n", 5) == b"=1\r\n"
        with pytest.raises(Exception):
            link.reset()                       # a pty has no modem lines
        bridge.close()                         # the emulator goes away: the device vanishes
        assert link.wait_state(LinkState.DISCONNECTED, 5)
        assert "disconnected" in link.message


def test_close_removes_the_device(node):
    bridge = PtyBridge(node)
    path = bridge.start()
    assert bridge.start() == path
    bridge.close()
    bridge.close()
    assert not os.path.exists(path)
    assert node._sink is None


def test_mismatch_option_is_checked(node):
    with pytest.raises(ValueError):
        PtyBridge(node, mismatch="maybe")


def test_output_during_the_wake_up_drain_is_not_held(bridge, node, client, monkeypatch):
    """Regression: the board transmitting while the serving thread empties its wake-up pipe
    used to leave the wake-up flag set with the pipe empty; from then on board output waited
    in the bridge until the client next wrote.  The race is made to happen every time here by
    having the board transmit from inside the drain's read of the pipe."""
    real_read = os.read
    injected = threading.Event()

    def read_during_transmit(fd, count):
        if fd == bridge._wake_read and not injected.is_set():
            injected.set()
            node.send(b"during")              # the board thread, mid-drain
        return real_read(fd, count)

    monkeypatch.setattr(os, "read", read_during_transmit)
    node.send(b"first ")                      # wakes the idle thread, which drains the pipe
    assert read_exactly(client, 12) == b"first during"
    assert injected.is_set()
    node.send(b"later")                       # nothing else happens on the line: only this
    assert read_exactly(client, 5) == b"later"   # wake-up can get it out of the bridge


def test_board_output_between_idle_periods_keeps_flowing(bridge, node, client):
    """Stress the wake-up path: short transmissions from another thread, each after the serving
    thread has gone idle, racing its pipe drain; every one must arrive without the client
    writing anything.  Bounded in rounds and in time per round."""
    node.reply = lambda data: b""
    client.timeout = 0.5
    for round_number in range(300):
        burst = b"<%d>" % round_number
        sender = threading.Thread(target=lambda: [node.send(burst[i:i + 1])
                                                  for i in range(len(burst))])
        sender.start()
        sender.join()
        assert read_exactly(client, len(burst)) == burst, f"round {round_number}"


def test_close_wakes_a_thread_whose_last_wake_up_was_drained(node):
    """close() must end the serving thread's poll even when the wake-up flag is still set from
    a byte the thread already drained (the stop flag is read outside the section that clears
    the flag, so close() may not rely on that earlier byte)."""
    bridge = PtyBridge(node, 115200)
    bridge.start()
    port = serial.Serial(bridge.path, 115200, timeout=2)
    try:
        port.write(b"x")
        assert read_exactly(port, 1) == b"x"      # connected, then idle in poll() without limit
        with bridge._lock:
            bridge._woken = True                  # as between draining the pipe and re-reading
        closer = threading.Thread(target=bridge.close)
        closer.start()
        closer.join(10)                           # liveness only
        hung = closer.is_alive()
        if hung:                                  # un-stick it so nothing is left running
            os.write(bridge._wake_write, b"!")
            closer.join()
        assert not hung, "close() waited for a wake-up that never came"
    finally:
        port.close()
        bridge.close()
