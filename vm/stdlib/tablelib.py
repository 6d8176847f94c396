"""The table library: insert, remove, concat, sort, maxn, getn/setn, foreach/foreachi (counterpart of ltablib.c)."""

from __future__ import annotations

from vm.runtime.calls import ccall
from vm.runtime.operations import less_than
from vm.runtime.table import Table
from vm.runtime.values import is_function, number_to_bytes, type_name
from vm.stdlib.auxlib import (
    arg, check_int, check_table, error, lua_function, new_library, opt_int, opt_string, type_error,
)

_get = dict.get


def _aux_getn(args) -> int:
    t = check_table(args, 0)
    return int(t.length())


@lua_function("insert")
def table_insert(*args):
    t = check_table(args, 0)
    e = int(t.length()) + 1
    n = len(args)
    if n == 2:
        pos = e
    elif n == 3:
        pos = check_int(args, 1)
        if pos > e:
            e = pos
        for i in range(e, pos, -1):
            t.rawset(float(i), _get(t, float(i - 1)))
    else:
        error(b"wrong number of arguments to 'insert'")
    t.rawset(float(pos), args[-1])
    return ()


@lua_function("remove")
def table_remove(*args):
    t = check_table(args, 0)
    e = int(t.length())
    pos = opt_int(args, 1, e)
    if not 1 <= pos <= e:
        return ()
    v = _get(t, float(pos))
    for i in range(pos, e):
        t.rawset(float(i), _get(t, float(i + 1)))
    t.rawset(float(e), None)
    return (v,)


@lua_function("concat")
def table_concat(*args):
    t = check_table(args, 0)
    sep = opt_string(args, 1, b"")
    i = opt_int(args, 2, 1)
    j = opt_int(args, 3, int(t.length())) if len(args) > 3 and args[3] is not None else int(t.length())
    parts = []
    for k in range(i, j + 1):
        v = _get(t, float(k))
        tv = type(v)
        if tv is bytes:
            parts.append(v)
        elif tv is float:
            parts.append(number_to_bytes(v))
        else:
            error(b"invalid value (%s) at index %d in table for 'concat'" % (type_name(v), k))
    return (sep.join(parts),)


@lua_function("maxn")
def table_maxn(*args):
    t = check_table(args, 0)
    best = 0.0
    for k in dict.keys(t):
        if type(k) is float and k > best:
            best = k
    return (best,)


@lua_function("getn")
def table_getn(*args):
    return (float(_aux_getn(args)),)


@lua_function("setn")
def table_setn(*args):
    check_table(args, 0)
    error(b"'setn' is obsolete")


@lua_function("foreach")
def table_foreach(*args):
    t = check_table(args, 0)
    f = arg(args, 1)
    if not is_function(f):
        type_error(args, 1, b"function")
    r = t.next(None)
    while r is not None:
        res = ccall(f, r[0], r[1])
        if res and res[0] is not None:
            return (res[0],)
        r = t.next(r[0])
    return ()


@lua_function("foreachi")
def table_foreachi(*args):
    t = check_table(args, 0)
    f = arg(args, 1)
    if not is_function(f):
        type_error(args, 1, b"function")
    n = _aux_getn(args)
    for i in range(1, n + 1):
        res = ccall(f, float(i), _get(t, float(i)))
        if res and res[0] is not None:
            return (res[0],)
    return ()


# ----- sort: the same quicksort as Lua 5.1 so comparator calls and errors match ----------------

def _sort(a: list, lo: int, hi: int, less) -> None:
    """Sort a[lo..hi] (1-based; a[0] and a[n+1] read as nil) in place."""
    n = len(a) - 2

    def get(i):
        return a[i] if 0 <= i <= n + 1 else None

    while lo < hi:
        if less(a[hi], a[lo]):
            a[lo], a[hi] = a[hi], a[lo]
        if hi - lo == 1:
            break
        mid = (lo + hi) // 2
        if less(a[mid], a[lo]):
            a[mid], a[lo] = a[lo], a[mid]
        elif less(a[hi], a[mid]):
            a[mid], a[hi] = a[hi], a[mid]
        if hi - lo == 2:
            break
        pivot = a[mid]
        a[mid], a[hi - 1] = a[hi - 1], a[mid]
        i, j = lo, hi - 1
        while True:
            i += 1
            while less(get(i), pivot):
                if i > hi:
                    error(b"invalid order function for sorting")
                i += 1
            j -= 1
            while less(pivot, get(j)):
                if j < lo:
                    error(b"invalid order function for sorting")
                j -= 1
            if j < i:
                break
            a[i], a[j] = a[j], a[i]
        a[hi - 1], a[i] = a[i], a[hi - 1]
        if i - lo < hi - i:
            j, i, lo = lo, i - 1, i + 1
        else:
            j, i, hi = i + 1, hi, i - 1
        _sort(a, j, i, less)


@lua_function("sort")
def table_sort(*args):
    t = check_table(args, 0)
    n = int(t.length())
    comp = arg(args, 1)
    if comp is not None and not is_function(comp):
        type_error(args, 1, b"function")
    if comp is None:
        def less(x, y):
            if type(x) is float and type(y) is float:
                return x < y
            return less_than(x, y)
    else:
        def less(x, y):
            r = ccall(comp, x, y)
            return bool(r) and r[0] is not None and r[0] is not False
    a = [None] + t.array_values(n) + [None]
    try:
        _sort(a, 1, n, less)
    finally:
        t.set_array(a[1:n + 1])
    return ()


def open(state) -> None:  # noqa: A001
    new_library(state, b"table", {
        "concat": table_concat, "foreach": table_foreach, "foreachi": table_foreachi,
        "getn": table_getn, "maxn": table_maxn, "insert": table_insert, "remove": table_remove,
        "setn": table_setn, "sort": table_sort,
    })


_ = Table
