"""Lua tables: one dict with normalised keys, a border hint for `#`, and stable `next` traversal (counterpart of ltable.c).

A Table *is* a dict so the interpreter's fast paths are plain subscriptions: `t[k]` finds a raw
value or, on a miss, `__missing__` consults the metatable. Keys are normalised on the way in:
numbers are floats (1 and 1.0 are one key; -0.0 and 0.0 too), and booleans are stored under two
sentinel objects so that `true` never meets `1.0` in the dict. Values are never None: assigning
nil deletes the key.

`next` walks a snapshot of the keys taken when a traversal starts (integer keys 1..n first, like
Lua's array part, then the rest in insertion order). Assigning to existing fields or clearing them
during a traversal is fine, as in Lua.
"""

from __future__ import annotations

from vm.errors import LuaError
from vm.runtime.values import register_type_name


class _BoolKey:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"<key {self.value}>"


TRUE_KEY = _BoolKey(True)
FALSE_KEY = _BoolKey(False)


def normalise_key(key):
    """The dict key under which Lua key `key` is stored (raises for nil and NaN)."""
    t = type(key)
    if t is float:
        if key != key:
            raise LuaError(b"table index is NaN")
        return key
    if t is bool:
        return TRUE_KEY if key else FALSE_KEY
    if key is None:
        raise LuaError(b"table index is nil")
    if t is int:
        return float(key)
    return key


def lookup_key(key):
    """Like normalise_key but for reads: never raises (nil and NaN simply find nothing)."""
    t = type(key)
    if t is bool:
        return TRUE_KEY if key else FALSE_KEY
    if t is int:
        return float(key)
    return key


def denormalise_key(key):
    if type(key) is _BoolKey:
        return key.value
    return key


# Filled in by vm.runtime.operations (avoids an import cycle): the __index chain for a missing key.
index_miss = None


