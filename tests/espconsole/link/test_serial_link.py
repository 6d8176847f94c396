"""SerialLink over pyserial: loop://, socket:// on 127.0.0.1, control lines on open and reset, reconnection."""

import threading
import time

import pytest

from espconsole.link import (LinkDisconnected, LinkState, LinkUnsupported, PortOpenError,
                             link_for_port)
from espconsole.link.serial_link import SerialLink


class RecordingPort:
    """Stands in for a pyserial port object and records every control-line change and open."""

    def __init__(self, log, fail_lines=False):
        self.log = log
        self.fail_lines = fail_lines
        self.is_open = False
        self.baudrate = None
        self.timeout = None
        self.write_timeout = None
        self.closed = threading.Event()

    def __setattr__(self, name, value):
        if name in ("dtr", "rts"):
            if self.fail_lines and self.is_open:
                raise OSError(25, "Inappropriate ioctl for device")
            self.log.append((name, value))
        object.__setattr__(self, name, value)

    def open(self):
        self.log.append(("open", None))
        self.is_open = True

    def close(self):
        self.is_open = False
        self.closed.set()

    def read(self, size):
        self.closed.wait(0.02)
        return b""

    @property
    def in_waiting(self):
        return 0

    def write(self, data):
        self.log.append(("write", data))
        return len(data)

    def cancel_read(self):
        self.closed.set()


def recording_factory(log, **kwargs):
    def factory(url, do_not_open):
        assert do_not_open
        log.append(("url", url))
        return RecordingPort(log, **kwargs)
    return factory


def test_loop_url_round_trip():
    with SerialLink("loop://", 115200) as link:
        assert link.description == "loop://@115200"
        link.write(b"=node.heap()\r\n")
        assert link.read_until(b"\r\n", 2) == b"=node.heap()\r\n"
        link.set_baud(9600)
        assert link.description == "loop://@9600"
        assert link._serial.baudrate == 9600
        link.flush()


def test_opening_deasserts_dtr_and_rts_before_the_port_opens():
    log = []
    with SerialLink("/dev/ttyFAKE", 74880, factory=recording_factory(log)) as link:
        assert link._serial.baudrate == 74880
    assert log[0] == ("url", "/dev/ttyFAKE")
    assert log[1:4] == [("dtr", False), ("rts", False), ("open", None)]
    assert ("rts", True) not in log             # opening never resets


def test_reset_is_the_devkit_sequence():
    log = []
    with SerialLink("/dev/ttyFAKE", factory=recording_factory(log), reset_pulse=0.01) as link:
        del log[:]
        link.reset()
    assert log == [("dtr", False), ("rts", True), ("dtr", False),
                   ("dtr", False), ("rts", False), ("dtr", False)]


def test_reset_without_control_lines_is_unsupported():
    log = []
    with SerialLink("/dev/ttyFAKE", factory=recording_factory(log, fail_lines=True),
                    reset_pulse=0.0) as link:
        with pytest.raises(LinkUnsupported, match="cannot drive the reset line"):
            link.reset()


def test_missing_device_is_a_one_line_error():
    with pytest.raises(PortOpenError) as excinfo:
        SerialLink("/dev/ttyDOESNOTEXIST", reconnect=False).open()
    message = str(excinfo.value)
    assert message.startswith("cannot open /dev/ttyDOESNOTEXIST: ")
    assert "\n" not in message


def test_bad_url_is_a_one_line_error():
    with pytest.raises(PortOpenError, match="cannot open nosuchscheme://x"):
        SerialLink("nosuchscheme://x").open()


def test_refused_socket_is_a_port_error(echo_server):
    port = echo_server.port
    echo_server.stop()
    with pytest.raises(PortOpenError, match=f"cannot open socket://127.0.0.1:{port}"):
        SerialLink(f"socket://127.0.0.1:{port}").open()


def test_empty_port_name():
    with pytest.raises(PortOpenError, match="no serial port given"):
        SerialLink("")


def test_socket_round_trip(echo_server):
    with SerialLink(echo_server.url) as link:
        payload = bytes(range(256)) * 4 + b"<end>"
        link.write(payload)
        assert link.read_until(b"<end>", 5) == payload


def test_vanished_device_reconnects(echo_server):
    states = []
    with SerialLink(echo_server.url, max_retry_interval=0.1) as link:
        link.add_state_listener(lambda state, message: states.append((state, message)))
        link.write(b"before")
        assert link.read_until(b"before", 5) == b"before"
        echo_server.drop_clients()
        assert link.wait_state(LinkState.DISCONNECTED, 5)
        assert link.message.startswith(f"{echo_server.url} disconnected: ")
        assert link.message.endswith("waiting for it to come back")
        with pytest.raises(LinkDisconnected):
            link.read(1)
        assert link.wait_state(LinkState.OPEN, 5)
        assert link.reconnects == 1
        link.write(b"after")
        assert link.read_until(b"after", 5) == b"after"
    assert [state for state, _ in states] == [LinkState.DISCONNECTED, LinkState.OPEN, LinkState.CLOSED]


def test_write_while_disconnected(echo_server):
    echo_server.accepting.clear()            # reconnection attempts get cut off at once
    with SerialLink(echo_server.url, max_retry_interval=0.05) as link:
        echo_server.drop_clients()
        assert link.wait_state(LinkState.DISCONNECTED, 5)
        with pytest.raises(LinkDisconnected, match="disconnected"):
            link.write(b"lost")


def test_close_stops_the_reconnect_poll(echo_server):
    url = echo_server.url
    link = SerialLink(url, max_retry_interval=0.05)
    link.open()
    echo_server.stop()                       # the port never comes back
    assert link.wait_state(LinkState.DISCONNECTED, 5)
    time.sleep(0.2)                          # a few failed attempts
    closer = threading.Thread(target=link.close)
    closer.start()
    closer.join(30)                          # liveness only: close() must not wait for the port
    assert not closer.is_alive()
    assert link.state is LinkState.CLOSED


def test_no_reconnect_when_disabled(echo_server):
    with SerialLink(echo_server.url, reconnect=False) as link:
        echo_server.drop_clients()
        assert link.wait_state(LinkState.DISCONNECTED, 5)
        assert not link.message.endswith("come back")
        time.sleep(0.2)
        assert link.state is LinkState.DISCONNECTED
        assert echo_server.accepted == 1


def test_link_for_port(tmp_path):
    link = link_for_port("loop://", 9600)
    assert isinstance(link, SerialLink) and link.baud == 9600
    emulated = link_for_port("emu", project_dir=str(tmp_path))
    assert emulated.description == "emulated" and not emulated.is_open
    emulated.endpoint.close()
