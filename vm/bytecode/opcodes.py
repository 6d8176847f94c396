"""Lua 5.1 instruction set: opcode numbers, operand modes and instruction packing (counterpart of lopcodes.h/.c).

An instruction is a 32-bit unsigned integer laid out as
    bits 0-5 opcode | 6-13 A | 14-22 C | 23-31 B      (iABC)
    bits 0-5 opcode | 6-13 A | 14-31 Bx               (iABx, iAsBx with a bias)
NodeMCU uses exactly the same encoding as stock Lua 5.1.5.
"""

from __future__ import annotations

OPCODE_NAMES = (
    "MOVE", "LOADK", "LOADBOOL", "LOADNIL", "GETUPVAL", "GETGLOBAL", "GETTABLE",
    "SETGLOBAL", "SETUPVAL", "SETTABLE", "NEWTABLE", "SELF", "ADD", "SUB", "MUL",
    "DIV", "MOD", "POW", "UNM", "NOT", "LEN", "CONCAT", "JMP", "EQ", "LT", "LE",
    "TEST", "TESTSET", "CALL", "TAILCALL", "RETURN", "FORLOOP", "FORPREP",
    "TFORLOOP", "SETLIST", "CLOSE", "CLOSURE", "VARARG",
)

(OP_MOVE, OP_LOADK, OP_LOADBOOL, OP_LOADNIL, OP_GETUPVAL, OP_GETGLOBAL, OP_GETTABLE,
 OP_SETGLOBAL, OP_SETUPVAL, OP_SETTABLE, OP_NEWTABLE, OP_SELF, OP_ADD, OP_SUB, OP_MUL,
 OP_DIV, OP_MOD, OP_POW, OP_UNM, OP_NOT, OP_LEN, OP_CONCAT, OP_JMP, OP_EQ, OP_LT, OP_LE,
 OP_TEST, OP_TESTSET, OP_CALL, OP_TAILCALL, OP_RETURN, OP_FORLOOP, OP_FORPREP,
 OP_TFORLOOP, OP_SETLIST, OP_CLOSE, OP_CLOSURE, OP_VARARG) = range(38)

NUM_OPCODES = len(OPCODE_NAMES)

# Instruction formats.
iABC, iABx, iAsBx = 0, 1, 2
# Operand kinds, used by the listing and by symbolic execution in error messages.
OpArgN, OpArgU, OpArgR, OpArgK = 0, 1, 2, 3

SIZE_OP = 6
SIZE_A = 8
SIZE_B = 9
SIZE_C = 9
SIZE_BX = SIZE_B + SIZE_C
POS_OP = 0
POS_A = POS_OP + SIZE_OP
POS_C = POS_A + SIZE_A
POS_B = POS_C + SIZE_C
POS_BX = POS_C

MAXARG_A = (1 << SIZE_A) - 1
MAXARG_B = (1 << SIZE_B) - 1
MAXARG_C = (1 << SIZE_C) - 1
MAXARG_BX = (1 << SIZE_BX) - 1
MAXARG_SBX = MAXARG_BX >> 1

# RK operands: values with this bit set denote constant index (value - BITRK).
BITRK = 1 << (SIZE_B - 1)
MAXINDEXRK = BITRK - 1

# Jump target meaning "no jump" in patch lists.
NO_JUMP = -1
# Register value meaning "no register" in TESTSET.
NO_REG = MAXARG_A

# SETLIST flushes this many array items per instruction.
LFIELDS_PER_FLUSH = 50

