"""Replays a table's history into Lua 5.1's array/node layout, for `next` order and `#` (counterpart of ltable.c's placement rules).

Lua 5.1 stores a table in an array part (keys 1..asize) and a power-of-two node array where each
key has a main position (a hash of the key) and collisions are resolved inside the node array:
a free node is taken from a `lastfree` cursor that only moves downwards, and an intruder that is
not in its own main position is moved away. When no free node is left the table is rehashed:
the array size becomes the largest power of two n such that more than n/2 of the slots 1..n would
be used, the node array gets room for the rest, and keys are re-inserted (the array slice that
disappears first, then the old nodes from the last to the first). `next` walks the array part,
then the nodes in index order, so the order of a traversal depends on that whole history.

`Layout` keeps that state for one table. It is fed events in the order they happened:
`set(key)` when a key gets a non-nil value it did not have, `clear(key)` when nil is assigned
(a key that is absent still gets a node, as in Lua), `resize_array(n)` for SETLIST growing the
array part. Values are not tracked, only which keys hold one (`live`). Hashes are Lua 5.1's:
strings use the unseeded string hash, numbers the sum of the two 32-bit halves of the double,
booleans their value; other objects use their Python id (real Lua uses their address, so the
order among such keys is arbitrary there too).

Not modelled: the collector turning nil-valued string keys into dead keys (so a key that was
cleared, collected and later reassigned may land elsewhere in real Lua).
"""

from __future__ import annotations

from struct import Struct

from vm.errors import LuaError

MAXBITS = 26
MAXASIZE = 1 << MAXBITS
MAX_INT = 2 ** 31 - 1
_DOUBLE = Struct("<d")
_TWO_WORDS = Struct("<II")
_STRING_HASHES: dict = {}


class BoolKey:
    """The dict key standing for a Lua boolean (keeps `true` apart from the number 1)."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"<key {self.value}>"


def string_hash(s: bytes) -> int:
    """Lua 5.1's hash of a string (lstring.c): seeded with the length, at most ~32 characters sampled."""
    h = _STRING_HASHES.get(s)
    if h is not None:
        return h
    n = len(s)
    h = n
    step = (n >> 5) + 1
    i = n
    while i >= step:
        h = (h ^ ((h << 5) + (h >> 2) + s[i - 1])) & 0xFFFFFFFF
        i -= step
    if len(_STRING_HASHES) > 50_000:
        _STRING_HASHES.clear()
    _STRING_HASHES[s] = h
    return h


def number_hash(x: float) -> int:
    """The unsigned sum of the two 32-bit words of the double (0 for both zeros)."""
    if x == 0.0:
        return 0
    lo, hi = _TWO_WORDS.unpack(_DOUBLE.pack(x))
    return (lo + hi) & 0xFFFFFFFF


def raw_hash(k) -> int:
    """k's hash before reduction to a node index: >= 0 for power-of-two masking (strings,
    booleans), ~h < 0 for reduction modulo an odd size (numbers, other objects)."""
    t = type(k)
    if t is bytes:
        return string_hash(k)
    if t is float:
        return ~number_hash(k)
    if t is BoolKey:
        return 1 if k.value else 0
    return ~(id(k) & 0xFFFFFFFF)


def ceil_log2(n: int) -> int:
    return (n - 1).bit_length()


def array_index(k) -> int:
    """k as an array-part candidate (1..MAXASIZE), or 0."""
    if type(k) is float and 1.0 <= k <= MAXASIZE and k.is_integer():
        return int(k)
    return 0


