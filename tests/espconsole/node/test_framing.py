"""Frame encoding, escaping and the checksum arithmetic the node's Lua code relies on."""

from __future__ import annotations

import os
import random
import zlib

from espconsole.node import framing


def test_escape_round_trip_and_reserved_bytes_never_appear():
    data = bytes(range(256)) * 3 + os.urandom(500)
    escaped = framing.escape(data)
    assert framing.unescape(escaped) == data
    for byte in (0xFF, 0x0A, 0x0D):
        assert byte not in escaped


def test_frame_check_from_sums_equals_plain_fletcher16():
    rng = random.Random(1)
    for _ in range(50):
        payload = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 246)))
        seq = rng.randrange(256)
        direct = framing.fletcher16(bytes((seq, len(payload))) + payload)
        assert framing.frame_check(seq, len(payload), framing.frame_sums(payload), len(payload)) == direct


def test_adler_composition_equals_zlib():
    rng = random.Random(2)
    data = bytes(rng.getrandbits(8) for _ in range(5000))
    state = (1, 0)
    for payload in framing.split_payloads(data):
        state = framing.adler_add(state, framing.frame_sums(payload), len(payload))
    assert state == framing.adler_parts(data)
    assert state[1] << 16 | state[0] == zlib.adler32(data)


def test_frames_fit_the_receive_buffer_and_parse_back():
    data = b"\xff\xfe\n\r" * 300 + os.urandom(3000)
    payloads = framing.split_payloads(data)
    assert b"".join(payloads) == data
    for seq, payload in enumerate(payloads):
        frame = framing.encode_frame(seq, payload)
        assert len(frame) <= framing.MAX_WIRE_FRAME
        assert frame.count(framing.END) == 1 and frame.endswith(bytes((framing.END,)))
        assert framing.parse_frame(frame[:-1]) == (seq & 0xFF, len(payload), payload)


def test_damaged_frames_are_rejected():
    frame = framing.encode_frame(7, b"hello world")[:-1]
    for i in range(len(frame)):
        for bit in range(8):
            damaged = bytearray(frame)
            damaged[i] ^= 1 << bit
            parsed = framing.parse_frame(bytes(damaged))
            assert parsed is None or parsed == (7, 11, b"hello world")
    assert framing.parse_frame(frame[:3] + frame[4:]) is None


def test_abort_frame_and_reply_tokens():
    assert framing.parse_frame(framing.abort_frame()[:-1])[1] == framing.ABORT_LEN
    replies = framing.find_replies(b"noise\x06\x17\x17\x15\x06\x17x\x06\x05")
    assert [(kind, seq) for kind, seq, _ in replies] == [(framing.ACK, 0x17), (framing.NAK, 0x06)]
