"""NodeMCU's packed line information: one byte string per function instead of an int per instruction (counterpart of the line-info code in NodeMCU's app/lua/lcode.c and ldebug.c).

Layout: a run of entries, then a terminating 0x00. An entry is an optional line-delta prefix
followed by a count byte (1..126) of consecutive instructions on that line. Without a prefix the
entry's line is one more than the previous entry's. A prefix starts with a byte 1 s dddddd
(s = sign, six low bits of the delta) and continues with bytes 1 ddddddd while bits remain.
A positive prefix D means +D+2 lines, a negative one means -D lines. Neither 0x00 nor 0x7F ever
occurs inside the string.
"""

from __future__ import annotations

MAX_RUN = 126


def pack_lineinfo(lines: list[int]) -> bytes:
    """Encode absolute per-instruction lines into NodeMCU's packed form (without the final NUL)."""
    out = bytearray()
    last_line = 0            # line of the previous entry
    count_pos = -1           # index in `out` of the current entry's count byte
    for line in lines:
        if count_pos >= 0 and line == last_line and out[count_pos] < MAX_RUN:
            out[count_pos] += 1
            continue
        delta = line - last_line - 1
        if delta != 0:
            if delta > 0:
                magnitude, sign = delta - 1, 0
            else:
                magnitude, sign = -delta - 1, 0x40
            out.append(0x80 | sign | (magnitude & 0x3F))
            magnitude >>= 6
            while magnitude:
                out.append(0x80 | (magnitude & 0x7F))
                magnitude >>= 7
        out.append(1)
        count_pos = len(out) - 1
        last_line = line
    return bytes(out)


def unpack_lineinfo(packed: bytes, ninstructions: int | None = None) -> list[int]:
    """Decode a packed line string (a trailing NUL is allowed) into absolute per-instruction lines.

    Raises ValueError when the string is malformed or, if `ninstructions` is given, covers a
    different number of instructions.
    """
    lines: list[int] = []
    line = 0
    i, n = 0, len(packed)
    while i < n:
        b = packed[i]
        if b == 0 or b == 0x7F:
            break
        if b & 0x80:
            sign = b & 0x40
            magnitude = b & 0x3F
            shift = 6
            i += 1
            while i < n and packed[i] & 0x80:
                magnitude |= (packed[i] & 0x7F) << shift
                shift += 7
                i += 1
            if i >= n:
                raise ValueError("line info ends inside an entry")
            line = line - magnitude if sign else line + magnitude + 2
            b = packed[i]
            if b == 0 or b == 0x7F:
                raise ValueError("line info entry has no count")
        else:
            line += 1
        lines.extend([line] * b)
        i += 1
    if ninstructions is not None and len(lines) != ninstructions:
        raise ValueError(f"line info covers {len(lines)} instructions, function has {ninstructions}")
    return lines
