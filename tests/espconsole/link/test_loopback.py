"""LoopbackLink (in-process endpoint, pacing, baud mismatch) and FaultInjector determinism."""

import time

import pytest

from espconsole.link import EchoEndpoint, FaultInjector, LoopbackLink


@pytest.fixture
def node():
    return EchoEndpoint(boot_text=b"\r\nNodeMCU booted\r\n> ")


def test_round_trip_and_description(node):
    with LoopbackLink(node, description="emulated") as link:
        assert link.description == "emulated"
        link.write(b"=1+1\r\n")
        assert link.read_until(b"\r\n", 2) == b"=1+1\r\n"
    assert bytes(node.received) == b"=1+1\r\n"


def test_reset_reboots_the_node(node):
    with LoopbackLink(node) as link:
        link.reset()
        assert node.resets == 1
        assert link.read_until(b"> ", 2) == b"\r\nNodeMCU booted\r\n> "


def test_close_detaches_the_endpoint(node):
    link = LoopbackLink(node)
    link.open()
    link.close()
    node.send(b"after close")           # no sink registered any more: nothing happens
    assert node._sink is None and node._baud_listener is None


def test_node_baud_change_garbles_until_host_follows(node):
    with LoopbackLink(node) as link:
        node.change_baud(9600)          # uart.setup(0, 9600, ...) on the node
        assert link.node_baud == 9600
        link.write(b"print('x')\r\n")
        link.flush()                    # the node has it (and echoed it, garbled)
        assert b"print" not in link.read(1)
        link.set_baud(9600)
        link.write(b"print('x')\r\n")
        # noise from the first echo may still come first; the new line arrives intact
        assert link.read_until(b"print('x')\r\n", 5).endswith(b"print('x')\r\n")


def test_mismatch_can_be_ignored(node):
    with LoopbackLink(node, mismatch="ignore") as link:
        node.change_baud(9600)
        link.write(b"hello")
        assert link.read_until(b"hello", 2) == b"hello"


def test_mismatch_option_is_checked(node):
    with pytest.raises(ValueError):
        LoopbackLink(node, mismatch="sometimes")


def test_paced_link_takes_wire_time(node):
    with LoopbackLink(node, baud=9600, paced=True) as link:
        node.change_baud(9600)
        start = time.monotonic()
        link.write(bytes(64))
        link.flush()
        assert link.read_until(bytes(64), 5) == bytes(64)
        # 64 bytes at 9600 8N1 need 66.7 ms on the wire; only a loose lower bound is checked
        assert time.monotonic() - start >= 0.05


def test_flush_without_pacing_returns(node):
    with LoopbackLink(node) as link:
        link.write(b"x" * 1000)
        link.flush()
        assert link.read_until(b"x" * 1000, 2)


def test_faults_through_the_link_are_reproducible():
    def run_once():
        node = EchoEndpoint()
        faults = FaultInjector(seed=42, drop=0.05, duplicate=0.05, flip=0.05)
        with LoopbackLink(node, to_device=faults) as link:
            for start in range(0, 2000, 100):
                link.write(bytes(range(start % 256, start % 256 + 100)) if start % 256 <= 156
                           else bytes(100))
            link.flush()
        return bytes(node.received), list(faults.events)

    first, second = run_once(), run_once()
    assert first == second
    assert first[1], "some faults expected at 15% over 2000 bytes"


def test_faults_on_the_way_back():
    node = EchoEndpoint()
    faults = FaultInjector(seed=1, drop=1.0)
    with LoopbackLink(node, to_host=faults) as link:
        link.write(b"gone")
        link.flush()
        time.sleep(0.02)
        assert link.read(0) == b""
    assert bytes(node.received) == b"gone"
    assert [kind for _, kind in faults.events] == ["drop"] * 4


class TestFaultInjector:
    data = bytes(range(256)) * 40

    def test_same_seed_same_output(self):
        a = FaultInjector(9, drop=0.01, duplicate=0.01, flip=0.01)(self.data)
        b = FaultInjector(9, drop=0.01, duplicate=0.01, flip=0.01)(self.data)
        assert a == b
        c = FaultInjector(10, drop=0.01, duplicate=0.01, flip=0.01)(self.data)
        assert a != c

    def test_chunking_does_not_matter(self):
        whole = FaultInjector(3, drop=0.02, duplicate=0.02, flip=0.02)
        pieces = FaultInjector(3, drop=0.02, duplicate=0.02, flip=0.02)
        out = bytearray()
        for start in range(0, len(self.data), 37):
            out += pieces(self.data[start:start + 37])
        assert bytes(out) == whole(self.data)
        assert pieces.events == whole.events

    def test_rates_and_events(self):
        injector = FaultInjector(5, drop=0.1, duplicate=0.0, flip=0.0)
        out = injector(self.data)
        drops = [offset for offset, kind in injector.events if kind == "drop"]
        assert len(out) == len(self.data) - len(drops)
        assert 0.07 < len(drops) / len(self.data) < 0.13

    def test_duplicate_and_flip(self):
        dup = FaultInjector(1, duplicate=1.0)
        assert dup(b"ab") == b"aabb"
        flip = FaultInjector(1, flip=1.0)
        out = flip(b"\x00" * 50)
        assert all(bin(byte).count("1") == 1 for byte in out)
        assert [kind[:4] for _, kind in flip.events] == ["flip"] * 50

    def test_no_faults_is_identity(self):
        assert FaultInjector(0)(self.data) == self.data

    def test_disable(self):
        injector = FaultInjector(0, drop=1.0)
        injector.enabled = False
        assert injector(b"kept") == b"kept"

    @pytest.mark.parametrize("rates", [dict(drop=-0.1), dict(drop=0.6, flip=0.6)])
    def test_invalid_rates(self, rates):
        with pytest.raises(ValueError):
            FaultInjector(0, **rates)