# Per opcode: (test flag, sets register A, B kind, C kind, format).
_MODES = (
    (0, 1, OpArgR, OpArgN, iABC),   # MOVE
    (0, 1, OpArgK, OpArgN, iABx),   # LOADK
    (0, 1, OpArgU, OpArgU, iABC),   # LOADBOOL
    (0, 1, OpArgR, OpArgN, iABC),   # LOADNIL
    (0, 1, OpArgU, OpArgN, iABC),   # GETUPVAL
    (0, 1, OpArgK, OpArgN, iABx),   # GETGLOBAL
    (0, 1, OpArgR, OpArgK, iABC),   # GETTABLE
    (0, 0, OpArgK, OpArgN, iABx),   # SETGLOBAL
    (0, 0, OpArgU, OpArgN, iABC),   # SETUPVAL
    (0, 0, OpArgK, OpArgK, iABC),   # SETTABLE
    (0, 1, OpArgU, OpArgU, iABC),   # NEWTABLE
    (0, 1, OpArgR, OpArgK, iABC),   # SELF
    (0, 1, OpArgK, OpArgK, iABC),   # ADD
    (0, 1, OpArgK, OpArgK, iABC),   # SUB
    (0, 1, OpArgK, OpArgK, iABC),   # MUL
    (0, 1, OpArgK, OpArgK, iABC),   # DIV
    (0, 1, OpArgK, OpArgK, iABC),   # MOD
    (0, 1, OpArgK, OpArgK, iABC),   # POW
    (0, 1, OpArgR, OpArgN, iABC),   # UNM
    (0, 1, OpArgR, OpArgN, iABC),   # NOT
    (0, 1, OpArgR, OpArgN, iABC),   # LEN
    (0, 1, OpArgR, OpArgR, iABC),   # CONCAT
    (0, 0, OpArgR, OpArgN, iAsBx),  # JMP
    (1, 0, OpArgK, OpArgK, iABC),   # EQ
    (1, 0, OpArgK, OpArgK, iABC),   # LT
    (1, 0, OpArgK, OpArgK, iABC),   # LE
    (1, 1, OpArgR, OpArgU, iABC),   # TEST
    (1, 1, OpArgR, OpArgU, iABC),   # TESTSET
    (0, 1, OpArgU, OpArgU, iABC),   # CALL
    (0, 1, OpArgU, OpArgU, iABC),   # TAILCALL
    (0, 0, OpArgU, OpArgN, iABC),   # RETURN
    (0, 1, OpArgR, OpArgN, iAsBx),  # FORLOOP
    (0, 1, OpArgR, OpArgN, iAsBx),  # FORPREP
    (1, 0, OpArgN, OpArgU, iABC),   # TFORLOOP
    (0, 0, OpArgU, OpArgU, iABC),   # SETLIST
    (0, 0, OpArgN, OpArgN, iABC),   # CLOSE
    (0, 1, OpArgU, OpArgN, iABx),   # CLOSURE
    (0, 1, OpArgU, OpArgN, iABC),   # VARARG
)


def op_mode(op: int) -> int:
    """Instruction format of opcode `op` (iABC, iABx or iAsBx)."""
    return _MODES[op][4]


def op_b_mode(op: int) -> int:
    return _MODES[op][2]


def op_c_mode(op: int) -> int:
    return _MODES[op][3]


def op_sets_a(op: int) -> bool:
    return bool(_MODES[op][1])


def op_is_test(op: int) -> bool:
    """True for the comparison/test opcodes that are always followed by a JMP."""
    return bool(_MODES[op][0])


# ----- packing and unpacking -------------------------------------------------

def get_opcode(i: int) -> int:
    return i & 0x3F


def get_a(i: int) -> int:
    return (i >> POS_A) & MAXARG_A


def get_b(i: int) -> int:
    return (i >> POS_B) & MAXARG_B


def get_c(i: int) -> int:
    return (i >> POS_C) & MAXARG_C


def get_bx(i: int) -> int:
    return (i >> POS_BX) & MAXARG_BX


def get_sbx(i: int) -> int:
    return ((i >> POS_BX) & MAXARG_BX) - MAXARG_SBX


def create_abc(op: int, a: int, b: int, c: int) -> int:
    return op | (a << POS_A) | (b << POS_B) | (c << POS_C)


def create_abx(op: int, a: int, bx: int) -> int:
    return op | (a << POS_A) | (bx << POS_BX)


def create_asbx(op: int, a: int, sbx: int) -> int:
    return op | (a << POS_A) | ((sbx + MAXARG_SBX) << POS_BX)


def set_opcode(i: int, op: int) -> int:
    return (i & ~0x3F) | op


def set_a(i: int, a: int) -> int:
    return (i & ~(MAXARG_A << POS_A)) | (a << POS_A)


def set_b(i: int, b: int) -> int:
    return (i & ~(MAXARG_B << POS_B)) | (b << POS_B)


def set_c(i: int, c: int) -> int:
    return (i & ~(MAXARG_C << POS_C)) | (c << POS_C)


def set_bx(i: int, bx: int) -> int:
    return (i & ~(MAXARG_BX << POS_BX)) | (bx << POS_BX)


def set_sbx(i: int, sbx: int) -> int:
    return set_bx(i, sbx + MAXARG_SBX)


def is_k(x: int) -> bool:
    """Does RK operand `x` name a constant?"""
    return bool(x & BITRK)


def index_k(x: int) -> int:
    return x & ~BITRK


def rk_as_k(index: int) -> int:
    """Encode constant index `index` as an RK operand."""
    return index | BITRK


def int_to_fb(x: int) -> int:
    """A table size hint as NEWTABLE stores it: a "floating point byte" eeeeexxx (luaO_int2fb)."""
    e = 0
    while x >= 16:
        x = (x + 1) >> 1
        e += 1
    if x < 8:
        return x
    return ((e + 1) << 3) | (x - 8)


def fb_to_int(x: int) -> int:
    """The size a "floating point byte" stands for (luaO_fb2int)."""
    e = (x >> 3) & 0x1F
    if e == 0:
        return x
    return ((x & 7) + 8) << (e - 1)
