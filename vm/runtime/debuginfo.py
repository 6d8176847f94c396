"""Where execution is: Lua activations, current lines, variable names for errors, tracebacks (counterpart of ldebug.c).

Generated Lua functions run with GEN_GLOBALS as their Python globals, so any Python frame whose
f_globals is that dict is a Lua frame; its Python line number maps to a Lua pc (the translator
puts every Lua instruction on its own lines and records the map). Interpreted activations are
frames of vm.runtime.interpreter's `_interpret`, whose locals hold the pc and registers. Library
functions are "C" frames; they are recognised by their code objects (register_builtin). All
other Python frames (runtime helpers) are invisible to Lua, as the VM's internals are in C Lua.

Lua's call stack is Python's frame chain with the call drivers' lists spliced in: walking out
from the running frame, a driver's frame (vm.runtime.calls.drive) stands for the suspended
activations it holds, innermost first. An error that leaves a driver carries a snapshot of
those activations (`lua_stacks` on the exception), so tracebacks and xpcall handlers still see
the stack as it was where the error happened.
"""

from __future__ import annotations

import builtins
import itertools
import sys
import weakref

from vm.bytecode import opcodes as O
from vm.errors import LuaError
from vm.runtime import calls
from vm.runtime.chunkid import chunk_id
from vm.runtime.values import type_name

GEN_GLOBALS: dict = {"__builtins__": builtins}


class ProtoInfo:
    """Per-Proto data the translator records for the debugger: pc of each generated line."""
    __slots__ = ("proto", "line_pc", "short_src", "index", "stub_code", "__weakref__")

    def __init__(self, proto, line_pc, index):
        self.proto = proto
        self.line_pc = line_pc
        self.index = index
        self.short_src = chunk_id(proto.source)
        self.stub_code = None


# index in the generated function's name (L<index>) -> ProtoInfo. Weak: an info lives as long as
# something holds it: translated code through TRANSLATED_INFOS (its factory stays in GEN_GLOBALS
# anyway), interpreter stubs through their code object's constants, so a chunk that ran once is
# freed with its function.
PROTO_INFOS = weakref.WeakValueDictionary()
TRANSLATED_INFOS: list = []
_indexes = itertools.count()
BUILTIN_NAMES: dict = {}          # code object -> name used by tracebacks


def register_proto_info(make, strong: bool = False) -> ProtoInfo:
    """Allocate an index and record the ProtoInfo `make(index)` returns."""
    index = next(_indexes)
    info = PROTO_INFOS[index] = make(index)
    if strong:
        TRANSLATED_INFOS.append(info)
    return info


def register_builtin(fn, name: bytes | str | None = None) -> None:
    code = getattr(fn, "__code__", None)
    if code is not None:
        if isinstance(name, str):
            name = name.encode()
        BUILTIN_NAMES[code] = name or fn.__name__.encode()


def proto_info_of_code(code) -> ProtoInfo | None:
    name = code.co_name
    if name.startswith("L") and name[1:].isdigit():
        return PROTO_INFOS.get(int(name[1:]))
    return None


def is_lua_frame(frame) -> bool:
    return frame.f_globals is GEN_GLOBALS and proto_info_of_code(frame.f_code) is not None


class Level:
    """One entry of Lua's call stack as seen from Python."""
    __slots__ = ("frame", "lineno", "info", "builtin", "tail", "interp")

    def __init__(self, frame, lineno, info, builtin, tail, interp=None):
        self.frame = frame
        self.lineno = lineno
        self.info = info          # ProtoInfo for Lua functions
        self.builtin = builtin    # name for library functions
        self.tail = tail          # reached through a tail call
        self.interp = interp      # (pc, registers) when vm.runtime.interpreter runs it

    @property
    def is_lua(self) -> bool:
        return self.info is not None

    def register(self, reg: int):
        """The raw content of register `reg` (a Cell for captured locals)."""
        if self.interp is not None:
            regs = self.interp[1]
            return regs[reg] if regs is not None and 0 <= reg < len(regs) else None
        return self.frame.f_locals.get("r%d" % reg)

    @property
    def pc(self) -> int:
        if self.interp is not None:
            return self.interp[0]
        lp = self.info.line_pc
        ln = self.lineno
        if 0 <= ln < len(lp):
            return lp[ln]
        return 0

    @property
    def currentline(self) -> int:
        if self.info is None:
            return -1
        li = self.info.proto.lineinfo
        pc = self.pc
        return li[pc] if 0 <= pc < len(li) else -1