class Layout:
    """The array size and node array a Lua 5.1 table would have after the same history."""
    __slots__ = ("asize", "size", "dummy", "keys", "nxt", "where", "live", "lastfree", "hashes")

    def __init__(self, narray: int = 0, nhash: int = 0):
        self.asize = narray
        self.live = set()
        self.hashes = {}         # key -> raw hash: >= 0 reduced by mask, < 0 (~h) by modulo
        self._new_nodes(nhash)

    def _new_nodes(self, n: int) -> None:
        if n <= 0:
            self.dummy = True
            size = 1
            self.lastfree = 0
        else:
            lsize = ceil_log2(n)
            if lsize > MAXBITS:
                raise LuaError(b"table overflow")
            size = 1 << lsize
            self.dummy = False
            self.lastfree = size
        self.size = size
        self.keys = [None] * size
        self.nxt = [-1] * size
        self.where = {}

    # ----- placement -------------------------------------------------------------------------
    def main_position(self, k) -> int:
        h = self.hashes.get(k)
        if h is None:
            h = self.hashes[k] = raw_hash(k)
        if h >= 0:
            return h & (self.size - 1)
        return (~h) % ((self.size - 1) | 1)

    def _new_key(self, k) -> None:
        """Give k (absent from both parts) a node, rehashing when none is free."""
        keys, nxt, hashes = self.keys, self.nxt, self.hashes
        size = self.size
        h = hashes.get(k)
        if h is None:
            h = hashes[k] = raw_hash(k)
        mp = h & (size - 1) if h >= 0 else (~h) % ((size - 1) | 1)
        mk = keys[mp]
        if self.dummy or (mk is not None and mk in self.live):
            free = self.lastfree
            while free > 0:
                free -= 1
                if keys[free] is None:
                    break
            else:
                free = -1
            self.lastfree = max(free, 0)
            if free < 0:
                self._rehash(k)
                if not (type(k) is float and 1.0 <= k <= self.asize and k.is_integer()):
                    self._new_key(k)
                return
            h = hashes[mk]
            other = h & (size - 1) if h >= 0 else (~h) % ((size - 1) | 1)
            if other != mp:
                # The occupant is not in its main position: move it to the free node.
                while nxt[other] != mp:
                    other = nxt[other]
                nxt[other] = free
                keys[free] = mk
                nxt[free] = nxt[mp]
                self.where[mk] = free
                nxt[mp] = -1
            else:
                nxt[free] = nxt[mp]
                nxt[mp] = free
                mp = free
        elif mk is not None:
            del self.where[mk]      # a nil-valued key loses its node to the newcomer
        keys[mp] = k
        self.where[k] = mp

    def _place(self, k) -> None:
        """Make sure k has a slot (array or node), as assignment does before storing."""
        if type(k) is float and 1.0 <= k <= self.asize and k.is_integer():
            return
        if k not in self.where:
            self._new_key(k)

    # ----- events ----------------------------------------------------------------------------
    def set(self, k) -> None:
        if not (type(k) is float and 1.0 <= k <= self.asize and k.is_integer()) and k not in self.where:
            self._new_key(k)
        self.live.add(k)

    def clear(self, k) -> None:
        self._place(k)
        self.live.discard(k)

    def resize_array(self, n: int) -> None:
        if n > self.asize:
            self._resize(n, 0 if self.dummy else self.size)

    # ----- rehash ----------------------------------------------------------------------------
    def _rehash(self, extra) -> None:
        nums = [0] * (MAXBITS + 1)
        nint = 0
        for k in self.live:
            if type(k) is float and 1.0 <= k <= MAXASIZE:
                i = int(k)
                if i == k:
                    nums[(i - 1).bit_length()] += 1
                    nint += 1
        i = array_index(extra)
        if i:
            nums[(i - 1).bit_length()] += 1
            nint += 1
        total = len(self.live) + 1
        asize, in_array = _array_size(nums, nint)
        self._resize(asize, total - in_array)

    def _resize(self, asize: int, nhash: int) -> None:
        old_asize = self.asize
        old_keys = self.keys
        live = self.live
        hashes = self.hashes
        self.hashes = {k: h for k, h in hashes.items() if k in live} if len(hashes) > 2 * len(live) else hashes
        if asize > old_asize:
            self.asize = asize
        self._new_nodes(nhash)
        if asize < old_asize:
            self.asize = asize
            order = [float(i) for i in range(asize + 1, old_asize + 1) if float(i) in live]
        else:
            order = []
        fa = float(self.asize)
        for j in range(len(old_keys) - 1, -1, -1):
            k = old_keys[j]
            if k is not None and k in live:
                if type(k) is float and 1.0 <= k <= fa and k.is_integer():
                    continue
                order.append(k)
        if order:
            self._reinsert(order)

    def _reinsert(self, order: list) -> None:
        """_new_key for each of `order` into fresh nodes with room for all (no rehash, no dead keys)."""
        keys, nxt, where, hashes = self.keys, self.nxt, self.where, self.hashes
        size = self.size
        mask = size - 1
        odd = mask | 1
        lastfree = self.lastfree
        for k in order:
            h = hashes.get(k)
            if h is None:
                h = hashes[k] = raw_hash(k)
            mp = h & mask if h >= 0 else (~h) % odd
            mk = keys[mp]
            if mk is not None:
                while lastfree > 0:
                    lastfree -= 1
                    if keys[lastfree] is None:
                        break
                else:
                    raise AssertionError("table layout: no free node while resizing")
                free = lastfree
                h = hashes[mk]
                other = h & mask if h >= 0 else (~h) % odd
                if other != mp:
                    while nxt[other] != mp:
                        other = nxt[other]
                    nxt[other] = free
                    keys[free] = mk
                    nxt[free] = nxt[mp]
                    where[mk] = free
                    nxt[mp] = -1
                else:
                    nxt[free] = nxt[mp]
                    nxt[mp] = free
                    mp = free
            keys[mp] = k
            where[k] = mp
        self.lastfree = lastfree

    # ----- reading ---------------------------------------------------------------------------
    def order(self) -> list:
        """Keys in traversal order: 1..asize, then every node's key (including nil-valued ones)."""
        keys = [float(i) for i in range(1, self.asize + 1)]
        keys.extend(k for k in self.keys if k is not None)
        return keys

    def length(self, present) -> int:
        """Lua 5.1's `#` given `present(i)` (whether integer key i holds a value)."""
        j = self.asize
        if j > 0 and not present(float(j)):
            i = 0
            while j - i > 1:
                m = (i + j) // 2
                if present(float(m)):
                    i = m
                else:
                    j = m
            return i
        if self.dummy:
            return j
        i = j
        j += 1
        while present(float(j)):
            i = j
            j *= 2
            if j > MAX_INT:
                i = 1
                while present(float(i)):
                    i += 1
                return i - 1
        while j - i > 1:
            m = (i + j) // 2
            if present(float(m)):
                i = m
            else:
                j = m
        return i


def _array_size(nums: list, nint: int) -> tuple:
    """(array size, integer keys that go in it): the largest 2^i with more than 2^(i-1) keys in 1..2^i."""
    a = 0
    in_array = 0
    size = 0
    i = 0
    two_i = 1
    while two_i // 2 < nint and i <= MAXBITS:
        if nums[i] > 0:
            a += nums[i]
            if a > two_i // 2:
                size = two_i
                in_array = a
        if a == nint:
            break
        i += 1
        two_i *= 2
    return size, in_array
