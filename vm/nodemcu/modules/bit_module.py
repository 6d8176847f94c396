"""The `bit` module: 32-bit bitwise operations with signed 32-bit results; counterpart of app/modules/bit.c.
"""

from __future__ import annotations

import math

from vm.nodemcu.modules.support import lua_function, module_table
from vm.runtime.table import Table
from vm.stdlib.auxlib import check_number


def _u32(args, i: int) -> int:
    """The argument as the firmware converts it: through a 64-bit integer, then mod 2^32."""
    x = check_number(args, i)
    if math.isnan(x) or math.isinf(x) or abs(x) >= 2 ** 63:
        return 0
    return int(x) & 0xFFFFFFFF


def _signed(v: int) -> float:
    v &= 0xFFFFFFFF
    return float(v - (1 << 32) if v & 0x80000000 else v)


def open(board, lua) -> Table:  # noqa: A001
    @lua_function("bnot")
    def bnot(*args):
        return (_signed(~_u32(args, 0)),)

    def variadic(name, op):
        @lua_function(name)
        def fn(*args):
            value = _u32(args, 0)
            for i in range(1, len(args)):
                value = op(value, _u32(args, i))
            return (_signed(value),)
        return fn

    @lua_function("lshift")
    def lshift(*args):
        n = _u32(args, 1)
        return (_signed(_u32(args, 0) << n if n < 32 else 0),)

    @lua_function("rshift")
    def rshift(*args):
        n = _u32(args, 1)
        return (_signed(_u32(args, 0) >> n if n < 32 else 0),)

    @lua_function("arshift")
    def arshift(*args):
        value = int(_signed(_u32(args, 0)))
        n = min(_u32(args, 1), 31)
        return (_signed(value >> n),)

    @lua_function("bit")
    def bit_(*args):
        n = _u32(args, 0)
        return (_signed(1 << n if n < 32 else 0),)

    @lua_function("set")
    def set_(*args):
        value = _u32(args, 0)
        for i in range(1, len(args)):
            value |= 1 << (_u32(args, i) & 31)
        return (_signed(value),)

    @lua_function("clear")
    def clear(*args):
        value = _u32(args, 0)
        for i in range(1, len(args)):
            value &= ~(1 << (_u32(args, i) & 31))
        return (_signed(value),)

    @lua_function("isset")
    def isset(*args):
        return (bool(_u32(args, 0) >> (_u32(args, 1) & 31) & 1),)

    @lua_function("isclear")
    def isclear(*args):
        return (not _u32(args, 0) >> (_u32(args, 1) & 31) & 1,)

    return module_table({
        "bnot": bnot, "band": variadic("band", lambda a, b: a & b),
        "bor": variadic("bor", lambda a, b: a | b), "bxor": variadic("bxor", lambda a, b: a ^ b),
        "lshift": lshift, "rshift": rshift, "arshift": arshift, "bit": bit_, "set": set_,
        "clear": clear, "isset": isset, "isclear": isclear})
