"""The device-compatible gzip encoder: NodeMCU's uzlib LZ77 parse in one fixed-Huffman deflate block inside a gzip member (counterpart of app/uzlib/uzlib_deflate.c).

luac.cross compresses images with uzlib, whose parse differs from zlib's at every level, so
byte-identical output needs the same hash, chain and lazy-match rules (spec §1.12.3). The
window never exceeds the 16 KiB the firmware's inflater keeps.
"""

from __future__ import annotations

import struct
import zlib
from bisect import bisect_left
from itertools import repeat
from vm.lfs.deflate_codes import DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA

WINDOW = 16384
MAX_MATCH = 258
MAX_TRIES = 60
LONG_PREFIX = 8            # second candidate index of the fast parse (see lz77_tokens)
NONE = 0xFFFF
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03"


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
    for index, base in enumerate(LENGTH_BASE):
        code, nbits = _fixed_literal_code(257 + index)
        extra = LENGTH_EXTRA[index]
        top = base + (1 << extra) if index < 28 else MAX_MATCH + 1
        for length in range(base, min(top, MAX_MATCH + 1)):
            if index == 27 and length == MAX_MATCH:
                continue                  # 258 has its own symbol (285)
            lengths[length] = (code | ((length - base) << nbits), nbits + extra)
    # Distance codes: one entry per distance up to 256, then one per 128 distances (the
    # codes above 256 cover whole multiples of 128), as zlib's tables do.
    distances = [0] * 512
    for index, base in enumerate(DIST_BASE):
        for dist in range(base, min(base + (1 << DIST_EXTRA[index]), WINDOW + 1)):
            slot = dist - 1 if dist <= 256 else 256 + ((dist - 1) >> 7)
            distances[slot] = index
    distances = [(_reverse(index, 5), DIST_BASE[index], 5 + DIST_EXTRA[index])
                 for index in distances]
    return literals, lengths, distances


_TABLES = None


def _tables():
    global _TABLES
    if _TABLES is None:
        _TABLES = _build_tables()
    return _TABLES


def lz77_tokens(src: bytes) -> list[int]:
    """uzlib's parse of `src`: literals as 0..255, matches as length << 16 | distance.

    uzlib walks a hash chain of up to 60 earlier positions and keeps the longest match. Only
    earlier positions starting with the same three bytes can win, so besides uzlib's own
    tables (kept exactly, for the rare walks that leave the real chain) this keeps, per hash
    and per three-byte prefix, the list of positions inserted so far: the chain's candidates
    are the newest 60 of the hash list inside the window, and only the prefix list's members
    among them need comparing.
    """
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
    by_hash: list[list[int]] = [[] for _ in range(size >> 2)]
    by_prefix: dict[int, list[int]] = {}
    by_long: dict[bytes, list[int]] = {}
    tokens: list[int] = []
    emit = tokens.append
    startswith = src.startswith
    from_bytes = int.from_bytes
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
        positions = by_hash[h]
        count = len(positions)
        if count:
            oldest = count - MAX_TRIES if count > MAX_TRIES else 0
            low = i - WINDOW
            stale = -1
            if positions[oldest] < low:
                # The walk stops at the newest out-of-window position, unless uzlib's 15-bit
                # position stamp makes it look recent (and the walk gets that far: a
                # candidate exactly WINDOW back sends it round in a circle instead).
                outside = bisect_left(positions, low) - 1
                p = positions[outside]
                stamp = p & 0x7FFF
                j = base + stamp if stamp < cur else base + stamp - 0x8000
                if j != p and i - j <= WINDOW and (outside + 1 == count
                                                   or positions[outside + 1] != low):
                    stale = stamp
                oldest = outside + 1
            if oldest < count:
                # With a match pending from i-1 only a longer one here matters.
                floor = pending_len if pending_off else 2
                first = positions[oldest]
                seg = None
                if floor < maxlen:
                    # Prefer candidates sharing LONG_PREFIX bytes: if there are any, the best
                    # match is among them; otherwise every candidate is shorter than that.
                    same = by_long.get(src[i:i + LONG_PREFIX])
                    if same and same[-1] >= first:
                        seg = same[bisect_left(same, first):]
                    elif floor < LONG_PREFIX - 1:
                        same = by_prefix.get(v)
                        if same and same[-1] >= first:
                            seg = same[bisect_left(same, first):]
                if seg:
                    # The walk keeps the newest of the longest matches: find it by repeatedly
                    # asking, in C (map over startswith), which candidates beat the best
                    # length so far; only candidates older than the current best can.
                    here = src[i:i + maxlen]
                    here_int = -1
                    newer = len(seg)
                    while True:
                        if floor > 2 or newer < len(seg):
                            hits = bytes(map(startswith, repeat(here[:floor + 1], newer), seg))
                            newer = hits.rfind(1)
                            if newer < 0:
                                break
                        else:
                            newer -= 1       # the newest candidate matches at least 3 bytes
                        j = seg[newer]
                        there = src[j:j + maxlen]
                        best_off = i - j
                        if there == here:
                            best_len = maxlen
                            break
                        if here_int < 0:
                            here_int = from_bytes(here, "little")
                        x = here_int ^ from_bytes(there, "little")
                        best_len = floor = ((x & -x).bit_length() - 1) >> 3
                        if not newer or floor >= maxlen:
                            break
            if stale >= 0 and best_len < maxlen:
                best_len, best_off = _walk(src, i, base, cur, maxlen, stale, chain,
                                           count - oldest, best_len, best_off)
        positions.append(i)
        same = by_prefix.get(v)
        if same is None:
            by_prefix[v] = [i]
        else:
            same.append(i)
        key = src[i:i + LONG_PREFIX]
        same = by_long.get(key)
        if same is None:
            by_long[key] = [i]
        else:
            same.append(i)
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


