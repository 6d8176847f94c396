"""The device-compatible gzip encoder: NodeMCU's uzlib LZ77 parse in one fixed-Huffman deflate block inside a gzip member (counterpart of app/uzlib/uzlib_deflate.c).

luac.cross compresses images with uzlib, whose parse differs from zlib's at every level, so
byte-identical output needs the same hash, chain and lazy-match rules (spec §1.12.3). The
window never exceeds the 16 KiB the firmware's inflater keeps.
"""

from __future__ import annotations

import struct
import zlib

WINDOW = 16384
MAX_MATCH = 258
MAX_TRIES = 60
NONE = 0xFFFF
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03"

_LENGTH_BASE = (3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
                99, 115, 131, 163, 195, 227, 258)
_LENGTH_EXTRA = (0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5,
                 5, 0)
_DIST_BASE = (1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
              1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577)
_DIST_EXTRA = (0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
               12, 13, 13)


def _reverse(code: int, nbits: int) -> int:
    out = 0
    for _ in range(nbits):
        out = (out << 1) | (code & 1)
        code >>= 1
    return out


def _fixed_literal_code(sym: int) -> tuple[int, int]:
    """The fixed-Huffman code of literal/length symbol `sym`, bit-reversed for an LSB-first stream."""
    if sym < 144:
        return _reverse(0x30 + sym, 8), 8
    if sym < 256:
        return _reverse(0x190 + sym - 144, 9), 9
    if sym < 280:
        return _reverse(sym - 256, 7), 7
    return _reverse(0xC0 + sym - 280, 8), 8


def _build_tables():
    literals = [_fixed_literal_code(sym) for sym in range(256)]
    # Length (3..258) and distance (1..16384) codes with their extra bits appended, as one
    # (bits, count) pair each, so emitting a match is two table lookups.
    lengths = [(0, 0)] * (MAX_MATCH + 1)
    for index, base in enumerate(_LENGTH_BASE):
        code, nbits = _fixed_literal_code(257 + index)
        extra = _LENGTH_EXTRA[index]
        top = base + (1 << extra) if index < 28 else MAX_MATCH + 1
        for length in range(base, min(top, MAX_MATCH + 1)):
            if index == 27 and length == MAX_MATCH:
                continue                  # 258 has its own symbol (285)
            lengths[length] = (code | ((length - base) << nbits), nbits + extra)
    distances = [(0, 0)] * (WINDOW + 1)
    for index, base in enumerate(_DIST_BASE):
        if base > WINDOW:
            break
        code = _reverse(index, 5)
        extra = _DIST_EXTRA[index]
        for dist in range(base, min(base + (1 << extra), WINDOW + 1)):
            distances[dist] = (code | ((dist - base) << 5), 5 + extra)
    return literals, lengths, distances


_TABLES = None


def _tables():
    global _TABLES
    if _TABLES is None:
        _TABLES = _build_tables()
    return _TABLES


def lz77_tokens(src: bytes) -> list[int]:
    """uzlib's parse of `src`: literals as 0..255, matches as length << 16 | distance."""
    n = len(src)
    chain_len = min(n, WINDOW)
    size, bits = 256, 6
    while size < chain_len:
        size <<= 1
        bits += 1
    mask = (size >> 2) - 1
    shift = 24 - bits
    head = [NONE] * (size >> 2)
    chain = [NONE] * WINDOW
    tokens: list[int] = []
    emit = tokens.append
    pending_off = pending_len = 0
    i = 0
    last = n - 3
    while i <= last:
        base = i & ~0x7FFF
        cur = i - base
        maxlen = n - i
        if maxlen > MAX_MATCH:
            maxlen = MAX_MATCH
        v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2]
        h = ((v >> shift) - v) & mask
        cand = head[h]
        head[h] = cur
        chain[cur & 0x3FFF] = cand
        best_len = 2
        best_off = 0
        tries = 0
        here = None
        while cand != NONE and tries < MAX_TRIES:
            j = base + cand if cand < cur else base + cand - 0x8000
            if i - j > WINDOW:
                break
            # A candidate can only win if it also matches at offset best_len.
            if src[j + best_len] == src[i + best_len]:
                if here is None:
                    here = src[i:i + maxlen]
                there = src[j:j + maxlen]
                if here == there:
                    k = maxlen
                else:
                    x = int.from_bytes(here, "little") ^ int.from_bytes(there, "little")
                    k = ((x & -x).bit_length() - 1) >> 3
                if k > best_len:
                    best_len = k
                    best_off = i - j
                    if k == maxlen:
                        break            # nothing later in the chain can be longer
            cand = chain[cand & 0x3FFF]
            tries += 1
        if pending_off:
            if best_off == 0 or pending_len >= best_len:
                emit((pending_len << 16) | pending_off)
                i += pending_len - 2
                pending_off = pending_len = 0
            else:
                emit(src[i - 1])
                pending_off = best_off
                pending_len = best_len
        elif best_off:
            pending_off = best_off
            pending_len = best_len
        else:
            emit(src[i])
        i += 1
    if pending_off:
        emit((pending_len << 16) | pending_off)
        i += pending_len - 1
    while i < n:
        emit(src[i])
        i += 1
    return tokens


def encode_fixed_block(tokens: list[int]) -> bytes:
    """One final deflate block with fixed Huffman codes holding `tokens`, zero-padded to a byte."""
    literals, lengths, distances = _tables()
    out = bytearray()
    acc = 0b011          # BFINAL = 1, BTYPE = 01 (LSB first)
    nbits = 3
    for token in tokens:
        if token < 256:
            code, count = literals[token]
            acc |= code << nbits
            nbits += count
        else:
            code, count = lengths[token >> 16]
            acc |= code << nbits
            nbits += count
            code, count = distances[token & 0xFFFF]
            acc |= code << nbits
            nbits += count
        if nbits >= 64:
            out += (acc & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
            acc >>= 64
            nbits -= 64
    nbits += 7           # end-of-block: symbol 256 is seven zero bits
    out += acc.to_bytes((nbits + 7) >> 3, "little")
    return bytes(out)


def gzip_compress(payload: bytes) -> bytes:
    """`payload` in a gzip member exactly as luac.cross writes LFS images."""
    body = encode_fixed_block(lz77_tokens(payload))
    trailer = struct.pack("<II", zlib.crc32(payload) & 0xFFFFFFFF, len(payload) & 0xFFFFFFFF)
    return GZIP_HEADER + body + trailer
