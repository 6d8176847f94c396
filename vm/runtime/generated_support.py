"""Run-time helpers that generated Lua functions call by name (the slow halves of inlined instructions, counterpart of parts of lvm.c)."""

from __future__ import annotations

from types import FunctionType, GeneratorType

from vm.runtime import operations as ops
from vm.runtime.debuginfo import GEN_GLOBALS
from vm.runtime.table import Table
from vm.runtime.values import INF, Cell, TailCall, Userdata


def _for_prepare(init, limit, step):
    """FORPREP's coercions and errors; returns the three loop numbers as floats."""
    i = ops.to_number(init)
    if i is None:
        ops.runerror(b"'for' initial value must be a number")
    lim = ops.to_number(limit)
    if lim is None:
        ops.runerror(b"'for' limit must be a number")
    st = ops.to_number(step)
    if st is None:
        ops.runerror(b"'for' step must be a number")
    return i, lim, st


def _set_list(t, start, values):
    if type(t) is Table:
        t.note_array_size(start + len(values) - 1)
        t.set_array(values, start)
    else:
        for i, v in enumerate(values):
            ops.setindex(t, float(start + i), v, None)


def _vararg_table(va):
    t = Table((len(va), 1))
    t.set_array(va)
    t[b"n"] = float(len(va))
    return t


def _settable(t, k, v):
    ops.setindex(t, k, v, "A")


def _setglobal(env, k, v):
    ops.setindex(env, k, v, None)


def _index(o, k):
    return ops.index(o, k, "B")


def _callfail(exc, fn, args):
    return ops.call_failed(exc, fn, args)


GEN_GLOBALS.update({
    "Cell": Cell, "Table": Table, "TailCall": TailCall, "FN": FunctionType, "GG": GEN_GLOBALS,
    "GEN": GeneratorType,
    "INF": INF, "USERDATA": Userdata,
    "ADD": ops.arith_add, "SUB": ops.arith_sub, "MUL": ops.arith_mul, "DIV": ops.arith_div,
    "MOD": ops.arith_mod, "POW": ops.arith_pow, "UNM": ops.arith_unm,
    "LT": ops.less_than, "LE": ops.less_equal, "EQ": ops.equal, "LEN": ops.length,
    "CONCAT": ops.concat, "INDEX": _index, "SETINDEX": _settable, "SETG": _setglobal,
    "CALLFAIL": _callfail,
    "FORPREP": _for_prepare, "SETLIST": _set_list, "VARARGTABLE": _vararg_table,
})
