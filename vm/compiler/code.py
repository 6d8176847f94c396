"""Code generator: instructions, registers, constants and jump lists for one function (counterpart of lcode.c).

The parser drives a `FuncState` per function being compiled. Expressions travel as `ExpDesc`
records whose kind says where the value currently is (a constant, a register, an instruction
whose target register is still open, a pending jump ...). Byte identity with luac depends on
taking exactly the same decisions in exactly the same order as the reference code generator,
so the methods below keep its structure: same discharge steps, same register freeing order,
same peephole rules (LOADNIL merging, NOT folded into TEST, CONCAT chaining), same folding.

Jump lists are threaded through the sBx fields of the JMP instructions themselves: each
pending jump points at the next one, and an offset of -1 ends the list.
"""

from __future__ import annotations

import math

from vm.bytecode.opcodes import (
    BITRK, LFIELDS_PER_FLUSH, MAXARG_BX, MAXARG_C, MAXARG_SBX, MAXINDEXRK, NO_JUMP, NO_REG,
    OP_ADD, OP_CONCAT, OP_DIV, OP_EQ, OP_GETGLOBAL, OP_GETTABLE, OP_GETUPVAL, OP_JMP, OP_LE,
    OP_LEN, OP_LOADBOOL, OP_LOADK, OP_LOADNIL, OP_LT, OP_MOD, OP_MOVE, OP_MUL, OP_NOT, OP_POW,
    OP_RETURN, OP_SELF, OP_SETGLOBAL, OP_SETLIST, OP_SETTABLE, OP_SETUPVAL, OP_SUB, OP_TEST,
    OP_TESTSET, OP_TFORLOOP, OP_UNM,
)

# ----- expression kinds (the order matters: VLOCAL..VINDEXED can be assigned to) -----
(VVOID, VNIL, VTRUE, VFALSE, VK, VKNUM, VLOCAL, VUPVAL, VGLOBAL, VINDEXED, VJMP,
 VRELOCABLE, VNONRELOC, VCALL, VVARARG) = range(15)

# ----- operators as the parser hands them over -----
(OPR_ADD, OPR_SUB, OPR_MUL, OPR_DIV, OPR_MOD, OPR_POW, OPR_CONCAT, OPR_NE, OPR_EQ,
 OPR_LT, OPR_LE, OPR_GT, OPR_GE, OPR_AND, OPR_OR, OPR_NOBINOPR) = range(16)
OPR_MINUS, OPR_NOT, OPR_LEN, OPR_NOUNOPR = range(4)

LUA_MULTRET = -1
MAXSTACK = 250            # registers per function (the limit is checked against this)
SBX_BIAS = MAXARG_SBX     # sBx is stored with this bias
_SBX_SHIFT = 14           # position of the Bx field
_LOW_14 = (1 << _SBX_SHIFT) - 1
_NO_JUMP_FIELD = (NO_JUMP + SBX_BIAS) << _SBX_SHIFT

# Kinds whose value still has to be fetched (or whose call results fixed) before use.
_NEEDS_DISCHARGE = tuple(k in (VLOCAL, VUPVAL, VGLOBAL, VINDEXED, VCALL, VVARARG) for k in range(15))

# Opcodes whose instruction is a test that is always followed by a JMP.
_TEST_OPS = frozenset((OP_EQ, OP_LT, OP_LE, OP_TEST, OP_TESTSET, OP_TFORLOOP))

# Binary operators that map straight onto one arithmetic opcode.
_ARITH_OPCODE = {OPR_ADD: OP_ADD, OPR_SUB: OP_SUB, OPR_MUL: OP_MUL, OPR_DIV: OP_DIV,
                 OPR_MOD: OP_MOD, OPR_POW: OP_POW}
# Comparisons: operator -> (opcode, condition); > and >= become swapped < and <=.
_COMPARE = {OPR_EQ: (OP_EQ, 1), OPR_NE: (OP_EQ, 0), OPR_LT: (OP_LT, 1), OPR_LE: (OP_LE, 1),
            OPR_GT: (OP_LT, 0), OPR_GE: (OP_LE, 0)}


class _Key:
    """Dictionary key standing for a non-string, non-number constant (nil, true, false)."""
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