def _walk(src: bytes, i: int, base: int, cur: int, maxlen: int, cand: int, chain: list[int],
          tries: int, best_len: int, best_off: int) -> tuple[int, int]:
    """uzlib's literal chain walk for position i from stamp `cand` on, after `tries` candidates that gave (best_len, best_off)."""
    while cand != NONE and tries < MAX_TRIES:
        j = base + cand if cand < cur else base + cand - 0x8000
        if i - j > WINDOW:
            break
        if src[j:j + best_len + 1] != src[i:i + best_len + 1]:
            k = 0
        else:
            k = best_len + 1
            while k < maxlen and src[i + k] == src[j + k]:
                k += 1
        if k > best_len:
            best_len = k
            best_off = i - j
            if k == maxlen:
                break
        cand = chain[cand & 0x3FFF]
        tries += 1
    return best_len, best_off


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
            dist = token & 0xFFFF
            code, base, count = distances[dist - 1 if dist <= 256 else 256 + ((dist - 1) >> 7)]
            acc |= (code | ((dist - base) << 5)) << nbits
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


# The device's inflater refuses files of 200 bytes or less.
DEVICE_MIN_FILE = 201


def gzip_compress_fast(payload: bytes) -> bytes:
    """`payload` in a gzip member the device accepts, made by zlib: much faster, not luac.cross's bytes.

    For development rebuilds, where only the inflated image matters. zlib with a 2^14 window
    never reaches back further than the device's 16 KiB. Two device rules zlib does not know
    are handled by falling back to the exact encoder: a back-reference to the very first byte
    (only possible when the first three bytes recur within the window) and files too small
    for the device.
    """
    if len(payload) < 3 or payload.find(payload[:3], 1, WINDOW + 3) >= 0:
        return gzip_compress(payload)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -14, 9)
    body = compressor.compress(payload) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(payload) & 0xFFFFFFFF, len(payload) & 0xFFFFFFFF)
    data = GZIP_HEADER + body + trailer
    if len(data) < DEVICE_MIN_FILE:
        return gzip_compress(payload)
    return data
