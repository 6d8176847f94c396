"""The slow paths of every VM operation: coercions, metamethods and their errors (counterpart of lvm.c's helpers and ltm.c).

The interpreter inlines the common case (float arithmetic, string keys in plain tables, ...) and
calls one of these functions for everything else. The operand hints ('A', 'B', 'C' or a register
number) tell the error reporter which operand of the current instruction was at fault, so that
messages can name the variable as Lua does.
"""

from __future__ import annotations

import math
from types import FunctionType

from vm.errors import LuaError
from vm.runtime import calls, table as table_module
from vm.runtime.calls import context, mcall as ccall
from vm.runtime.debuginfo import runerror, type_error
from vm.runtime.table import Table, lookup_key, normalise_key
from vm.runtime.values import (
    INF, NEG_NAN, Userdata, is_function, number_to_bytes, to_number, type_name,
)

MAX_TAG_LOOP = 100

E_INDEX, E_NEWINDEX, E_CALL = b"__index", b"__newindex", b"__call"
E_ADD, E_SUB, E_MUL, E_DIV, E_MOD, E_POW, E_UNM = (
    b"__add", b"__sub", b"__mul", b"__div", b"__mod", b"__pow", b"__unm")
E_LEN, E_LT, E_LE, E_EQ, E_CONCAT = b"__len", b"__lt", b"__le", b"__eq", b"__concat"

_get = dict.get


def metatable(v):
    """The metatable of any value: own for tables and userdata, per type otherwise."""
    t = type(v)
    if t is Table or t is Userdata:
        return v.meta
    state = context().state
    if state is None:
        return None
    return state.type_meta.get(type_name(v))


def get_mm(v, event: bytes):
    t = type(v)
    if t is Table or t is Userdata:
        mt = v.meta
    else:
        mt = metatable(v)
    if mt is None:
        return None
    return _get(mt, event)


def truthy(v) -> bool:
    return v is not None and v is not False


# ----- indexing --------------------------------------------------------------------------------

def index(obj, key, operand="B"):
    """obj[key] with __index (luaV_gettable)."""
    for loop in range(MAX_TAG_LOOP):
        if type(obj) is Table:
            v = _get(obj, lookup_key(key))
            if v is not None:
                return v
            mt = obj.meta
            if mt is None:
                return None
            tm = _get(mt, E_INDEX)
            if tm is None:
                return None
        else:
            tm = get_mm(obj, E_INDEX)
            if tm is None:
                type_error(obj, "index", operand if loop == 0 else None)
        if type(tm) is FunctionType or is_function(tm):
            r = ccall(tm, obj, key)
            return r[0] if r else None
        obj = tm
    runerror(b"loop in gettable")


def index_miss(t, key):
    """Table.__missing__: the raw lookup failed and the table has a metatable."""
    if type(key) is bool:
        v = _get(t, lookup_key(key))
        if v is not None:
            return v
    tm = _get(t.meta, E_INDEX)
    if tm is None:
        return None
    if type(tm) is Table:
        v = tm[key] if type(key) is not bool else None
        if v is not None or type(key) is not bool:
            return v
        return index(tm, key, None)
    if is_function(tm):
        r = ccall(tm, t, key)
        return r[0] if r else None
    return index(tm, key, None)


table_module.index_miss = index_miss


def setindex(obj, key, value, operand="A"):
    """obj[key] = value with __newindex (luaV_settable)."""
    for loop in range(MAX_TAG_LOOP):
        if type(obj) is Table:
            mt = obj.meta
            if mt is None or _get(mt, E_NEWINDEX) is None:
                rawset(obj, key, value)
                return
            try:
                nk = normalise_key(key)
            except LuaError as e:
                runerror(e.value)
            if _get(obj, nk) is not None:
                rawset(obj, key, value)
                return
            obj.clear_key(nk)   # Lua makes the key's slot before it looks for __newindex
            tm = _get(mt, E_NEWINDEX)
        else:
            tm = get_mm(obj, E_NEWINDEX)
            if tm is None:
                type_error(obj, "index", operand if loop == 0 else None)
        if is_function(tm):
            ccall(tm, obj, key, value)
            return
        obj = tm
    runerror(b"loop in settable")


