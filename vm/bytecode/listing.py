"""Render a Proto tree as the text `luac -l` / `luac -l -l` prints (counterpart of print.c).

The output matches luac 5.1.5 line for line, with one deliberate difference: where luac prints
the memory address of a function (the heading's `bytes at 0x...`, the CLOSURE comment and the
`constants/locals/upvalues (n) for 0x...` lines of a full listing) we print the function's
position in a depth-first, parents-first walk of the chunk, starting at 1 for the main function,
in pointer shape: `0x00000001`, `0x00000002`, ... This keeps listings reproducible while every
reference to a function still names the same heading, as the addresses do in luac's output.
"""

from __future__ import annotations

import math

from vm.bytecode.opcodes import (
    OP_ADD, OP_CLOSURE, OP_DIV, OP_EQ, OP_FORLOOP, OP_FORPREP, OP_GETGLOBAL, OP_GETTABLE,
    OP_GETUPVAL, OP_JMP, OP_LE, OP_LOADK, OP_LT, OP_MUL, OP_POW, OP_SELF, OP_SETGLOBAL,
    OP_SETLIST, OP_SETTABLE, OP_SETUPVAL, OP_SUB, OPCODE_NAMES, OpArgK, OpArgN, iABC, iABx,
    index_k, is_k, op_b_mode, op_c_mode, op_mode,
)
from vm.bytecode.proto import Proto

# Escapes luac uses inside quoted string constants; other bytes outside ' '..'~' print as \ddd.
_STRING_ESCAPES = {
    0x22: '\\"', 0x5C: "\\\\", 0x07: "\\a", 0x08: "\\b", 0x0C: "\\f",
    0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x0B: "\\v",
}
_QUOTED_BYTE = tuple(
    _STRING_ESCAPES.get(b, chr(b) if 0x20 <= b < 0x7F else f"\\{b:03d}") for b in range(256))

# The opcodes whose comment shows their two RK operands (constant or `-`).
_RK_PAIR_OPS = frozenset((OP_SETTABLE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_EQ, OP_LT, OP_LE))


def _c_string(value: bytes | None) -> str:
    """A byte string as C's `%s` shows it: up to the first NUL. Non-UTF-8 bytes survive as surrogates."""
    if value is None:
        return "(null)"
    end = value.find(b"\0")
    if end >= 0:
        value = value[:end]
    return value.decode("utf-8", "surrogateescape")


def quote_string(value: bytes) -> str:
    """A string constant in double quotes with luac's escapes (all bytes shown, NULs as \\000)."""
    return '"' + "".join([_QUOTED_BYTE[b] for b in value]) + '"'


