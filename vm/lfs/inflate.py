"""Gzip decoding with the firmware's limits: 16 KiB back-references, no reference to output byte 0, exact CRC (counterpart of app/uzlib/uzlib_inflate.c as driven by app/lua/lflash.c).

Python's gzip accepts streams the device refuses (a 32 KiB window), so the reader decodes
images here instead. Every failure raises LfsImageError carrying both a message naming the
problem and the string node.LFS.reload would return (spec §1.12.2, §2.2).
"""

from __future__ import annotations

import zlib

from vm.lfs.deflate_codes import (
    CODE_LENGTH_ORDER, DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA,
)
from vm.lfs.errors import LfsImageError

DEVICE_WINDOW = 16384
READ_ERROR = "read error on LFS image file"
WINDOW_ERROR = "invalid dictionary offset on inflate"
CHECKSUM_ERROR = "checksum error on LFS image file"

_FTEXT, _FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 1, 2, 4, 8, 16


class _Corrupt(Exception):
    """Bad deflate data; the text says what is wrong."""


def _error(message: str) -> LfsImageError:
    return LfsImageError(f"bad gzip data: {message}", READ_ERROR)


def _decode_table(lengths) -> tuple[list[int], int]:
    """A lookup table indexed by the next `bits` input bits (LSB first): entry = symbol << 4 | length."""
    max_len = max(lengths) if lengths else 0
    if max_len == 0:
        return [-1], 0
    counts = [0] * (max_len + 1)
    for n in lengths:
        counts[n] += 1
    counts[0] = 0
    code = 0
    next_code = [0] * (max_len + 2)
    left = 1
    for bits in range(1, max_len + 1):
        left = (left << 1) - counts[bits]
        if left < 0:
            raise _Corrupt("over-subscribed Huffman code")
        code = (code + counts[bits - 1]) << 1
        next_code[bits] = code
    size = 1 << max_len
    table = [-1] * size
    for sym, n in enumerate(lengths):
        if n == 0:
            continue
        c = next_code[n]
        next_code[n] += 1
        rev = 0
        for _ in range(n):
            rev = (rev << 1) | (c & 1)
            c >>= 1
        entry = (sym << 4) | n
        for index in range(rev, size, 1 << n):
            table[index] = entry
    return table, max_len


_FIXED = None


def _fixed_tables():
    global _FIXED
    if _FIXED is None:
        lit = [8] * 144 + [9] * 112 + [7] * 24 + [8] * 8
        _FIXED = (_decode_table(lit), _decode_table([5] * 30))
    return _FIXED


class _Inflater:
    def __init__(self, data: bytes, pos: int):
        self.data = data
        self.pos = pos
        self.bitbuf = 0
        self.bitcnt = 0
        self.out = bytearray()

    def need(self, n: int) -> None:
        while self.bitcnt < n:
            if self.pos >= len(self.data):
                raise _Corrupt("the compressed data ends early")
            self.bitbuf |= self.data[self.pos] << self.bitcnt
            self.pos += 1
            self.bitcnt += 8

    def bits(self, n: int) -> int:
        if self.bitcnt < n:
            self.need(n)
        value = self.bitbuf & ((1 << n) - 1)
        self.bitbuf >>= n
        self.bitcnt -= n
        return value

    def run(self) -> None:
        while True:
            final = self.bits(1)
            kind = self.bits(2)
            if kind == 0:
                self.stored()
            elif kind == 1:
                lit, dist = _fixed_tables()
                self.huffman(lit, dist)
            elif kind == 2:
                lit, dist = self.dynamic_tables()
                self.huffman(lit, dist)
            else:
                raise _Corrupt("invalid block type 3")
            if final:
                break
        # Drop the partial byte; the gzip trailer starts on the next byte boundary.
        self.pos -= self.bitcnt >> 3
        self.bitbuf = self.bitcnt = 0

    def stored(self) -> None:
        self.bitbuf >>= self.bitcnt & 7
        self.bitcnt -= self.bitcnt & 7
        length = self.bits(16)
        if length != (~self.bits(16) & 0xFFFF):
            raise _Corrupt("stored block length check failed")
        self.pos -= self.bitcnt >> 3
        self.bitbuf = self.bitcnt = 0
        end = self.pos + length
        if end > len(self.data):
            raise _Corrupt("the compressed data ends early")
        self.out += self.data[self.pos:end]
        self.pos = end

    def symbol(self, table_bits) -> int:
        table, nbits = table_bits
        if self.bitcnt < nbits:
            # Near the end of the input fewer bits than the longest code may remain.
            while self.bitcnt < nbits and self.pos < len(self.data):
                self.bitbuf |= self.data[self.pos] << self.bitcnt
                self.pos += 1
                self.bitcnt += 8
        entry = table[self.bitbuf & ((1 << nbits) - 1)]
        if entry < 0 or (entry & 15) > self.bitcnt:
            raise _Corrupt("invalid Huffman code")
        n = entry & 15
        self.bitbuf >>= n
        self.bitcnt -= n
        return entry >> 4

    def dynamic_tables(self):
        nlit = self.bits(5) + 257
        ndist = self.bits(5) + 1
        nclen = self.bits(4) + 4
        if nlit > 286 or ndist > 30:
            raise _Corrupt("too many length or distance codes")
        clen = [0] * 19
        for i in range(nclen):
            clen[CODE_LENGTH_ORDER[i]] = self.bits(3)
        clen_table = _decode_table(clen)
        lengths: list[int] = []
        while len(lengths) < nlit + ndist:
            sym = self.symbol(clen_table)
            if sym < 16:
                lengths.append(sym)
            elif sym == 16:
                if not lengths:
                    raise _Corrupt("repeat code with no previous length")
                lengths.extend([lengths[-1]] * (3 + self.bits(2)))
            elif sym == 17:
                lengths.extend([0] * (3 + self.bits(3)))
            else:
                lengths.extend([0] * (11 + self.bits(7)))
        if len(lengths) > nlit + ndist:
            raise _Corrupt("code lengths overflow")
        if lengths[256] == 0:
            raise _Corrupt("no end-of-block code")
        return _decode_table(lengths[:nlit]), _decode_table(lengths[nlit:])

    def huffman(self, lit, dist) -> None:
        out = self.out
        data = self.data
        ndata = len(data)
        lit_table, lit_bits = lit
        lit_mask = (1 << lit_bits) - 1
        while True:
            # Keep at least 48 bits buffered so a whole match decodes without refills.
            if self.bitcnt < 48 and self.pos < ndata:
                take = min(8, ndata - self.pos)
                self.bitbuf |= int.from_bytes(data[self.pos:self.pos + take], "little") << self.bitcnt
                self.pos += take
                self.bitcnt += 8 * take
            entry = lit_table[self.bitbuf & lit_mask]
            if entry < 0 or (entry & 15) > self.bitcnt:
                raise _Corrupt("invalid Huffman code")
            n = entry & 15
            self.bitbuf >>= n
            self.bitcnt -= n
            sym = entry >> 4
            if sym < 256:
                out.append(sym)
                continue
            if sym == 256:
                return
            sym -= 257
            if sym >= 29:
                raise _Corrupt("invalid length symbol")
            length = LENGTH_BASE[sym] + self.bits(LENGTH_EXTRA[sym])
            dsym = self.symbol(dist)
            if dsym >= 30:
                raise _Corrupt("invalid distance symbol")
            distance = DIST_BASE[dsym] + self.bits(DIST_EXTRA[dsym])
            have = len(out)
            if distance > DEVICE_WINDOW or distance >= have:
                raise _WindowError(distance, have)
            start = have - distance
            if distance >= length:
                out += out[start:start + length]
            else:
                chunk = out[start:]
                while length > 0:
                    piece = chunk[:length]
                    out += piece
                    length -= len(piece)


