"""The function prototype (Proto): what the compiler produces and every other part consumes (counterpart of lobject.h's Proto).

Values in `constants` follow design.md §5: None (nil), bool, float (numbers; int in an
integer-firmware build), bytes (strings). Line numbers are kept as one absolute line per
instruction, whatever the dump format; NodeMCU's packed line string is derived from them
(see vm.bytecode.lineinfo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Bits of Proto.is_vararg.
VARARG_HASARG = 1     # compatibility `arg` table is available
VARARG_ISVARARG = 2   # function is declared with `...`
VARARG_NEEDSARG = 4   # `arg` table must be built (function does not use `...` itself)


@dataclass(eq=False)
class LocVar:
    """Debug record of one local variable: its name and the pcs where it is active."""
    name: bytes
    startpc: int
    endpc: int

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, LocVar) and self.name == other.name
                and self.startpc == other.startpc and self.endpc == other.endpc)

    def __repr__(self) -> str:
        return f"LocVar({self.name!r}, {self.startpc}, {self.endpc})"


@dataclass(eq=False)
class Proto:
    """One compiled Lua function."""
    source: bytes | None = None        # chunk name such as b"@init.lua" or b"=stdin"
    linedefined: int = 0
    lastlinedefined: int = 0
    nups: int = 0
    numparams: int = 0
    is_vararg: int = 0
    maxstacksize: int = 0
    code: list[int] = field(default_factory=list)
    constants: list = field(default_factory=list)
    protos: list["Proto"] = field(default_factory=list)
    lineinfo: list[int] = field(default_factory=list)     # absolute line of each instruction
    locvars: list[LocVar] = field(default_factory=list)
    upvalues: list[bytes] = field(default_factory=list)   # upvalue names

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Proto):
            return NotImplemented
        return (self.source == other.source
                and self.linedefined == other.linedefined
                and self.lastlinedefined == other.lastlinedefined
                and self.nups == other.nups
                and self.numparams == other.numparams
                and self.is_vararg == other.is_vararg
                and self.maxstacksize == other.maxstacksize
                and self.code == other.code
                and constants_equal(self.constants, other.constants)
                and self.protos == other.protos
                and self.lineinfo == other.lineinfo
                and self.locvars == other.locvars
                and self.upvalues == other.upvalues)

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return (f"<Proto {self.source!r}:{self.linedefined} code={len(self.code)} "
                f"k={len(self.constants)} p={len(self.protos)}>")

    def walk(self):
        """Yield this proto and every nested one, depth first, parents before children."""
        yield self
        for child in self.protos:
            yield from child.walk()

    def strip_names(self) -> None:
        """Drop local and upvalue names everywhere (what NodeMCU's compiler does after every compile)."""
        for p in self.walk():
            p.locvars = []
            p.upvalues = []


def constant_key(value):
    """A key under which two constants are equal exactly when Lua would treat them as the same.

    Python's own equality merges True with 1 and 1 with 1.0; Lua keeps booleans, numbers and
    strings apart, and 0.0 and -0.0 are the same number.
    """
    if value is None:
        return ("nil",)
    if value is True or value is False:
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("num", float(value) if value == value else "nan")
    return ("str", value)


def constants_equal(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if constant_key(x) != constant_key(y):
            return False
        # Same number key but different sign of zero still dumps different bytes.
        if isinstance(x, float) and isinstance(y, float) and x == 0.0 and str(x) != str(y):
            return False
    return True
