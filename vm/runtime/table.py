"""Lua tables: one dict with normalised keys, plus the history that fixes Lua 5.1's `next` order and `#` (counterpart of ltable.c).

A Table *is* a dict so the interpreter's fast paths are plain subscriptions: `t[k]` finds a raw
value or, on a miss, `__missing__` consults the metatable. Keys are normalised on the way in:
numbers are floats (1 and 1.0 are one key; -0.0 and 0.0 too), and booleans are stored under two
sentinel objects so that `true` never meets `1.0` in the dict. Values are never None: assigning
nil deletes the key.

Traversal order and `#` on tables with holes depend on where Lua 5.1 would have put each key,
which depends on the table's history (see vm.runtime.tablelayout). That history is kept cheaply:
the constructor's size hints (`_hint`), the dict's own insertion order for keys added by plain
stores (the generated code stores straight into the dict), and, once nil is assigned to a key, a
log of events in `_hist`: every key removal (or nil store) goes through `clear_key`, which first
logs the keys added since the previous event (they are the newest entries of the dict), then the
removal. The layout is replayed from that log only when a traversal starts or `#` needs it, and
cached until the key set changes.

Approximations: (1) the collector's dead keys are not modelled (see vm.runtime.tablelayout);
(2) when a table of more than 1024 entries sees more than twice its size in removals between
two replays, the log is dropped (replaying it would cost more than the program's own work) and
the layout is later rebuilt as if the current keys had been stored in the dict's order into a
fresh table; (3) after a weak-table sweep the swept table's history is dropped the same way, so
that the history holds no references to collectable keys; (4) nil stored by SETLIST into an
absent slot is assumed to fall in the array part.

`next` walks a snapshot of the keys in Lua's order taken when a traversal starts. Assigning to
existing fields or clearing them during a traversal is fine, as in Lua.
"""

from __future__ import annotations

from itertools import islice

from vm.errors import LuaError
from vm.runtime.tablelayout import BoolKey as _BoolKey, Layout
from vm.runtime.values import register_type_name

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

_FLOATS: list = []          # 1.0, 2.0, ... grown on demand
_COMPACT_SLACK = 64         # replay the log once it is this much longer than twice the table
_EXACT_CHURN_LIMIT = 1024   # ... but past this size, drop it instead (approximation)


def _floats(n: int) -> list:
    if len(_FLOATS) < n:
        _FLOATS.extend(float(i) for i in range(len(_FLOATS) + 1, n + 1))
    return _FLOATS[:n]


class _History:
    """Everything beyond the dict that a table needs for Lua's order: see the module docstring."""
    __slots__ = ("layout", "log", "known", "events", "snap", "snap_pos", "snap_last", "snap_version",
                 "dense", "dense_version", "length_version", "length")

    def __init__(self):
        self.layout = None       # Layout replayed up to `known` dict entries, or None: replay all
        self.log = None          # events since the layout was last brought up to date
        self.known = 0           # len(dict) when the last event was logged
        self.events = 0          # count of logged events: (events, len(dict)) names a key set
        self.snap = None         # keys of the current traversal, in order
        self.snap_pos = None
        self.snap_last = -1
        self.snap_version = None
        self.dense = -1          # the key set was exactly 1..dense at (dense_version)
        self.dense_version = -1
        self.length_version = None
        self.length = 0