def format_number(value) -> str:
    """A number as C's printf("%.14g") writes it on glibc (including `inf`, `-nan`)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "-nan" if math.copysign(1.0, value) < 0 else "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return "%.14g" % value


def format_constant(value) -> str:
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (bytes, bytearray)):
        return quote_string(bytes(value))
    return "? type=?"


def _display_source(source: bytes | None) -> str:
    """The chunk name shown in a heading: without its `@`/`=` mark, or a placeholder for code strings."""
    source = source or b""
    if source[:1] in (b"@", b"="):
        return _c_string(source[1:])
    if source[:1] == b"\x1b":
        return "(bstring)"
    return "(string)"


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


class _Lister:
    def __init__(self, main: Proto, full: bool):
        self.full = full
        self.lines: list[str] = []
        self.ids: dict[int, str] = {}
        for index, proto in enumerate(main.walk(), start=1):
            self.ids.setdefault(id(proto), f"0x{index:08x}")

    def address(self, proto: Proto) -> str:
        return self.ids.get(id(proto), "0x00000000")

    def function(self, f: Proto) -> None:
        self.header(f)
        self.code(f)
        if self.full:
            self.constants(f)
            self.locals(f)
            self.upvalues(f)
        for child in f.protos:
            self.function(child)

    def header(self, f: Proto) -> None:
        n = len(f.code)
        kind = "main" if f.linedefined == 0 else "function"
        out = self.lines
        out.append("")
        out.append(f"{kind} <{_display_source(f.source)}:{f.linedefined},{f.lastlinedefined}> "
                   f"({n} instruction{_plural(n)}, {4 * n} bytes at {self.address(f)})")
        out.append(
            f"{f.numparams}{'+' if f.is_vararg else ''} param{_plural(f.numparams)}, "
            f"{f.maxstacksize} slot{_plural(f.maxstacksize)}, {f.nups} upvalue{_plural(f.nups)}, "
            f"{len(f.locvars)} local{_plural(len(f.locvars))}, "
            f"{len(f.constants)} constant{_plural(len(f.constants))}, "
            f"{len(f.protos)} function{_plural(len(f.protos))}")

    def _constant(self, f: Proto, index: int) -> str:
        if 0 <= index < len(f.constants):
            return format_constant(f.constants[index])
        return "?"

    def code(self, f: Proto) -> None:
        code = f.code
        lineinfo = f.lineinfo
        out = self.lines
        n = len(code)
        pc = 0
        while pc < n:
            i = code[pc]
            o = i & 0x3F
            a = (i >> 6) & 0xFF
            c = (i >> 14) & 0x1FF
            b = (i >> 23) & 0x1FF
            bx = (i >> 14) & 0x3FFFF
            sbx = bx - 0x1FFFF
            line = lineinfo[pc] if pc < len(lineinfo) else 0
            name = OPCODE_NAMES[o] if o < len(OPCODE_NAMES) else "?"
            text = f"\t{pc + 1}\t" + (f"[{line}]\t" if line > 0 else "[-]\t") + f"{name:<9}\t"
            if o >= len(OPCODE_NAMES):
                out.append(text)
                pc += 1
                continue
            mode = op_mode(o)
            if mode == iABC:
                text += str(a)
                if op_b_mode(o) != OpArgN:
                    text += f" {-1 - index_k(b) if is_k(b) else b}"
                if op_c_mode(o) != OpArgN:
                    text += f" {-1 - index_k(c) if is_k(c) else c}"
            elif mode == iABx:
                text += f"{a} {-1 - bx if op_b_mode(o) == OpArgK else bx}"
            else:
                text += str(sbx) if o == OP_JMP else f"{a} {sbx}"
            if o == OP_LOADK:
                text += "\t; " + self._constant(f, bx)
            elif o in (OP_GETUPVAL, OP_SETUPVAL):
                if f.upvalues:
                    upname = _c_string(f.upvalues[b]) if b < len(f.upvalues) else "?"
                else:
                    upname = "-"
                text += "\t; " + upname
            elif o in (OP_GETGLOBAL, OP_SETGLOBAL):
                k = f.constants[bx] if bx < len(f.constants) else None
                text += "\t; " + (_c_string(k) if isinstance(k, bytes) else "?")
            elif o in (OP_GETTABLE, OP_SELF):
                if is_k(c):
                    text += "\t; " + self._constant(f, index_k(c))
            elif o in _RK_PAIR_OPS:
                if is_k(b) or is_k(c):
                    text += ("\t; " + (self._constant(f, index_k(b)) if is_k(b) else "-") + " "
                             + (self._constant(f, index_k(c)) if is_k(c) else "-"))
            elif o in (OP_JMP, OP_FORLOOP, OP_FORPREP):
                text += f"\t; to {sbx + pc + 2}"
            elif o == OP_CLOSURE:
                child = f.protos[bx] if bx < len(f.protos) else None
                text += "\t; " + (self.address(child) if child is not None else "0x00000000")
            elif o == OP_SETLIST:
                if c == 0:
                    # The batch number sits in the next word, which luac then skips.
                    pc += 1
                    word = code[pc] if pc < n else 0
                    text += f"\t; {word - (1 << 32) if word & 0x80000000 else word}"
                else:
                    text += f"\t; {c}"
            out.append(text)
            pc += 1

    def constants(self, f: Proto) -> None:
        out = self.lines
        out.append(f"constants ({len(f.constants)}) for {self.address(f)}:")
        for index, value in enumerate(f.constants, start=1):
            out.append(f"\t{index}\t{format_constant(value)}")

    def locals(self, f: Proto) -> None:
        out = self.lines
        out.append(f"locals ({len(f.locvars)}) for {self.address(f)}:")
        for index, var in enumerate(f.locvars):
            out.append(f"\t{index}\t{_c_string(var.name)}\t{var.startpc + 1}\t{var.endpc + 1}")

    def upvalues(self, f: Proto) -> None:
        out = self.lines
        out.append(f"upvalues ({len(f.upvalues)}) for {self.address(f)}:")
        for index, name in enumerate(f.upvalues):
            out.append(f"\t{index}\t{_c_string(name)}")


def list_proto(proto: Proto, full: bool = False) -> str:
    """The listing of `proto` and, recursively, its nested functions; `full` adds constants, locals, upvalues."""
    lister = _Lister(proto, full)
    lister.function(proto)
    return "\n".join(lister.lines) + "\n"
