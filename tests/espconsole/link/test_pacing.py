"""Wire schedule arithmetic (no sleeping: the clock is passed in)."""

import random

import pytest

from espconsole.link.pacing import Wire, decode_at, frame_bits, transfer_time


def test_frame_bits():
    assert frame_bits() == 10                     # 8N1
    assert frame_bits(7, parity=True) == 10       # 7E1
    assert frame_bits(8, parity=True, stopbits=2) == 12
    assert frame_bits(8, stopbits=1.5) == 10.5


def test_transfer_time_matches_spec_arithmetic():
    assert transfer_time(11520, 115200) == pytest.approx(1.0)
    assert transfer_time(1, 115200) == pytest.approx(86.8e-6, rel=1e-3)


def test_bytes_complete_at_stop_bit_end():
    wire = Wire(9600)
    wire.push(b"abc", now=5.0)
    byte = 10 / 9600
    assert wire.due(5.0) == 0
    assert wire.due(5.0 + byte * 0.99) == 0
    assert wire.due(5.0 + byte) == 1
    assert wire.next_release_at() == pytest.approx(5.0 + byte)
    assert wire.release(5.0 + 2.5 * byte) == b"ab"
    assert wire.next_release_at() == pytest.approx(5.0 + 3 * byte)
    assert wire.release(9.0) == b"c"
    assert wire.next_release_at() is None


def test_no_drift_with_irregular_wakeups():
    rng = random.Random(7)
    wire = Wire(115200)
    total = 200_000
    wire.push(bytes(total), now=100.0)
    now, released, wakes = 100.0, 0, 0
    while wire:
        now += rng.uniform(0.0005, 0.005)
        got = wire.release(now)
        released += len(got)
        wakes += 1
        # never ahead of the ideal line, never more than one wake-up behind it
        assert released <= (now - 100.0) * 11520 + 1e-6
    assert released == total
    assert wire.finished_at() == pytest.approx(100.0 + total / 11520, abs=1e-9)
    assert wire.line_free_at() == pytest.approx(100.0 + total / 11520, abs=1e-9)


def test_push_while_busy_continues_the_schedule():
    wire = Wire(1000, bits=10)           # 100 bytes/s: 10 ms per byte
    wire.push(b"aa", now=0.0)
    wire.push(b"bb", now=0.005)          # queued behind, no restart
    assert wire.finished_at() == pytest.approx(0.04)
    assert wire.release(0.04) == b"aabb"


def test_idle_line_restarts_at_push_time():
    wire = Wire(1000, bits=10)
    wire.push(b"a", now=0.0)
    assert wire.release(1.0) == b"a"
    wire.push(b"b", now=2.0)
    assert wire.due(2.005) == 0
    assert wire.release(2.01) == b"b"


def test_rate_change_keeps_finished_bytes_and_continues_at_new_rate():
    wire = Wire(1000, bits=10)           # 10 ms per byte
    wire.push(b"abcdef", now=0.0)
    wire.set_rate(100, now=0.025)        # a and b done; then 100 ms per byte
    assert wire.due(0.025) == 2
    assert wire.release(0.025) == b"ab"
    assert wire.next_release_at() == pytest.approx(0.02 + 0.1)
    assert wire.release(0.12) == b"c"


def test_rate_change_while_idle():
    wire = Wire(1000)
    wire.set_rate(500, bits=12, now=3.0)
    assert wire.baud == 500 and wire.bits == 12
    wire.push(b"x", now=4.0)
    assert wire.next_release_at() == pytest.approx(4.0 + 12 / 500)


def test_ideal_wire_releases_at_once():
    wire = Wire(None)
    wire.push(b"hello", now=1.0)
    assert wire.byte_time == 0
    assert wire.release(1.0) == b"hello"


def test_clear_drops_queue():
    wire = Wire(9600)
    wire.push(b"xyz", now=0.0)
    assert wire.clear() == 3
    assert len(wire) == 0 and wire.release(10.0) == b""


def test_decode_at_matching_rates_is_identity():
    data = bytes(range(256))
    assert decode_at(data, 115200, 115200) == data
    assert decode_at(data, 115200, 114000) == data       # within UART tolerance
    assert decode_at(data, None, 9600) == data


def test_decode_at_mismatched_rates_is_noise():
    data = b"print('hello')\r\n"
    assert decode_at(data, 9600, 115200) != data
    assert decode_at(data, 115200, 9600) != data