class Table(dict):
    """A Lua table."""
    __slots__ = ("meta", "_hint", "_hist", "__weakref__")
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __init__(self, hint=None):
        self.meta = None
        self._hint = hint        # (array size, node count) from the constructor, or None
        self._hist = None

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
            self.clear_key(key)
        else:
            dict.__setitem__(self, key, value)

    def rawget_int(self, i: int):
        return dict.get(self, float(i))

    # ----- history ---------------------------------------------------------------------------
    def _history(self) -> _History:
        h = self._hist
        if h is None:
            h = self._hist = _History()
        return h

    def _log_new_keys(self, h: _History) -> list:
        """The event log, extended with the keys stored since the last event."""
        log = h.log
        if log is None:
            log = h.log = []
        n = len(self)
        new = n - h.known
        if new > 0:
            if new == n:
                log.extend(dict.keys(self))
            else:
                tail = list(islice(reversed(self), new))
                tail.reverse()
                log.extend(tail)
        return log

    def clear_key(self, key) -> None:
        """Raw `t[key] = nil` for a normalised key (present or not): log it and drop the entry."""
        h = self._hist
        if h is None:
            h = self._hist = _History()
        log = self._log_new_keys(h)
        log.append((key,))
        n = len(self)
        keep_dense = h.dense_version == h.events and h.dense == n
        if dict.pop(self, key, None) is not None:
            if keep_dense:
                keep_dense = key == float(n) and type(key) is float
                h.dense = n - 1
            n -= 1
        h.known = n
        h.events += 1
        if keep_dense:
            h.dense_version = h.events       # still exactly 1..dense: a stack pop keeps `#` cheap
        if len(log) > 2 * n + _COMPACT_SLACK:
            if n <= _EXACT_CHURN_LIMIT:
                self._layout()
            else:
                # A big table with heavy churn: forget the removals (see the module docstring).
                h.layout = h.log = None
                h.known = 0

    def note_array_size(self, n: int) -> None:
        """SETLIST is about to store up to t[n]: Lua grows the array part to n first."""
        hint = self._hint
        if hint is not None and n <= hint[0]:
            return
        h = self._history()
        self._log_new_keys(h).append(n)
        h.known = len(self)
        h.events += 1

    def _layout(self) -> Layout:
        """The Layout after the whole history, replaying what is pending."""
        h = self._history()
        lay = h.layout
        if lay is None:
            hint = self._hint
            lay = h.layout = Layout(*hint) if hint is not None else Layout()
        n = len(self)
        if h.log is not None or n > h.known:
            log = self._log_new_keys(h)
            h.log = None
            h.known = n
            lset, lclear, lresize = lay.set, lay.clear, lay.resize_array
            for ev in log:
                t = type(ev)
                if t is tuple:
                    lclear(ev[0])
                elif t is int:
                    lresize(ev)
                else:
                    lset(ev)
        if len(lay.live) != n:
            # Some entry was removed behind our back: start again from the dict's order.
            hint = self._hint
            lay = h.layout = Layout(*hint) if hint is not None else Layout()
            for k in dict.keys(self):
                lay.set(k)
            h.known = n
        return lay

    def _order(self) -> list:
        """All keys in Lua 5.1's traversal order (nil-valued node keys included)."""
        h = self._hist
        if ((h is None or (h.layout is None and h.log is None))
                and (self._hint is None or self._hint[1] == 0)):
            # Keys 1..n stored in increasing order, no hash hint: all in the array part.
            n = len(self)
            seq = _floats(n)
            if list(dict.keys(self)) == seq:
                return seq
        return self._layout().order()

    # ----- length ----------------------------------------------------------------------------
    def length(self) -> float:
        """Lua 5.1's `#t` (luaH_getn): a border of the table, the one Lua's search would find."""
        n = len(self)
        h = self._hist
        if h is None:
            h = self._hist = _History()
        else:
            d = h.dense
            if h.dense_version == h.events and d >= 0:
                if d == n:
                    return float(n)
                if d < n <= d + 8:
                    # Only stores since the proof: the new keys are the dict's last n - d.
                    for k in islice(reversed(self), n - d):
                        if not (type(k) is float and d < k <= n and k.is_integer()):
                            break
                    else:
                        h.dense = n
                        return float(n)
            version = (h.events, n)
            if h.length_version == version:
                return h.length
        if n == 0 or (dict.__contains__(self, float(n)) and self.keys() == set(_floats(n))):
            h.dense = n
            h.dense_version = h.events
            return float(n)
        h.dense = -1
        contains = dict.__contains__
        result = float(self._layout().length(lambda i: contains(self, i)))
        h.length_version = (h.events, n)
        h.length = result
        return result

    # ----- traversal -------------------------------------------------------------------------
    def _snapshot(self) -> list:
        h = self._history()
        version = (h.events, len(self))
        if h.snap_version != version or h.snap is None:
            h.snap = self._order()
            h.snap_version = version
            h.snap_pos = None
        h.snap_last = -1
        return h.snap

    def next(self, key):
        """Lua's next(t, key): (key, value) of the following entry, or None at the end."""
        if key is None:
            keys = self._snapshot()
            h = self._hist
            start = 0
        else:
            nk = lookup_key(key)
            h = self._history()
            keys = h.snap
            last = h.snap_last
            if keys is not None and 0 <= last < len(keys) and keys[last] == nk and type(keys[last]) is type(nk):
                start = last + 1
            else:
                pos = None
                if keys is not None:
                    if h.snap_pos is None:
                        h.snap_pos = {k: i for i, k in enumerate(keys)}
                    pos = h.snap_pos.get(nk)
                if pos is None:
                    if not dict.__contains__(self, nk):
                        raise LuaError(b"invalid key to 'next'")
                    keys = self._snapshot()
                    h.snap_pos = {k: i for i, k in enumerate(keys)}
                    pos = h.snap_pos[nk]
                start = pos + 1
        get = dict.get
        for i in range(start, len(keys)):
            k = keys[i]
            v = get(self, k)
            if v is not None:
                h.snap_last = i
                return denormalise_key(k), v
        h.snap_last = -1
        return None

    # ----- arrays ----------------------------------------------------------------------------
    def array_values(self, n: int) -> list:
        """[t[1], ..., t[n]] (raw)."""
        get = dict.get
        return [get(self, float(i)) for i in range(1, n + 1)]

    def set_array(self, values, start: int = 1) -> None:
        """Raw-assign t[start], t[start+1], ... from `values` (SETLIST, table.sort).

        A nil stored where no value was is not logged: callers only do that inside the array
        part (SETLIST after note_array_size), where it changes nothing in Lua's layout."""
        i = float(start)
        for v in values:
            if v is None:
                if dict.__contains__(self, i):
                    self.clear_key(i)
            else:
                dict.__setitem__(self, i, v)
            i += 1.0


register_type_name(Table, b"table")


def new_table(array=(), hash=None) -> Table:
    """A table holding `array` at 1..n and the raw pairs of `hash` (keys given as Lua values)."""
    t = Table()
    if array:
        t.set_array(array)
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
    for t in list(WEAK_TABLES):
        h = t._hist        # its layout and log hold references of their own
        if h is not None:
            h.layout = h.log = None
            h.known = 0
            if h.snap_last < 0:
                h.snap = h.snap_pos = h.snap_version = None
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
                t.clear_key(k)
        _gc.collect()