NIL_KEY = _Key("nil")
TRUE_KEY = _Key("true")
FALSE_KEY = _Key("false")


class ExpDesc:
    """Where an expression's value is, and its pending true/false jump lists."""
    __slots__ = ("k", "info", "aux", "nval", "t", "f")

    def __init__(self, k: int = VVOID, info: int = 0):
        self.k = k
        self.info = info
        self.aux = 0
        self.nval = 0
        self.t = NO_JUMP
        self.f = NO_JUMP

    def init(self, k: int, info: int) -> None:
        self.k = k
        self.info = info
        self.t = NO_JUMP
        self.f = NO_JUMP

    def assign(self, other: "ExpDesc") -> None:
        self.k = other.k
        self.info = other.info
        self.aux = other.aux
        self.nval = other.nval
        self.t = other.t
        self.f = other.f

    def __repr__(self) -> str:
        return f"ExpDesc(k={self.k}, info={self.info}, aux={self.aux}, nval={self.nval}, t={self.t}, f={self.f})"


class BlockCnt:
    """One entered block: its break list, how many locals were active outside it, upvalue use."""
    __slots__ = ("previous", "breaklist", "nactvar", "upval", "isbreakable")

    def __init__(self, previous, nactvar: int, isbreakable: bool):
        self.previous = previous
        self.breaklist = NO_JUMP
        self.nactvar = nactvar
        self.upval = False
        self.isbreakable = isbreakable