_DRIVE_CODE = calls.drive.__code__
INTERPRETER_CODES: set = set()      # filled by vm.runtime.interpreter


def _classify(frame, lineno, tail=False):
    code = frame.f_code
    if frame.f_globals is GEN_GLOBALS:
        info = proto_info_of_code(code)
        if info is not None and info.line_pc is not None:
            return Level(frame, lineno, info, None, tail)
        return None     # the translator's module code, an interpreter stub making its activation
    if code in INTERPRETER_CODES:
        loc = frame.f_locals
        p = loc.get("p")
        if p is None:       # not started yet (a call hook): the stub it runs tells which function
            fn = loc.get("fn")
            info = proto_info_of_code(fn.__code__) if fn is not None else None
            return Level(frame, lineno, info, None, tail, (0, None)) if info is not None else None
        return Level(frame, lineno, p._interp_info, None, tail, (loc.get("pc", 0), loc.get("R")))
    name = BUILTIN_NAMES.get(code)
    if name is not None:
        return Level(frame, lineno, None, name, False)
    return None


def _suspended_levels(frames, tails, out) -> None:
    """Append the levels of a driver's suspended activations (outermost first in `frames`),
    innermost first."""
    for k in range(len(frames) - 1, -1, -1):
        f = frames[k]
        lv = _classify(f, f.f_lineno, k in tails)
        if lv is not None:
            out.append(lv)


def stack_levels(start=None) -> list:
    """Lua's call stack, innermost first (level 0 is the running function)."""
    frame = start if start is not None else sys._getframe(1)
    ctx = calls.context()
    splice = ctx.error_frames
    drivers = ctx.drivers
    next_driver = len(drivers) - 1
    levels = []
    while frame is not None:
        if splice is not None and frame is splice[0]:
            levels.extend(splice[1])
            splice = None
        if frame.f_code is _DRIVE_CODE:
            rec = drivers[next_driver] if next_driver >= 0 else None
            next_driver -= 1
            if rec is not None:
                stack, tails, _ = rec
                if levels and levels[-1].frame is not None and levels[-1].frame.f_back is frame:
                    levels[-1].tail = len(stack) in tails
                _suspended_levels([g.gi_frame for g in stack], tails, levels)
                if next_driver < 0 and ctx.coroutine is not None:
                    break       # a coroutine's stack ends at its own first driver
        else:
            lv = _classify(frame, frame.f_lineno)
            if lv is not None:
                levels.append(lv)
        frame = frame.f_back
    return levels


def levels_from_exception(exc) -> list:
    """The Lua levels an exception passed through, innermost first, skipping the catching frame
    (the drivers it left contribute the activations they held: calls._record)."""
    tb = exc.__traceback__
    snapshots = getattr(exc, "lua_stacks", None) or {}
    out = []
    tb = tb.tb_next if tb is not None else None
    running_tail = False
    while tb is not None:
        frame = tb.tb_frame
        snap = snapshots.get(frame) if frame.f_code is _DRIVE_CODE else None
        if snap is not None:
            frames, tails, running_tail = snap
            inner = []
            _suspended_levels(frames, tails, inner)
            inner.reverse()
            out.extend(inner)
        else:
            lv = _classify(frame, tb.tb_lineno, running_tail)
            if lv is not None:
                out.append(lv)
                running_tail = False
        tb = tb.tb_next
    out.reverse()
    return out


