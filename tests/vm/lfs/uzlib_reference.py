"""A literal, step-by-step transcription of uzlib's LZ77 parse (spec §1.12.3): the oracle that vm.lfs.deflate's fast parse is tested against."""

from __future__ import annotations

from vm.lfs.deflate import MAX_MATCH, MAX_TRIES, NONE, WINDOW


def lz77_tokens_reference(src: bytes) -> list[int]:
    """uzlib's parse of `src`, walking its hash chains step by step exactly as spec §1.12.3 describes.

    Slow but literal; `lz77_tokens` must always agree with it (the tests check that).
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