def rawset(t, key, value):
    tk = type(key)
    if tk is bytes:
        nk = key
    elif tk is float and key == key:
        nk = key
    else:
        try:
            nk = normalise_key(key)
        except LuaError as e:
            runerror(e.value)
    if value is None:
        t.clear_key(nk)
    else:
        dict.__setitem__(t, nk, value)


def getglobal_miss(env, key):
    return index(env, key, None)


# ----- calls ----------------------------------------------------------------------------------

def call_metamethod_target(fn, args):
    tm = get_mm(fn, E_CALL)
    if tm is None or not is_function(tm):
        type_error(fn, "call", "A")
    return tm, (fn,) + tuple(args)


calls.call_metamethod_target = call_metamethod_target


def call_failed(exc, fn, args):
    """A call site's `fn(*args)` raised TypeError: either fn is not a function (try __call) or a real bug."""
    if is_function(fn) or exc.__traceback__ is None or exc.__traceback__.tb_next is not None:
        raise exc
    tm, args = call_metamethod_target(fn, args)
    return tm(*args)        # a Lua activation goes back to the caller's driver like any call


def tailcall_other(fn, args):
    """`return fn(...)` where fn is not a Lua function: call it here (library functions, __call)."""
    if not is_function(fn):
        fn, args = call_metamethod_target(fn, args)
    return fn(*args)


# ----- arithmetic -----------------------------------------------------------------------------

def div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a != a:
            return a
        if a == 0:
            return NEG_NAN
        negative = (a < 0) != (math.copysign(1.0, b) < 0)
        return -INF if negative else INF


def floor(x):
    if x - x == 0:
        return float(math.floor(x))
    return x


def mod(a, b):
    return a - floor(div(a, b)) * b


def power(a, b):
    try:
        return math.pow(a, b)
    except OverflowError:
        if a < 0 and b == int(b) and int(b) % 2 == 1:
            return -INF
        return INF
    except ValueError:
        if a == 0:
            if b == int(b) and int(b) % 2 == 1 and math.copysign(1.0, a) < 0:
                return -INF
            return INF
        return NEG_NAN



def _arith_mm(a, b, event, action="perform arithmetic on"):
    tm = get_mm(a, event)
    if tm is None:
        tm = get_mm(b, event)
    if tm is None:
        if to_number(a) is None:
            type_error(a, action, "B")
        type_error(b, action, "C")
    r = ccall(tm, a, b)
    return r[0] if r else None


def _make_arith(event, fn):
    def arith(a, b):
        x = to_number(a)
        if x is not None:
            y = to_number(b)
            if y is not None:
                return fn(x, y)
        return _arith_mm(a, b, event)
    return arith


arith_add = _make_arith(E_ADD, lambda x, y: x + y)
arith_sub = _make_arith(E_SUB, lambda x, y: x - y)
arith_mul = _make_arith(E_MUL, lambda x, y: x * y)
arith_div = _make_arith(E_DIV, div)
arith_pow = _make_arith(E_POW, power)
_arith_mod_slow = _make_arith(E_MOD, mod)


def arith_mod(a, b):
    if type(a) is float and type(b) is float and b:
        q = a / b
        if q - q == 0:
            return a - math.floor(q) * b
    return _arith_mod_slow(a, b)


def arith_unm(a):
    x = to_number(a)
    if x is not None:
        return -x
    tm = get_mm(a, E_UNM)
    if tm is None:
        type_error(a, "perform arithmetic on", "B")
    r = ccall(tm, a, a)
    return r[0] if r else None


# ----- comparison -----------------------------------------------------------------------------

def order_error(a, b):
    t1, t2 = type_name(a), type_name(b)
    if t1 == t2:
        runerror(b"attempt to compare two %s values" % t1)
    runerror(b"attempt to compare %s with %s" % (t1, t2))