class _WindowError(Exception):
    def __init__(self, distance: int, position: int):
        super().__init__(distance, position)
        self.distance = distance
        self.position = position


def inflate_gzip(data: bytes) -> tuple[bytes, LfsImageError | None]:
    """Decode a gzip member under the firmware's rules: (output, None) or (output so far, error).

    The expected length is the file's last four bytes (where the firmware reads it). Errors
    cover a bad header, corrupt data, a back-reference the device cannot follow, a CRC
    mismatch and a wrong length. The partial output lets a caller apply the firmware's header
    checks, which run before later data is even decoded.
    """
    data = bytes(data)
    if len(data) < 18:
        return b"", _error(f"file too short for a gzip member ({len(data)} bytes)")
    if data[0] != 0x1F or data[1] != 0x8B:
        return b"", LfsImageError("not a gzip file (bad magic bytes)", READ_ERROR)
    if data[2] != 8:
        return b"", _error(f"compression method {data[2]} is not deflate")
    flags = data[3]
    if flags & 0xE0:
        return b"", _error("reserved gzip header flags are set")
    pos = 10
    try:
        if flags & _FEXTRA:
            pos += 2 + int.from_bytes(data[pos:pos + 2], "little")
        for flag in (_FNAME, _FCOMMENT):
            if flags & flag:
                end = data.index(0, pos)
                pos = end + 1
        if flags & _FHCRC:
            pos += 2
    except ValueError:
        return b"", _error("gzip header ends early")
    inflater = _Inflater(data, pos)
    try:
        inflater.run()
    except _Corrupt as exc:
        return bytes(inflater.out), _error(str(exc))
    except _WindowError as exc:
        where = "the start of the output" if exc.distance >= exc.position else "the 16 KiB window"
        return bytes(inflater.out), LfsImageError(
            f"back-reference of {exc.distance} bytes at output offset {exc.position} reaches "
            f"beyond {where} the firmware keeps", WINDOW_ERROR)
    payload = bytes(inflater.out)
    trailer = data[inflater.pos:inflater.pos + 8]
    if len(trailer) < 8:
        return payload, _error("the gzip trailer is missing (truncated file)")
    stored_crc = int.from_bytes(trailer[:4], "little")
    expected_len = int.from_bytes(data[-4:], "little")
    if zlib.crc32(payload) & 0xFFFFFFFF != stored_crc:
        return payload, LfsImageError(
            "CRC-32 of the decompressed image does not match the gzip trailer", CHECKSUM_ERROR)
    if len(payload) != expected_len:
        return payload, LfsImageError(
            f"decompressed size {len(payload)} differs from the {expected_len} bytes the gzip "
            "trailer announces", CHECKSUM_ERROR)
    return payload, None


def gunzip_for_device(data: bytes) -> bytes:
    """The payload of a gzip member decoded under the firmware's rules; raises LfsImageError."""
    payload, error = inflate_gzip(data)
    if error is not None:
        raise error
    return payload