def frame_position(frame) -> bytes:
    """ "chunk:line: " of a Lua activation's frame (b"" when it is not one)."""
    lv = _classify(frame, frame.f_lineno)
    if lv is not None and lv.is_lua:
        return b"%s:%d: " % (lv.info.short_src, lv.currentline)
    return b""


calls.frame_position = frame_position


def where(level: int = 1) -> bytes:
    """luaL_where: "chunk:line: " for the function at `level` when it is a Lua function."""
    levels = stack_levels(sys._getframe(1))
    if 0 <= level < len(levels):
        lv = levels[level]
        if lv.is_lua:
            line = lv.currentline
            if line > 0:
                return b"%s:%d: " % (lv.info.short_src, line)
    return b""


def _current_position() -> bytes:
    frame = sys._getframe(2)
    while frame is not None:
        lv = _classify(frame, frame.f_lineno)
        if lv is not None:
            if lv.is_lua:
                return b"%s:%d: " % (lv.info.short_src, lv.currentline)
            return b""
        frame = frame.f_back
    return b""


def runerror(msg: bytes):
    """Raise a runtime error, prefixed with the position when the running function is a Lua one."""
    raise LuaError(_current_position() + msg)


calls.runerror = runerror


def _innermost_level():
    frame = sys._getframe(2)
    while frame is not None:
        lv = _classify(frame, frame.f_lineno)
        if lv is not None:
            return lv
        frame = frame.f_back
    return None


# ----- variable names (symbolic execution) ----------------------------------------------------

def local_name(proto, reg: int, pc: int):
    """Name of the reg-th active local variable at pc (luaF_getlocalname), or None."""
    n = reg + 1
    for lv in proto.locvars:
        if lv.startpc > pc:
            break
        if pc < lv.endpc:
            n -= 1
            if n == 0:
                return lv.name
    return None


def _last_setter(proto, lastpc: int, reg: int) -> int:
    code = proto.code
    last = len(code) - 1
    pc = 0
    while pc < lastpc:
        i = code[pc]
        op = i & 0x3F
        a = O.get_a(i)
        if O.op_sets_a(op) and a == reg:
            last = pc
        if op == O.OP_LOADNIL:
            if a <= reg <= O.get_b(i):
                last = pc
        elif op == O.OP_SELF:
            if reg == a + 1:
                last = pc
        elif op == O.OP_TFORLOOP:
            if reg >= a + 2:
                last = pc
        elif op in (O.OP_CALL, O.OP_TAILCALL):
            if reg >= a:
                last = pc
        elif op in (O.OP_JMP, O.OP_FORLOOP, O.OP_FORPREP):
            dest = pc + 1 + O.get_sbx(i)
            if pc < dest <= lastpc:
                pc += O.get_sbx(i)
        elif op == O.OP_CLOSURE:
            bx = O.get_bx(i)
            if bx < len(proto.protos):
                pc += proto.protos[bx].nups
        elif op == O.OP_SETLIST and O.get_c(i) == 0:
            pc += 1
        pc += 1
    return last


def _kname(proto, k: int) -> bytes:
    if O.is_k(k):
        v = proto.constants[O.index_k(k)]
        if type(v) is bytes:
            return v
    return b"?"


def getobjname(proto, pc: int, reg: int, depth: int = 0):
    """(kind, name) describing register `reg` at `pc`: ("local", b"x"), ("global", b"cfg"), ... or None."""
    name = local_name(proto, reg, pc)
    if name is not None:
        return ("local", name)
    if depth > 50 or not proto.code:
        return None
    last = _last_setter(proto, pc, reg)
    if last < 0 or last >= len(proto.code):
        return None
    i = proto.code[last]
    op = i & 0x3F
    if op == O.OP_GETGLOBAL:
        k = proto.constants[O.get_bx(i)]
        return ("global", k if type(k) is bytes else b"?")
    if op == O.OP_MOVE:
        a, b = O.get_a(i), O.get_b(i)
        if b < a:
            return getobjname(proto, last, b, depth + 1)
        return None
    if op == O.OP_GETTABLE:
        return ("field", _kname(proto, O.get_c(i)))
    if op == O.OP_GETUPVAL:
        u = O.get_b(i)
        ups = proto.upvalues
        return ("upvalue", ups[u] if u < len(ups) else b"?")
    if op == O.OP_SELF:
        return ("method", _kname(proto, O.get_c(i)))
    return None


