"""Static check that a loaded function's bytecode is safe to run, as Lua 5.1 does before accepting a binary chunk (counterpart of luaG_checkcode / symbexec in ldebug.c).

Lua 5.1.5 refuses a precompiled function ("bad code in precompiled chunk") when any
instruction names a register beyond the frame, a constant, upvalue or nested function that
does not exist, jumps outside the code or into the count word of a SETLIST, when a test is not
followed by its jump, an open call is not consumed by an instruction that can take it, or the
function does not end in RETURN. This module performs the same checks in the same way (the
whole function is scanned once, without following jumps).
"""

from __future__ import annotations

from vm.bytecode.opcodes import (
    NUM_OPCODES, OP_CALL, OP_CLOSURE, OP_CONCAT, OP_FORLOOP, OP_FORPREP, OP_GETGLOBAL,
    OP_GETUPVAL, OP_JMP, OP_LOADBOOL, OP_MOVE, OP_RETURN, OP_SETGLOBAL, OP_SETLIST,
    OP_SETUPVAL, OP_SELF, OP_TAILCALL, OP_TFORLOOP, OP_VARARG, OpArgK, OpArgN, OpArgR,
    iABC, iABx, iAsBx, op_b_mode, op_c_mode, op_is_test, op_mode,
)
from vm.bytecode.proto import VARARG_HASARG, VARARG_ISVARARG, VARARG_NEEDSARG, Proto

MAXSTACK = 250        # Lua 5.1's limit on a function's register count


def _open_call_consumer(word: int) -> bool:
    """May `word` follow an instruction that leaves a variable number of results on the stack?"""
    op = word & 0x3F
    return op in (OP_CALL, OP_TAILCALL, OP_RETURN, OP_SETLIST) and (word >> 23) & 0x1FF == 0


def _frame_ok(p: Proto, stock_lineinfo: bool) -> bool:
    code = p.code
    if p.maxstacksize > MAXSTACK:
        return False
    if p.numparams + (p.is_vararg & VARARG_HASARG) > p.maxstacksize:
        return False
    if p.is_vararg & VARARG_NEEDSARG and not p.is_vararg & VARARG_HASARG:
        return False
    if len(p.upvalues) > p.nups:
        return False
    if stock_lineinfo and len(p.lineinfo) not in (0, len(code)):
        return False
    return bool(code) and code[-1] & 0x3F == OP_RETURN


def check_code(p: Proto, stock_lineinfo: bool = True) -> bool:
    """True when Lua 5.1 would accept `p`'s code (nested functions are checked separately)."""
    if not _frame_ok(p, stock_lineinfo):
        return False
    code = p.code
    size = len(code)
    frame = p.maxstacksize
    nk = len(p.constants)

    def arg_ok(value: int, mode: int) -> bool:
        if mode == OpArgN:
            return value == 0
        if mode == OpArgR:
            return value < frame
        if mode == OpArgK:
            return (value & 0xFF) < nk if value & 0x100 else value < frame
        return True

    pc = 0
    while pc < size:
        word = code[pc]
        op = word & 0x3F
        a = (word >> 6) & 0xFF
        if op >= NUM_OPCODES or a >= frame:
            return False
        mode = op_mode(op)
        b = c = 0
        if mode == iABC:
            b = (word >> 23) & 0x1FF
            c = (word >> 14) & 0x1FF
            if not (arg_ok(b, op_b_mode(op)) and arg_ok(c, op_c_mode(op))):
                return False
        elif mode == iABx:
            b = (word >> 14) & 0x3FFFF
            if op_b_mode(op) == OpArgK and b >= nk:
                return False
        elif mode == iAsBx:
            b = ((word >> 14) & 0x3FFFF) - 0x1FFFF
            if op_b_mode(op) == OpArgR:
                dest = pc + 1 + b
                if not 0 <= dest < size:
                    return False
                if dest > 0:
                    # Count the SETLIST-with-count-word instructions right before the target: an
                    # odd run means the target is itself such a count word.
                    run = 0
                    while run < dest:
                        prev = code[dest - 1 - run]
                        if not (prev & 0x3F == OP_SETLIST and (prev >> 14) & 0x1FF == 0):
                            break
                        run += 1
                    if run & 1:
                        return False
        if op_is_test(op):
            if not (pc + 2 < size and code[pc + 1] & 0x3F == OP_JMP):
                return False
        if op == OP_LOADBOOL:
            if c == 1:
                if pc + 2 >= size:
                    return False
                nxt = code[pc + 1]
                if nxt & 0x3F == OP_SETLIST and (nxt >> 14) & 0x1FF == 0:
                    return False
        elif op in (OP_GETUPVAL, OP_SETUPVAL):
            if b >= p.nups:
                return False
        elif op in (OP_GETGLOBAL, OP_SETGLOBAL):
            if not isinstance(p.constants[b], (bytes, bytearray)):
                return False
        elif op == OP_SELF:
            if a + 1 >= frame:
                return False
        elif op == OP_CONCAT:
            if b >= c:
                return False
        elif op == OP_TFORLOOP:
            if c < 1 or a + 2 + c >= frame:
                return False
        elif op in (OP_FORLOOP, OP_FORPREP):
            if a + 3 >= frame:
                return False
        elif op in (OP_CALL, OP_TAILCALL):
            if b != 0 and a + b - 1 >= frame:
                return False
            results = c - 1
            if results == -1:
                if not (pc + 1 < size and _open_call_consumer(code[pc + 1])):
                    return False
            elif results != 0 and a + results - 1 >= frame:
                return False
        elif op == OP_RETURN:
            if b - 1 > 0 and a + b - 2 >= frame:
                return False
        elif op == OP_SETLIST:
            if b > 0 and a + b >= frame:
                return False
            if c == 0:
                pc += 1
                if pc >= size - 1:
                    return False
        elif op == OP_CLOSURE:
            if b >= len(p.protos):
                return False
            nup = p.protos[b].nups
            if pc + nup >= size:
                return False
            for j in range(1, nup + 1):
                if code[pc + j] & 0x3F not in (OP_GETUPVAL, OP_MOVE):
                    return False
        elif op == OP_VARARG:
            if not (p.is_vararg & VARARG_ISVARARG) or p.is_vararg & VARARG_NEEDSARG:
                return False
            wanted = b - 1
            if wanted == -1:
                if not (pc + 1 < size and _open_call_consumer(code[pc + 1])):
                    return False
            if a + wanted - 1 >= frame:
                return False
        pc += 1
    return True
