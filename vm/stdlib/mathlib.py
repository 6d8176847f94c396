"""The math library: stock Lua 5.1's set, or NodeMCU's reduced one, with glibc's rand() sequence (counterpart of lmathlib.c)."""

from __future__ import annotations

import math

from vm.runtime.operations import NEG_NAN, power
from vm.runtime.values import INF
from vm.stdlib.auxlib import arg_error, check_int, check_number, error, lua_function, new_library


class GlibcRandom:
    """glibc's default rand()/srand() (the TYPE_3 additive feedback generator), so sequences match lua5.1."""

    def __init__(self, seed: int = 1):
        self.seed(seed)

    def seed(self, seed: int) -> None:
        seed &= 0xFFFFFFFF
        if seed == 0:
            seed = 1
        r = [0] * 34
        r[0] = seed if seed < 2 ** 31 else seed - 2 ** 32
        for i in range(1, 31):
            hi, lo = divmod(r[i - 1], 127773) if r[i - 1] >= 0 else (-((-r[i - 1]) // 127773), -((-r[i - 1]) % 127773))
            word = 16807 * lo - 2836 * hi
            if word < 0:
                word += 2147483647
            r[i] = word
        for i in range(31, 34):
            r[i] = r[i - 31]
        self.state = [x & 0xFFFFFFFF for x in r]
        for _ in range(310):
            self._next()

    def _next(self) -> int:
        s = self.state
        v = (s[-31] + s[-3]) & 0xFFFFFFFF
        s.append(v)
        if len(s) > 64:
            del s[:-34]
        return v >> 1

    def rand(self) -> int:
        return self._next()


def _num1(fn, name):
    @lua_function(name)
    def f(*args):
        x = check_number(args, 0)
        try:
            return (fn(x),)
        except (ValueError, OverflowError):
            return (_domain(fn, x),)
    return f


def _domain(fn, x):
    if fn is math.sqrt or fn is math.log or fn is math.log10 or fn is math.acos or fn is math.asin:
        if fn in (math.log, math.log10) and x == 0:
            return -INF
        return NEG_NAN
    if fn is math.exp or fn is math.cosh:
        return INF
    if fn is math.sinh:
        return INF if x > 0 else -INF
    return NEG_NAN


def _floor(x):
    if not math.isfinite(x) or x == 0:
        return x
    return float(math.floor(x))


def _ceil(x):
    if not math.isfinite(x) or x == 0:
        return x
    r = float(math.ceil(x))
    return -0.0 if r == 0 and x < 0 else r


_RADIANS_PER_DEGREE = math.pi / 180.0


def _deg(x):
    return x / _RADIANS_PER_DEGREE


def _rad(x):
    return x * _RADIANS_PER_DEGREE


@lua_function("abs")
def math_abs(*args):
    return (abs(check_number(args, 0)),)


@lua_function("fmod")
def math_fmod(*args):
    a, b = check_number(args, 0), check_number(args, 1)
    try:
        return (math.fmod(a, b),)
    except ValueError:
        return (NEG_NAN,)


@lua_function("modf")
def math_modf(*args):
    x = check_number(args, 0)
    if math.isinf(x):
        return (x, math.copysign(0.0, x))
    if x != x:
        return (x, x)
    f, i = math.modf(x)
    return (i, f)


@lua_function("pow")
def math_pow(*args):
    return (power(check_number(args, 0), check_number(args, 1)),)


@lua_function("atan2")
def math_atan2(*args):
    return (math.atan2(check_number(args, 0), check_number(args, 1)),)


@lua_function("frexp")
def math_frexp(*args):
    m, e = math.frexp(check_number(args, 0))
    return (m, float(e))


@lua_function("ldexp")
def math_ldexp(*args):
    x, e = check_number(args, 0), check_int(args, 1)
    try:
        return (math.ldexp(x, max(min(e, 1 << 20), -(1 << 20))),)
    except OverflowError:
        return (math.copysign(INF, x),)


@lua_function("min")
def math_min(*args):
    best = check_number(args, 0)
    for i in range(1, len(args)):
        v = check_number(args, i)
        if v < best:
            best = v
    return (best,)


@lua_function("max")
def math_max(*args):
    best = check_number(args, 0)
    for i in range(1, len(args)):
        v = check_number(args, i)
        if v > best:
            best = v
    return (best,)


def _make_random(gen: GlibcRandom):
    @lua_function("random")
    def math_random(*args):
        r = (gen.rand() % 2147483647) / 2147483647.0
        n = len(args)
        if n == 0:
            return (r,)
        if n == 1:
            u = check_int(args, 0)
            if not 1 <= u:
                arg_error(1, b"interval is empty")
            return (math.floor(r * u) + 1.0,)
        if n == 2:
            lo, u = check_int(args, 0), check_int(args, 1)
            if not lo <= u:
                arg_error(2, b"interval is empty")
            return (math.floor(r * (u - lo + 1)) + float(lo),)
        error(b"wrong number of arguments")

    @lua_function("randomseed")
    def math_randomseed(*args):
        gen.seed(check_int(args, 0) & 0xFFFFFFFF)
        return ()

    return math_random, math_randomseed


def open(state, nodemcu: bool = False) -> None:  # noqa: A001
    gen = GlibcRandom(1)
    random, randomseed = _make_random(gen)
    functions = {
        "abs": math_abs, "ceil": _num1(_ceil, "ceil"), "floor": _num1(_floor, "floor"),
        "max": math_max, "min": math_min, "pow": math_pow, "random": random,
        "randomseed": randomseed, "sqrt": _num1(math.sqrt, "sqrt"),
        "pi": math.pi, "huge": INF,
    }
    if not nodemcu:
        functions.update({
            "acos": _num1(math.acos, "acos"), "asin": _num1(math.asin, "asin"),
            "atan": _num1(math.atan, "atan"), "atan2": math_atan2, "cos": _num1(math.cos, "cos"),
            "cosh": _num1(math.cosh, "cosh"), "deg": _num1(_deg, "deg"),
            "exp": _num1(math.exp, "exp"), "fmod": math_fmod, "mod": math_fmod,
            "frexp": math_frexp, "ldexp": math_ldexp, "log": _num1(math.log, "log"),
            "log10": _num1(math.log10, "log10"), "modf": math_modf,
            "rad": _num1(_rad, "rad"), "sin": _num1(math.sin, "sin"),
            "sinh": _num1(math.sinh, "sinh"), "tan": _num1(math.tan, "tan"),
            "tanh": _num1(math.tanh, "tanh"),
        })
    new_library(state, b"math", functions)