def _order_mm(a, b, event):
    tm1 = get_mm(a, event)
    if tm1 is None:
        return None
    tm2 = get_mm(b, event)
    if not raw_equal(tm1, tm2):
        return None
    r = ccall(tm1, a, b)
    return truthy(r[0] if r else None)


def less_than(a, b):
    ta, tb = type(a), type(b)
    if ta is not tb:
        if ta in (int, float) and tb in (int, float):
            return a < b
        order_error(a, b)
    if ta is float or ta is bytes:
        return a < b
    res = _order_mm(a, b, E_LT)
    if res is None:
        order_error(a, b)
    return res


def less_equal(a, b):
    ta, tb = type(a), type(b)
    if ta is not tb:
        if ta in (int, float) and tb in (int, float):
            return a <= b
        order_error(a, b)
    if ta is float or ta is bytes:
        return a <= b
    res = _order_mm(a, b, E_LE)
    if res is not None:
        return res
    res = _order_mm(b, a, E_LT)
    if res is None:
        order_error(a, b)
    return not res


def raw_equal(a, b) -> bool:
    if a is b:
        return a == a if type(a) is float else True
    ta = type(a)
    if ta is not type(b):
        return False
    if ta is float or ta is bytes or ta is bool:
        return a == b
    return False


def equal(a, b) -> bool:
    """Lua's == including __eq for tables and userdata (luaV_equalval)."""
    ta = type(a)
    if ta is not type(b):
        return False
    if ta is Table or ta is Userdata:
        if a is b:
            return True
        mt1, mt2 = a.meta, b.meta
        if mt1 is None:
            return False
        tm1 = _get(mt1, E_EQ)
        if tm1 is None:
            return False
        if mt1 is not mt2:
            if mt2 is None:
                return False
            tm2 = _get(mt2, E_EQ)
            if tm2 is None or not raw_equal(tm1, tm2):
                return False
        r = ccall(tm1, a, b)
        return truthy(r[0] if r else None)
    if ta is float or ta is bytes or ta is bool:
        return a == b
    return a is b


# ----- length and concatenation ---------------------------------------------------------------

def length(v):
    t = type(v)
    if t is bytes:
        return float(len(v))
    if t is Table:
        return v.length()
    tm = get_mm(v, E_LEN)
    if tm is None:
        tm = get_mm(None, E_LEN)
        if tm is None:
            type_error(v, "get length of", "B")
    r = ccall(tm, v, None)
    return r[0] if r else None


def _as_string(v):
    t = type(v)
    if t is bytes:
        return v
    if t is float:
        return number_to_bytes(v)
    return None


def concat(first_reg, *values):
    """CONCAT over registers first_reg.. holding `values` (luaV_concat's right-to-left folding)."""
    stack = list(values)
    top = len(stack)
    while top > 1:
        a, b = stack[top - 2], stack[top - 1]
        ta, tb = type(a), type(b)
        if not (ta is bytes or ta is float) or _as_string(b) is None:
            tm = get_mm(a, E_CONCAT)
            if tm is None:
                tm = get_mm(b, E_CONCAT)
            if tm is None:
                culprit = top - 1 if (ta is bytes or ta is float) else top - 2
                type_error(stack[culprit], "concatenate",
                           first_reg + culprit if first_reg is not None else None)
            r = ccall(tm, a, b)
            stack[top - 2] = r[0] if r else None
            top -= 1
            continue
        # Gather as many string-convertible values as possible and join them at once.
        n = 2
        while n < top and _as_string(stack[top - n - 1]) is not None:
            n += 1
        parts = [_as_string(x) for x in stack[top - n:top]]
        stack[top - n] = b"".join(parts)
        top -= n - 1
    return stack[0]


def concat2(a, b, first_reg):
    """Two-operand CONCAT when the inline bytes+bytes fast path did not apply."""
    return concat(first_reg, a, b)