def _operand_register(proto, pc: int, operand):
    """Which register an instruction operand ('A', 'B', 'C' or an int register) denotes, or None for constants."""
    if isinstance(operand, int):
        return operand
    i = proto.code[pc]
    if operand == "A":
        return O.get_a(i)
    v = O.get_b(i) if operand == "B" else O.get_c(i)
    op = i & 0x3F
    mode = O.op_b_mode(op) if operand == "B" else O.op_c_mode(op)
    if mode == O.OpArgK and O.is_k(v):
        return None
    return v


def type_error(value, action: str, operand=None):
    """Raise "attempt to <action> <kind> '<name>' (a <type> value)" for the operand of the current instruction."""
    tname = type_name(value).decode()
    lv = _innermost_level()
    described = None
    pos = b""
    if lv is not None and lv.is_lua:
        pos = b"%s:%d: " % (lv.info.short_src, lv.currentline)
        if operand is not None:
            try:
                pc = lv.pc
                reg = _operand_register(lv.info.proto, pc, operand)
                if reg is not None:
                    described = getobjname(lv.info.proto, pc, reg)
            except (IndexError, KeyError):
                described = None
    if described is not None:
        kind, name = described
        msg = b"attempt to %s %s '%s' (a %s value)" % (
            action.encode(), kind.encode(), name, tname.encode())
    else:
        msg = b"attempt to %s a %s value" % (action.encode(), tname.encode())
    raise LuaError(pos + msg)


def function_name(levels: list, index: int):
    """(namewhat, name) of the function at levels[index], found from its caller's call instruction."""
    lv = levels[index]
    if lv.tail:
        return None
    if index + 1 >= len(levels):
        return None
    caller = levels[index + 1]
    if not caller.is_lua:
        return None
    proto = caller.info.proto
    pc = caller.pc
    if not (0 <= pc < len(proto.code)):
        return None
    i = proto.code[pc]
    op = i & 0x3F
    if op in (O.OP_CALL, O.OP_TAILCALL, O.OP_TFORLOOP):
        return getobjname(proto, pc, O.get_a(i))
    return None


def traceback(levels: list, message=None, first: int = 0) -> bytes:
    """The text of debug.traceback over `levels` starting at index `first`."""
    out = []
    if message is not None:
        out.append(message + b"\n")
    out.append(b"stack traceback:")
    n = len(levels)
    level = first
    first_part = True
    while level < n:
        if first_part and level >= 12:
            first_part = False
            if level + 11 < n:
                out.append(b"\n\t...")
                level = n - 10
                continue
        lv = levels[level]
        if lv.is_lua:
            src = lv.info.short_src
            line = lv.currentline
            entry = b"\n\t%s:" % src
            if line > 0:
                entry += b"%d:" % line
        else:
            entry = b"\n\t[C]:"
        named = function_name(levels, level)
        if named is not None:
            entry += b" in function '%s'" % named[1]
        elif lv.is_lua:
            p = lv.info.proto
            if p.linedefined == 0:
                entry += b" in main chunk"
            else:
                entry += b" in function <%s:%d>" % (lv.info.short_src, p.linedefined)
        else:
            entry += b" ?"
        out.append(entry)
        if lv.tail:
            out.append(b"\n\t(tail call): ?")
        level += 1
    return b"".join(out)


def closure_of_level(lv):
    """The Lua function object a Lua level is running (None for library functions)."""
    if lv.info is None:
        return None
    loc = lv.frame.f_locals
    if lv.interp is not None:
        return loc.get("fn")
    f = loc.get("L%d" % lv.info.index)
    return f if f is not None else loc.get("SELF")
