"""Lua 5.1's string hash and the key order of NodeMCU's table after string inserts, which fixes the RO string table's layout (counterpart of app/lua/lstring.c's hash and app/lua/ltable.c).

luac.cross collects every string of the Proto tree as keys of an ordinary Lua table and lays
the strings out in the order `next()` visits them. NodeMCU's table code rehashes in place, so
the order differs from stock Lua; `collection_order` replays its insert and rehash steps for
string keys (spec §1.5.3).
"""

from __future__ import annotations

_MASK32 = 0xFFFFFFFF


def lua_hash(s: bytes) -> int:
    """Lua 5.1's unseeded string hash; strings of 32 bytes or more are only sampled."""
    length = len(s)
    h = length
    step = (length >> 5) + 1
    i = length
    while i >= step:
        h ^= ((h << 5) + (h >> 2) + s[i - 1]) & _MASK32
        i -= step
    return h


class _Node:
    __slots__ = ("key", "hash", "next")

    def __init__(self):
        self.key = None          # None marks an empty node (every key here is a bytes object)
        self.hash = 0
        self.next = -1           # index of the next node in the collision chain, -1 for none

    def copy_from(self, other: "_Node") -> None:
        self.key = other.key
        self.hash = other.hash
        self.next = other.next


class _StringKeyTable:
    """The hash part of a NodeMCU Lua table, reduced to what string-keyed inserts exercise."""

    def __init__(self):
        self.nodes: list[_Node] = []     # empty list = Lua's shared dummy node
        self.lastfree = 0

    def insert(self, key: bytes, h: int) -> None:
        while True:
            nodes = self.nodes
            if not nodes:
                self._rehash()
                continue
            size_mask = len(nodes) - 1
            mp = h & size_mask
            main = nodes[mp]
            if main.key is None:
                main.key = key
                main.hash = h
                return
            free = self._take_free()
            if free < 0:
                self._rehash()
                continue
            other = main.hash & size_mask
            if other != mp:
                # The occupant only borrowed this slot: move it out and take its place.
                p = other
                while nodes[p].next != mp:
                    p = nodes[p].next
                nodes[p].next = free
                nodes[free].copy_from(main)
                main.next = -1
                main.key = key
                main.hash = h
            else:
                spare = nodes[free]
                spare.next = main.next
                main.next = free
                spare.key = key
                spare.hash = h
            return

    def _take_free(self) -> int:
        nodes = self.nodes
        while self.lastfree > 0:
            self.lastfree -= 1
            if nodes[self.lastfree].key is None:
                return self.lastfree
        return -1

    def _rehash(self) -> None:
        nodes = self.nodes
        count = sum(1 for node in nodes if node.key is not None) + 1
        new_size = 1
        while new_size < count:
            new_size <<= 1
        old_size = len(nodes)
        for node in nodes:
            node.next = -1
        nodes.extend(_Node() for _ in range(new_size - old_size))
        self.lastfree = new_size
        # Grow in place: every key is re-seated relative to the new size, possibly moving
        # other keys around, until each one is in its main position or on its chain.
        for i in range(new_size):
            if nodes[i].key is not None:
                while not self._reseat(i):
                    pass

    def _reseat(self, i: int) -> bool:
        """Place node i for the current size; False when another key landed in i and needs a turn."""
        nodes = self.nodes
        size_mask = len(nodes) - 1
        node = nodes[i]
        mp = node.hash & size_mask
        if mp == i:
            return True
        p = mp
        while p >= 0 and nodes[p].next != i:
            p = nodes[p].next
        if p >= 0:
            return True              # already chained from its main position
        main = nodes[mp]
        if main.key is not None:
            other = main.hash & size_mask
            if other != mp:
                saved = _Node()
                saved.copy_from(node)
                p = other
                while p >= 0 and nodes[p].next != mp:
                    p = nodes[p].next
                if p >= 0:
                    nodes[p].next = i
                node.copy_from(main)
                main.copy_from(saved)
                return p >= 0
            node.next = main.next
            main.next = i
            return True
        main.copy_from(node)
        node.key = None
        node.hash = 0
        node.next = -1
        return True

    def keys(self) -> list[bytes]:
        return [node.key for node in self.nodes if node.key is not None]


def collection_order(strings) -> list[bytes]:
    """The order luac.cross allocates `strings` (given in first-insertion order, duplicates allowed) in the RO string table."""
    table = _StringKeyTable()
    seen: set[bytes] = set()
    for s in strings:
        if s in seen:
            continue
        seen.add(s)
        table.insert(s, lua_hash(s))
    return table.keys()