class Table(dict):
    """A Lua table."""
    __slots__ = ("meta", "border", "_snap", "_snap_pos", "_snap_last", "__weakref__")
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __init__(self, *args):
        dict.__init__(self, *args)
        self.meta = None
        self.border = 0.0
        self._snap = None
        self._snap_pos = None
        self._snap_last = -1

    def __repr__(self):
        return f"<Lua table 0x{id(self):x}>"

    def __bool__(self):
        return True

    def __missing__(self, key):
        meta = self.meta
        if meta is None:
            return None
        return index_miss(self, key)

    # ----- raw access ------------------------------------------------------------------------
    def rawget(self, key):
        return dict.get(self, lookup_key(key))

    def rawset(self, key, value) -> None:
        key = normalise_key(key)
        if value is None:
            dict.pop(self, key, None)
        else:
            dict.__setitem__(self, key, value)

    def rawget_int(self, i: int):
        return dict.get(self, float(i))

    # ----- length ----------------------------------------------------------------------------
    def length(self) -> float:
        """A border of the table (Lua's `#`): n with t[n] non-nil and t[n+1] nil, or 0."""
        get = dict.__contains__
        b = self.border
        if b == 0.0 or get(self, b):
            nxt = b + 1.0
            if not get(self, nxt):
                return b
            # Unbounded search upwards, then bisect, as Lua does beyond its array part.
            lo, hi = nxt, nxt * 2.0
            while get(self, hi):
                lo = hi
                hi *= 2.0
                if hi > 2.0 ** 53:
                    # Pathological: walk linearly from lo.
                    while get(self, lo + 1.0):
                        lo += 1.0
                    self.border = lo
                    return lo
        else:
            if b > 1.0 and get(self, b - 1.0):
                self.border = b - 1.0
                return b - 1.0
            lo, hi = 0.0, b
        while hi - lo > 1.0:
            mid = float((int(lo) + int(hi)) // 2)
            if get(self, mid):
                lo = mid
            else:
                hi = mid
        self.border = lo
        return lo

    # ----- traversal -------------------------------------------------------------------------
    def _snapshot(self) -> list:
        n = 0.0
        contains = dict.__contains__
        while contains(self, n + 1.0):
            n += 1.0
        if n == 0.0 or n == len(self):
            keys = list(dict.keys(self))
            if n and keys[0] != 1.0:
                keys = [float(i) for i in range(1, int(n) + 1)]
        else:
            keys = [float(i) for i in range(1, int(n) + 1)]
            for k in dict.keys(self):
                if not (type(k) is float and 1.0 <= k <= n and k == int(k)):
                    keys.append(k)
        self._snap = keys
        self._snap_pos = None
        self._snap_last = -1
        return keys

    def next(self, key):
        """Lua's next(t, key): (key, value) of the following entry, or None at the end."""
        if key is None:
            keys = self._snapshot()
            start = 0
        else:
            nk = lookup_key(key)
            keys = self._snap
            last = self._snap_last
            if keys is not None and 0 <= last < len(keys) and keys[last] == nk and type(keys[last]) is type(nk):
                start = last + 1
            else:
                pos = None
                if keys is not None:
                    if self._snap_pos is None:
                        self._snap_pos = {k: i for i, k in enumerate(keys)}
                    pos = self._snap_pos.get(nk)
                if pos is None:
                    if not dict.__contains__(self, nk):
                        raise LuaError(b"invalid key to 'next'")
                    keys = self._snapshot()
                    self._snap_pos = {k: i for i, k in enumerate(keys)}
                    pos = self._snap_pos[nk]
                start = pos + 1
        get = dict.get
        for i in range(start, len(keys)):
            k = keys[i]
            v = get(self, k)
            if v is not None:
                self._snap_last = i
                return denormalise_key(k), v
        self._snap_last = -1
        return None

    # ----- arrays ----------------------------------------------------------------------------
    def array_values(self, n: int) -> list:
        """[t[1], ..., t[n]] (raw)."""
        get = dict.get
        return [get(self, float(i)) for i in range(1, n + 1)]

    def set_array(self, values, start: int = 1) -> None:
        """Raw-assign t[start], t[start+1], ... from `values` (SETLIST, table.sort)."""
        i = float(start)
        for v in values:
            if v is None:
                dict.pop(self, i, None)
            else:
                dict.__setitem__(self, i, v)
            i += 1.0


register_type_name(Table, b"table")


def new_table(array=(), hash=None) -> Table:
    """A table holding `array` at 1..n and the raw pairs of `hash` (keys given as Lua values)."""
    t = Table()
    if array:
        t.set_array(array)
        t.border = float(len(array))
    if hash:
        for k, v in hash.items():
            t.rawset(k, v)
    return t


# ----- weak tables ------------------------------------------------------------------------------
# Tables whose metatable has __mode. Python frees objects by reference counting, so at a full
# collection an entry whose weak key or value is referenced only by this table is cleared.
import gc as _gc  # noqa: E402
import sys as _sys  # noqa: E402
import weakref as _weakref  # noqa: E402

WEAK_TABLES = _weakref.WeakSet()


def note_metatable(t: Table, mt) -> None:
    if mt is not None and dict.get(mt, b"__mode") is not None:
        WEAK_TABLES.add(t)


def _collectable(v) -> bool:
    return v is not None and type(v) not in (bool, float, bytes, int, _BoolKey)


def _count_weak_slots(t, weak_keys, weak_values, weak_refs) -> None:
    for k, v in dict.items(t):
        if weak_keys and _collectable(k):
            weak_refs.setdefault(id(k), [k, 0])[1] += 1
        if weak_values and _collectable(v):
            weak_refs.setdefault(id(v), [v, 0])[1] += 1


def sweep_weak_tables() -> None:
    _gc.collect()
    for _ in range(10):
        weak_refs = {}     # id -> [object, references held by weak slots]
        tables = []
        for t in list(WEAK_TABLES):
            mt = t.meta
            mode = dict.get(mt, b"__mode") if mt is not None else None
            if type(mode) is not bytes:
                continue
            weak_keys, weak_values = b"k" in mode, b"v" in mode
            tables.append((t, weak_keys, weak_values))
            _count_weak_slots(t, weak_keys, weak_values, weak_refs)
        dead = set()
        for key, entry in weak_refs.items():
            # entry[0] itself, the getrefcount argument: 2 references beyond the weak slots.
            if _sys.getrefcount(entry[0]) - 2 <= entry[1]:
                dead.add(key)
        weak_refs.clear()
        if not dead:
            return
        for t, weak_keys, weak_values in tables:
            for k in [k for k, v in dict.items(t)
                      if (weak_keys and id(k) in dead) or (weak_values and id(v) in dead)]:
                dict.pop(t, k, None)
        _gc.collect()