def _wrap32(x: int) -> int:
    return ((x + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _float_floor(x: float) -> float:
    """C's floor(): keeps infinities and the sign of zero."""
    if not math.isfinite(x):
        return x
    fl = math.floor(x)
    return x if fl == x else float(fl)


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and math.fmod(y, 2.0) in (1.0, -1.0)


def _float_pow(a: float, b: float):
    """C's pow() for doubles; None where the answer is NaN."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if (a < 0 and _is_odd_integer(b)) else math.inf
    except ValueError:
        if a == 0.0 and b < 0:
            negative = math.copysign(1.0, a) < 0 and _is_odd_integer(b)
            return -math.inf if negative else math.inf
        return None


def fold_float(op: int, v1: float, v2: float):
    """The folded value of `v1 op v2` in the float build, or None when luac would not fold."""
    if op == OP_ADD:
        r = v1 + v2
    elif op == OP_SUB:
        r = v1 - v2
    elif op == OP_MUL:
        r = v1 * v2
    elif op == OP_DIV:
        if v2 == 0:
            return None
        r = v1 / v2
    elif op == OP_MOD:
        if v2 == 0:
            return None
        r = v1 - _float_floor(v1 / v2) * v2
    elif op == OP_POW:
        r = _float_pow(v1, v2)
        if r is None:
            return None
    elif op == OP_UNM:
        r = -v1
    else:
        return None
    if r != r:          # never fold into NaN
        return None
    return r


def _int_pow(a: int, b: int) -> int:
    if b < 0:
        return 0
    return _wrap32(pow(a, b, 1 << 32))


def fold_int(op: int, v1: int, v2: int):
    """The folded value of `v1 op v2` in NodeMCU's integer build (floored division and modulo)."""
    if op == OP_ADD:
        r = v1 + v2
    elif op == OP_SUB:
        r = v1 - v2
    elif op == OP_MUL:
        r = v1 * v2
    elif op == OP_DIV:
        if v2 == 0:
            return None
        r = v1 // v2
    elif op == OP_MOD:
        if v2 == 0:
            return None
        r = v1 % v2
    elif op == OP_POW:
        r = _int_pow(v1, v2)
    elif op == OP_UNM:
        r = -v1
    else:
        return None
    return _wrap32(r)


class FuncState:
    """Code-generation state of one function being compiled."""
    __slots__ = ("f", "prev", "ls", "pc", "lasttarget", "jpc", "freereg", "nk", "np",
                 "nlocvars", "nactvar", "bl", "h", "actvar", "upvalues", "code", "lineinfo",
                 "k", "fold")

    def __init__(self, ls, proto, prev, integer: bool):
        self.f = proto
        self.prev = prev
        self.ls = ls
        self.pc = 0
        self.lasttarget = -1
        self.jpc = NO_JUMP
        self.freereg = 0
        self.nk = 0
        self.np = 0
        self.nlocvars = 0
        self.nactvar = 0
        self.bl = None
        self.h = {}               # constant key -> index in k
        self.actvar = []          # active locals: index into f.locvars, per register level
        self.upvalues = []        # (kind, index) of each upvalue in the enclosing function
        self.code = proto.code
        self.lineinfo = proto.lineinfo
        self.k = proto.constants
        self.fold = fold_int if integer else fold_float

    # ----- emitting -------------------------------------------------------------

    def emit(self, i: int, line: int) -> int:
        if self.jpc != NO_JUMP:
            self.discharge_jpc()
        self.code.append(i)
        self.lineinfo.append(line)
        pc = self.pc
        self.pc = pc + 1
        return pc

    def code_abc(self, o: int, a: int, b: int, c: int) -> int:
        # emit() written out: this is the hottest call of the compiler
        if self.jpc != NO_JUMP:
            self.discharge_jpc()
        self.code.append(o | (a << 6) | (b << 23) | (c << 14))
        self.lineinfo.append(self.ls.lastline)
        pc = self.pc
        self.pc = pc + 1
        return pc

    def code_abx(self, o: int, a: int, bx: int) -> int:
        if self.jpc != NO_JUMP:
            self.discharge_jpc()
        self.code.append(o | (a << 6) | (bx << 14))
        self.lineinfo.append(self.ls.lastline)
        pc = self.pc
        self.pc = pc + 1
        return pc

    def code_asbx(self, o: int, a: int, sbx: int) -> int:
        return self.emit(o | (a << 6) | ((sbx + SBX_BIAS) << 14), self.ls.lastline)

    def fix_line(self, line: int) -> None:
        self.lineinfo[self.pc - 1] = line

    def nil(self, from_: int, n: int) -> None:
        pc = self.pc
        if pc > self.lasttarget:          # nothing jumps to the current position
            if pc == 0:
                if from_ >= self.nactvar:
                    return                # a fresh function's registers are nil already
            else:
                prev = self.code[pc - 1]
                if prev & 0x3F == OP_LOADNIL:
                    pfrom = (prev >> 6) & 0xFF
                    pto = prev >> 23
                    if pfrom <= from_ <= pto + 1:     # extend the previous LOADNIL
                        if from_ + n - 1 > pto:
                            self.code[pc - 1] = (prev & 0x7FFFFF) | ((from_ + n - 1) << 23)
                        return
        self.code_abc(OP_LOADNIL, from_, from_ + n - 1, 0)

    def ret(self, first: int, nret: int) -> None:
        self.code_abc(OP_RETURN, first, nret + 1, 0)

    def set_list(self, base: int, nelems: int, tostore: int) -> None:
        c = (nelems - 1) // LFIELDS_PER_FLUSH + 1
        b = 0 if tostore == LUA_MULTRET else tostore
        if c <= MAXARG_C:
            self.code_abc(OP_SETLIST, base, b, c)
        else:
            # batch number too big for C: it goes in the following word
            self.code_abc(OP_SETLIST, base, b, 0)
            self.emit(c, self.ls.lastline)
        self.freereg = base + 1

    # ----- jumps ----------------------------------------------------------------

    def jump(self) -> int:
        jpc = self.jpc
        self.jpc = NO_JUMP
        j = self.emit(OP_JMP | _NO_JUMP_FIELD, self.ls.lastline)
        return self.concat(j, jpc)

    def cond_jump(self, op: int, a: int, b: int, c: int) -> int:
        self.code_abc(op, a, b, c)
        return self.jump()

    def fix_jump(self, pc: int, dest: int) -> None:
        offset = dest - (pc + 1)
        if offset > MAXARG_SBX or offset < -MAXARG_SBX:
            self.ls.syntax_error(b"control structure too long")
        code = self.code
        code[pc] = (code[pc] & _LOW_14) | ((offset + SBX_BIAS) << 14)

    def get_label(self) -> int:
        self.lasttarget = self.pc
        return self.pc

    def get_jump(self, pc: int) -> int:
        offset = (self.code[pc] >> 14) - SBX_BIAS
        if offset == NO_JUMP:
            return NO_JUMP
        return pc + 1 + offset

    def jump_control(self, pc: int) -> int:
        """Index of the instruction that decides jump `pc`: the test before it, if any."""
        if pc >= 1 and (self.code[pc - 1] & 0x3F) in _TEST_OPS:
            return pc - 1
        return pc

    def need_value(self, lst: int) -> bool:
        code = self.code
        while lst != NO_JUMP:
            if code[self.jump_control(lst)] & 0x3F != OP_TESTSET:
                return True
            lst = self.get_jump(lst)
        return False

    def patch_test_reg(self, node: int, reg: int) -> bool:
        ci = self.jump_control(node)
        code = self.code
        i = code[ci]
        if i & 0x3F != OP_TESTSET:
            return False
        b = i >> 23
        if reg != NO_REG and reg != b:
            code[ci] = (i & ~(0xFF << 6)) | (reg << 6)
        else:
            # the value is not needed (or already in place): a plain TEST will do
            code[ci] = OP_TEST | (b << 6) | (i & (0x1FF << 14))
        return True

    def remove_values(self, lst: int) -> None:
        while lst != NO_JUMP:
            self.patch_test_reg(lst, NO_REG)
            lst = self.get_jump(lst)

    def patch_list_aux(self, lst: int, vtarget: int, reg: int, dtarget: int) -> None:
        while lst != NO_JUMP:
            nxt = self.get_jump(lst)
            if self.patch_test_reg(lst, reg):
                self.fix_jump(lst, vtarget)
            else:
                self.fix_jump(lst, dtarget)
            lst = nxt

    def discharge_jpc(self) -> None:
        jpc = self.jpc
        self.jpc = NO_JUMP
        self.patch_list_aux(jpc, self.pc, NO_REG, self.pc)

    def patch_list(self, lst: int, target: int) -> None:
        if target == self.pc:
            self.patch_to_here(lst)
        else:
            self.patch_list_aux(lst, target, NO_REG, target)

    def patch_to_here(self, lst: int) -> None:
        self.lasttarget = self.pc
        self.jpc = self.concat(self.jpc, lst)

    def concat(self, l1: int, l2: int) -> int:
        """Append jump list l2 to l1; returns the new head of l1."""
        if l2 == NO_JUMP:
            return l1
        if l1 == NO_JUMP:
            return l2
        lst = l1
        while True:
            nxt = self.get_jump(lst)
            if nxt == NO_JUMP:
                break
            lst = nxt
        self.fix_jump(lst, l2)
        return l1

    # ----- registers ------------------------------------------------------------

    def check_stack(self, n: int) -> None:
        newstack = self.freereg + n
        f = self.f
        if newstack > f.maxstacksize:
            if newstack >= MAXSTACK:
                self.ls.syntax_error(b"function or expression too complex")
            f.maxstacksize = newstack

    def reserve_regs(self, n: int) -> None:
        newstack = self.freereg + n
        if newstack > self.f.maxstacksize:
            self.check_stack(n)
        self.freereg = newstack

    def free_reg(self, reg: int) -> None:
        if not reg & BITRK and reg >= self.nactvar:
            self.freereg -= 1

    def free_exp(self, e: ExpDesc) -> None:
        if e.k == VNONRELOC:
            reg = e.info
            if not reg & BITRK and reg >= self.nactvar:
                self.freereg -= 1

    # ----- constants ------------------------------------------------------------

    def add_k(self, key, value) -> int:
        idx = self.h.get(key)
        if idx is not None:
            return idx
        nk = self.nk
        if nk >= MAXARG_BX:
            self.ls.plain_error(b"constant table overflow")
        self.h[key] = nk
        self.k.append(value)
        self.nk = nk + 1
        return nk

    def string_k(self, s: bytes) -> int:
        idx = self.h.get(s)
        if idx is not None:
            return idx
        return self.add_k(s, s)

    def number_k(self, r) -> int:
        idx = self.h.get(r)
        if idx is not None:
            return idx
        return self.add_k(r, r)

    def bool_k(self, b: bool) -> int:
        return self.add_k(TRUE_KEY if b else FALSE_KEY, b)

    def nil_k(self) -> int:
        return self.add_k(NIL_KEY, None)

    # ----- discharging expressions ----------------------------------------------

    def set_returns(self, e: ExpDesc, nresults: int) -> None:
        if e.k == VCALL:
            i = self.code[e.info]
            self.code[e.info] = (i & ~(0x1FF << 14)) | ((nresults + 1) << 14)
        elif e.k == VVARARG:
            i = self.code[e.info]
            i = (i & 0x7FFFFF) | ((nresults + 1) << 23)
            self.code[e.info] = (i & ~(0xFF << 6)) | (self.freereg << 6)
            self.reserve_regs(1)

    def set_one_ret(self, e: ExpDesc) -> None:
        if e.k == VCALL:
            e.k = VNONRELOC
            e.info = (self.code[e.info] >> 6) & 0xFF
        elif e.k == VVARARG:
            i = self.code[e.info]
            self.code[e.info] = (i & 0x7FFFFF) | (2 << 23)
            e.k = VRELOCABLE

    def discharge_vars(self, e: ExpDesc) -> None:
        k = e.k
        if k == VLOCAL:
            e.k = VNONRELOC
        elif k == VUPVAL:
            e.info = self.code_abc(OP_GETUPVAL, 0, e.info, 0)
            e.k = VRELOCABLE
        elif k == VGLOBAL:
            e.info = self.code_abx(OP_GETGLOBAL, 0, e.info)
            e.k = VRELOCABLE
        elif k == VINDEXED:
            self.free_reg(e.aux)
            self.free_reg(e.info)
            e.info = self.code_abc(OP_GETTABLE, 0, e.info, e.aux)
            e.k = VRELOCABLE
        elif k == VVARARG or k == VCALL:
            self.set_one_ret(e)

    def code_label(self, a: int, b: int, jump: int) -> int:
        self.lasttarget = self.pc
        return self.code_abc(OP_LOADBOOL, a, b, jump)

    def discharge2reg(self, e: ExpDesc, reg: int) -> None:
        k = e.k
        if _NEEDS_DISCHARGE[k]:
            self.discharge_vars(e)
            k = e.k
        if k == VNIL:
            self.nil(reg, 1)
        elif k == VFALSE or k == VTRUE:
            self.code_abc(OP_LOADBOOL, reg, 1 if k == VTRUE else 0, 0)
        elif k == VK:
            self.code_abx(OP_LOADK, reg, e.info)
        elif k == VKNUM:
            self.code_abx(OP_LOADK, reg, self.number_k(e.nval))
        elif k == VRELOCABLE:
            i = self.code[e.info]
            self.code[e.info] = (i & ~(0xFF << 6)) | (reg << 6)
        elif k == VNONRELOC:
            if reg != e.info:
                self.code_abc(OP_MOVE, reg, e.info, 0)
        else:
            return            # VVOID or VJMP: nothing to put anywhere
        e.info = reg
        e.k = VNONRELOC

    def discharge2anyreg(self, e: ExpDesc) -> None:
        if e.k != VNONRELOC:
            self.reserve_regs(1)
            self.discharge2reg(e, self.freereg - 1)

    def exp2reg(self, e: ExpDesc, reg: int) -> None:
        self.discharge2reg(e, reg)
        if e.k == VJMP:
            e.t = self.concat(e.t, e.info)
        if e.t != e.f:
            p_f = NO_JUMP       # where a 'load false' would be
            p_t = NO_JUMP       # where a 'load true' would be
            if self.need_value(e.t) or self.need_value(e.f):
                fj = NO_JUMP if e.k == VJMP else self.jump()
                p_f = self.code_label(reg, 0, 1)
                p_t = self.code_label(reg, 1, 0)
                self.patch_to_here(fj)
            final = self.get_label()
            self.patch_list_aux(e.f, final, reg, p_f)
            self.patch_list_aux(e.t, final, reg, p_t)
        e.f = e.t = NO_JUMP
        e.info = reg
        e.k = VNONRELOC

    def exp2nextreg(self, e: ExpDesc) -> None:
        if _NEEDS_DISCHARGE[e.k]:
            self.discharge_vars(e)
        if e.k == VNONRELOC:
            reg = e.info
            if not reg & BITRK and reg >= self.nactvar:
                self.freereg -= 1
        self.reserve_regs(1)
        self.exp2reg(e, self.freereg - 1)

    def exp2anyreg(self, e: ExpDesc) -> int:
        if _NEEDS_DISCHARGE[e.k]:
            self.discharge_vars(e)
        if e.k == VNONRELOC:
            if e.t == e.f:
                return e.info              # already in a register
            if e.info >= self.nactvar:     # a temporary: put the value there
                self.exp2reg(e, e.info)
                return e.info
        self.exp2nextreg(e)
        return e.info

    def exp2val(self, e: ExpDesc) -> None:
        if e.t != e.f:
            self.exp2anyreg(e)
        elif _NEEDS_DISCHARGE[e.k]:
            self.discharge_vars(e)

    def exp2rk(self, e: ExpDesc) -> int:
        self.exp2val(e)
        k = e.k
        if k == VKNUM or k == VTRUE or k == VFALSE or k == VNIL:
            if self.nk <= MAXINDEXRK:      # room for the constant in an RK operand?
                if k == VNIL:
                    e.info = self.nil_k()
                elif k == VKNUM:
                    e.info = self.number_k(e.nval)
                else:
                    e.info = self.bool_k(k == VTRUE)
                e.k = VK
                return e.info | BITRK
        elif k == VK:
            if e.info <= MAXINDEXRK:
                return e.info | BITRK
        return self.exp2anyreg(e)

    def store_var(self, var: ExpDesc, ex: ExpDesc) -> None:
        k = var.k
        if k == VLOCAL:
            self.free_exp(ex)
            self.exp2reg(ex, var.info)
            return
        if k == VUPVAL:
            e = self.exp2anyreg(ex)
            self.code_abc(OP_SETUPVAL, e, var.info, 0)
        elif k == VGLOBAL:
            e = self.exp2anyreg(ex)
            self.code_abx(OP_SETGLOBAL, e, var.info)
        elif k == VINDEXED:
            e = self.exp2rk(ex)
            self.code_abc(OP_SETTABLE, var.info, var.aux, e)
        self.free_exp(ex)

    def self_(self, e: ExpDesc, key: ExpDesc) -> None:
        self.exp2anyreg(e)
        self.free_exp(e)
        func = self.freereg
        self.reserve_regs(2)
        self.code_abc(OP_SELF, func, e.info, self.exp2rk(key))
        self.free_exp(key)
        e.info = func
        e.k = VNONRELOC

    # ----- conditions -----------------------------------------------------------

    def invert_jump(self, e: ExpDesc) -> None:
        ci = self.jump_control(e.info)
        i = self.code[ci]
        a = 0 if (i >> 6) & 0xFF else 1
        self.code[ci] = (i & ~(0xFF << 6)) | (a << 6)

    def jump_on_cond(self, e: ExpDesc, cond: int) -> int:
        if e.k == VRELOCABLE:
            ie = self.code[e.info]
            if ie & 0x3F == OP_NOT:
                # drop the NOT and test its operand with the opposite condition
                self.code.pop()
                self.lineinfo.pop()
                self.pc -= 1
                return self.cond_jump(OP_TEST, ie >> 23, 0, 0 if cond else 1)
        self.discharge2anyreg(e)
        self.free_exp(e)
        return self.cond_jump(OP_TESTSET, NO_REG, e.info, cond)

    def go_if_true(self, e: ExpDesc) -> None:
        self.discharge_vars(e)
        k = e.k
        if k == VK or k == VKNUM or k == VTRUE:
            pc = NO_JUMP                   # always true: no test at all
        elif k == VJMP:
            self.invert_jump(e)
            pc = e.info
        else:
            pc = self.jump_on_cond(e, 0)
        e.f = self.concat(e.f, pc)
        self.patch_to_here(e.t)
        e.t = NO_JUMP

    def go_if_false(self, e: ExpDesc) -> None:
        self.discharge_vars(e)
        k = e.k
        if k == VNIL or k == VFALSE:
            pc = NO_JUMP                   # always false: no test at all
        elif k == VJMP:
            pc = e.info
        else:
            pc = self.jump_on_cond(e, 1)
        e.t = self.concat(e.t, pc)
        self.patch_to_here(e.f)
        e.f = NO_JUMP

    def code_not(self, e: ExpDesc) -> None:
        self.discharge_vars(e)
        k = e.k
        if k == VNIL or k == VFALSE:
            e.k = VTRUE
        elif k == VK or k == VKNUM or k == VTRUE:
            e.k = VFALSE
        elif k == VJMP:
            self.invert_jump(e)
        elif k == VRELOCABLE or k == VNONRELOC:
            self.discharge2anyreg(e)
            self.free_exp(e)
            e.info = self.code_abc(OP_NOT, 0, e.info, 0)
            e.k = VRELOCABLE
        e.f, e.t = e.t, e.f
        self.remove_values(e.f)
        self.remove_values(e.t)

    def indexed(self, t: ExpDesc, k: ExpDesc) -> None:
        t.aux = self.exp2rk(k)
        t.k = VINDEXED

    # ----- operators ------------------------------------------------------------

    def code_arith(self, op: int, e1: ExpDesc, e2: ExpDesc) -> None:
        if (e1.k == VKNUM and e2.k == VKNUM and e1.t == NO_JUMP and e1.f == NO_JUMP
                and e2.t == NO_JUMP and e2.f == NO_JUMP):
            r = self.fold(op, e1.nval, e2.nval)
            if r is not None:
                e1.nval = r
                return
        o2 = self.exp2rk(e2) if (op != OP_UNM and op != OP_LEN) else 0
        o1 = self.exp2rk(e1)
        if o1 > o2:
            self.free_exp(e1)
            self.free_exp(e2)
        else:
            self.free_exp(e2)
            self.free_exp(e1)
        e1.info = self.code_abc(op, 0, o1, o2)
        e1.k = VRELOCABLE

    def code_comp(self, op: int, cond: int, e1: ExpDesc, e2: ExpDesc) -> None:
        o1 = self.exp2rk(e1)
        o2 = self.exp2rk(e2)
        self.free_exp(e2)
        self.free_exp(e1)
        if cond == 0 and op != OP_EQ:
            o1, o2 = o2, o1            # a > b is b < a, a >= b is b <= a
            cond = 1
        e1.info = self.cond_jump(op, cond, o1, o2)
        e1.k = VJMP

    def prefix(self, op: int, e: ExpDesc) -> None:
        e2 = ExpDesc(VKNUM, 0)
        e2.nval = 0
        if op == OPR_MINUS:
            if not (e.k == VKNUM and e.t == NO_JUMP and e.f == NO_JUMP):
                self.exp2anyreg(e)
            self.code_arith(OP_UNM, e, e2)
        elif op == OPR_NOT:
            self.code_not(e)
        else:
            self.exp2anyreg(e)
            self.code_arith(OP_LEN, e, e2)

    def infix(self, op: int, v: ExpDesc) -> None:
        if op == OPR_AND:
            self.go_if_true(v)
        elif op == OPR_OR:
            self.go_if_false(v)
        elif op == OPR_CONCAT:
            self.exp2nextreg(v)
        elif op <= OPR_POW:
            if not (v.k == VKNUM and v.t == NO_JUMP and v.f == NO_JUMP):
                self.exp2rk(v)
        else:
            self.exp2rk(v)

    def posfix(self, op: int, e1: ExpDesc, e2: ExpDesc) -> None:
        if op == OPR_AND:
            self.discharge_vars(e2)
            e2.f = self.concat(e2.f, e1.f)
            e1.assign(e2)
        elif op == OPR_OR:
            self.discharge_vars(e2)
            e2.t = self.concat(e2.t, e1.t)
            e1.assign(e2)
        elif op == OPR_CONCAT:
            self.exp2val(e2)
            if e2.k == VRELOCABLE and self.code[e2.info] & 0x3F == OP_CONCAT:
                # chain into the following CONCAT: widen its range down to e1
                self.free_exp(e1)
                i = self.code[e2.info]
                self.code[e2.info] = (i & 0x7FFFFF) | (e1.info << 23)
                e1.k = VRELOCABLE
                e1.info = e2.info
            else:
                self.exp2nextreg(e2)
                self.code_arith(OP_CONCAT, e1, e2)
        elif op <= OPR_POW:
            self.code_arith(_ARITH_OPCODE[op], e1, e2)
        else:
            opcode, cond = _COMPARE[op]
            self.code_comp(opcode, cond, e1, e2)
