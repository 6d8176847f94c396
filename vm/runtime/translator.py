"""Translates each Proto once into a Python closure factory: the interpreter's dispatch loop (counterpart of lvm.c's luaV_execute).

Every Lua function becomes Python source of this shape, compiled once per Proto:

    def F7(ENV, U0, U1):                 # CLOSURE: one call per closure made
        def L7(r0=None, r1=None, *VA):   # the Lua function itself; registers are Python locals
            ...
        return L7

Control flow (blocks and loop regions from vm.runtime.flow): the basic blocks of the bytecode
are laid out in pc order; every loop (a range entered by a backward jump) becomes a Python
`while True:` and the blocks inside a range are a chain of `if pc <= last_pc_of_block:` tests, so falling through costs one comparison and a jump
just sets `pc`. Instructions are specialised by operand kind: constants are literals, float
arithmetic and string-keyed table access are inline with a call into vm.runtime.operations for
everything else. Registers captured by closures live in Cell boxes for their whole life and get a
fresh box at OP_CLOSE, which gives Lua's open/closed upvalue semantics. Each instruction has its
own source lines; the recorded line -> pc map lets errors and tracebacks find the current pc from
the Python frame, so nothing is stored per instruction at run time.
"""

from __future__ import annotations

import math

from vm.bytecode import opcodes as O
from vm.errors import LuaError
from vm.runtime import operations as ops  # noqa: F401
from vm.runtime import generated_support, hooks  # noqa: F401  (fill GEN_GLOBALS)
from vm.runtime.debuginfo import GEN_GLOBALS, ProtoInfo, register_proto_info
from vm.runtime.flow import TEST_OPS, FlowGraph, Region, boxed_registers
from vm.runtime.table import Table
from vm.runtime.values import INF, Cell, Userdata  # noqa: F401

_ARITH = {O.OP_ADD: "+", O.OP_SUB: "-", O.OP_MUL: "*", O.OP_DIV: "/"}
_ARITH_HELPER = {O.OP_ADD: "ADD", O.OP_SUB: "SUB", O.OP_MUL: "MUL", O.OP_DIV: "DIV",
                 O.OP_MOD: "MOD", O.OP_POW: "POW"}
FIELDS_PER_FLUSH = 50


class TranslateError(LuaError):
    pass


def compile_factory(proto, osr_registers=False):
    """Translate and compile proto (its children must have factories already): (factory, index,
    source). With osr_registers=n, the function takes (pc, VA, r0..r<n-1>) instead (see
    vm.runtime.tiers.osr_code)."""
    strong = not osr_registers
    info = register_proto_info(lambda index: ProtoInfo(proto, None, index), strong=strong)
    index = info.index
    gen = _FunctionWriter(proto, index, osr_registers)
    source, line_pc = gen.generate()
    info.line_pc = line_pc
    code = compile(source, f"<lua {info.short_src.decode('latin-1')}:{proto.linedefined}>", "exec")
    if not strong:
        # An OSR variant is used once, by name by nobody: its info rides in the function's
        # constants and its factory leaves GEN_GLOBALS at once, so all of it goes with the run.
        code = _with_constant(code, f"F{index}", f"L{index}", info)
    if gen.special_constants:
        GEN_GLOBALS[f"K{index}"] = tuple(proto.constants)
    exec(code, GEN_GLOBALS)
    factory = GEN_GLOBALS.pop(f"F{index}") if not strong else GEN_GLOBALS[f"F{index}"]
    return factory, index, source


def _with_constant(module_code, factory_name, function_name, value):
    """module_code with `value` appended to the constants of the nested function_name code."""
    def patch(code, path):
        if not path:
            return code.replace(co_consts=code.co_consts + (value,))
        consts = tuple(patch(c, path[1:]) if getattr(c, "co_name", None) == path[0] else c
                       for c in code.co_consts)
        return code.replace(co_consts=consts)
    return patch(module_code, [factory_name, function_name])


class _FunctionWriter:
    def __init__(self, proto, index, osr_registers=False):
        self.p = proto
        self.index = index
        self.osr = osr_registers
        self.code = proto.code
        self.n = len(proto.code)
        self.lines: list = []        # (indent, text, pc)
        self.special_constants = False
        self.boxed = boxed_registers(proto)
        # A function that calls nothing is a plain Python function; any other is a generator
        # function whose calls go through the call driver (see vm.runtime.calls).
        self.leaf = not any(i & 0x3F in (O.OP_CALL, O.OP_TAILCALL, O.OP_TFORLOOP) for i in proto.code)

    # ----- expressions -----------------------------------------------------------------------
    def R(self, r):
        return f"r{r}.v" if r in self.boxed else f"r{r}"

    def K(self, k):
        v = self.p.constants[k]
        if v is None or v is True or v is False:
            return repr(v)
        if type(v) is bytes:
            return repr(v)
        if type(v) is float:
            if math.isfinite(v):
                return repr(v)
            self.special_constants = True
            return f"K{self.index}[{k}]"
        if type(v) is int:
            return repr(float(v))
        self.special_constants = True
        return f"K{self.index}[{k}]"

    def RK(self, x):
        if O.is_k(x):
            return self.K(O.index_k(x))
        return self.R(x)

    def kvalue(self, x):
        """The constant behind RK operand x, or a marker when x is a register."""
        if O.is_k(x):
            return self.p.constants[O.index_k(x)]
        return _REGISTER

    def is_float(self, x):
        if O.is_k(x):
            v = self.p.constants[O.index_k(x)]
            return type(v) is float
        return x in self.known_float

    # ----- emission --------------------------------------------------------------------------
    def emit(self, indent, text, pc):
        self.lines.append((indent, text, pc))

    def generate(self):
        p = self.p
        self.flow = flow = FlowGraph(p)
        self.jumps, self.block_of, self.root = flow.jumps, flow.block_of, flow.root
        idx = self.index
        nparams = p.numparams
        params = [f"r{i}=None" for i in range(nparams)]
        vararg = "*VA" if p.is_vararg & 2 or p.is_vararg & 4 or p.is_vararg & 1 else "*VA"
        ups = ", ".join(["ENV"] + [f"U{i}" for i in range(p.nups)])
        self.emit(0, f"def F{idx}({ups}):", 0)
        if self.osr:
            # Entered from the interpreter at a jump target with every register (boxed ones as Cells).
            regs = ", ".join(f"r{r}" for r in range(self.osr))
            self.emit(1, f"def L{idx}(pc, VA, {regs}):", 0)
            self.emit(2, "_ = ENV", 0)
            self.emit(2, "while True:", 0)
            return self._finish(idx)
        self.emit(1, f"def L{idx}({', '.join(params + [vararg])}):", 0)
        self.emit(2, "_ = ENV", 0)
        self.emit(2, "if HOOK: TICK(1)", 0)
        for r in range(nparams):
            if r in self.boxed:
                self.emit(2, f"r{r} = Cell(r{r})", 0)
        first = nparams
        if p.is_vararg & 4:
            init = "VARARGTABLE(VA)"
            self.emit(2, f"r{first} = Cell({init})" if first in self.boxed else f"r{first} = {init}", 0)
            first += 1
        plain = [f"r{r}" for r in range(first, max(p.maxstacksize, first)) if r not in self.boxed]
        if plain:
            self.emit(2, " = ".join(plain) + " = None", 0)
        for r in range(first, max(p.maxstacksize, first)):
            if r in self.boxed:
                self.emit(2, f"r{r} = Cell()", 0)
        self.emit(2, "pc = 0", 0)
        if self.n == 0:
            self.emit(2, "return ()", 0)
            self.emit(2, f"return L{idx}", 0)
            self.emit(1, f"return L{idx}", 0)
            return self._source()
        self.emit(2, "while True:", 0)
        return self._finish(idx)

    def _finish(self, idx):
        body = []
        self.lines, saved = body, self.lines
        self._region_body(self.root, 1)
        self.lines = saved
        for ind, text, pc in body:
            self.emit(ind + 2, text, pc)
        self._return("()", 3, self.n - 1)
        self.emit(2, f"return L{idx}", 0)
        self.emit(1, f"return L{idx}", 0)
        return self._source()

    def _return(self, values, indent, pc):
        """The function's results: returned by a leaf, yielded to the driver by a generator."""
        if self.leaf:
            self.emit(indent, f"return {values}", pc)
        else:
            self.emit(indent, f"yield {values}", pc)
            self.emit(indent, "return", pc)

    def _source(self):
        src = []
        line_pc = [0]
        for ind, text, pc in self.lines:
            src.append("    " * ind + text)
            line_pc.append(pc)
        return "\n".join(src) + "\n", line_pc

    def _units(self, region):
        """The blocks and child loops directly inside region, in pc order."""
        units = []
        children = {c.start: c for c in region.children}
        pc = region.start
        while pc <= region.end:
            c = children.get(pc)
            if c is not None:
                units.append(c)
                pc = c.end + 1
            else:
                s, e = self.block_of[pc]
                units.append((s, min(e, region.end)))
                pc = e + 1
        return units

    def _region_body(self, region, indent):
        """Emit the chain of units of region at `indent`; returns whether `continue` was used."""
        units = self._units(region)
        self.region = region
        self.unit_starts = [u.start if isinstance(u, Region) else u[0] for u in units]
        uses_continue = False
        for k, u in enumerate(units):
            next_start = self.unit_starts[k + 1] if k + 1 < len(units) else None
            next_is_loop = k + 1 < len(units) and isinstance(units[k + 1], Region)
            if isinstance(u, Region):
                self.emit(indent, f"if pc <= {u.end}:", u.start)
                self.emit(indent + 1, "while True:", u.start)
                saved = (self.region, self.unit_starts)
                self._region_body(u, indent + 2)
                self.region, self.unit_starts = saved
                # Where the loop's exits lead, seen from this region.
                exits = self.flow.exits(u)
                if any(t > region.end or t < region.start for t in exits):
                    self.emit(indent + 1, f"if pc > {region.end} or pc < {region.start}: break", u.end)
                if any(region.start <= t < u.start for t in exits):
                    self.emit(indent + 1, f"if pc < {u.start}: continue", u.end)
                    uses_continue = True
            else:
                s, e = u
                self.emit(indent, f"if pc <= {e}:", s)
                self.cur_unit = k
                self.cur_indent = indent + 1
                self.known_float = set()
                if s in self.for_bodies:
                    self.known_float.add(self.for_bodies[s])
                before = len(self.lines)
                used = self._block(s, e, indent + 1, next_start, next_is_loop)
                if len(self.lines) == before:
                    self.emit(indent + 1, "pass", s)
                uses_continue = uses_continue or used
        if region.is_loop:
            self.emit(indent, f"pc = {region.end + 1}", region.end)
            self.emit(indent, "break", region.end)
        return uses_continue

    @property
    def for_bodies(self):
        fb = getattr(self, "_for_bodies", None)
        if fb is None:
            fb = {}
            for pc, i in enumerate(self.code):
                if i & 0x3F == O.OP_FORLOOP:
                    a = O.get_a(i)
                    if a + 3 not in self.boxed:
                        fb[pc + 1 + O.get_sbx(i)] = a + 3
            self._for_bodies = fb
        return fb

    def goto(self, target, indent, pc, fallthrough_ok=True):
        """Emit a transfer to `target`; returns True when `continue` was used."""
        region = self.region
        starts = self.unit_starts
        cur = self.cur_unit
        if target <= pc:
            self.emit(indent, f"if HOOK: TICK({pc - target + 1})", pc)   # a loop iteration
        if region.start <= target <= region.end:
            # Forward to a later unit: the chain reaches it by itself.
            later = [s for s in starts[cur + 1:]]
            if later and target == later[0] and fallthrough_ok:
                if self._is_loop_start(target):
                    self.emit(indent, f"pc = {target}", pc)
                return False
            if target > starts[cur] and (target in starts[cur + 1:] or self._inside_later_loop(target)):
                self.emit(indent, f"pc = {target}", pc)
                return False
            self.emit(indent, f"pc = {target}", pc)
            self.emit(indent, "continue", pc)
            return True
        self.emit(indent, f"pc = {target}", pc)
        self.emit(indent, "break", pc)
        return False

    def _is_loop_start(self, target):
        return any(c.start == target for c in self.region.children)

    def _inside_later_loop(self, target):
        for c in self.region.children:
            if c.start <= target <= c.end and c.start > self.unit_starts[self.cur_unit]:
                return True
        return False

    def _fall_into(self, next_pc, indent, pc):
        """End of a block that falls through to next_pc."""
        return self.goto(next_pc, indent, pc)

    def _block(self, s, e, indent, next_start, next_is_loop):
        pc = s
        used = False
        while pc <= e:
            i = self.code[pc]
            op = i & 0x3F
            if op in TEST_OPS and pc + 1 <= e and (self.code[pc + 1] & 0x3F) == O.OP_JMP:
                jmp = self.code[pc + 1]
                target = pc + 2 + O.get_sbx(jmp)
                return used | self._test(i, op, pc, indent, target, pc + 2)
            if op in TEST_OPS:
                return used | self._test(i, op, pc, indent, pc + 1, pc + 2)
            if op == O.OP_TFORLOOP:
                if pc + 1 <= e and (self.code[pc + 1] & 0x3F) == O.OP_JMP:
                    target = pc + 2 + O.get_sbx(self.code[pc + 1])
                    return used | self._tforloop(i, pc, indent, target, pc + 2)
                return used | self._tforloop(i, pc, indent, pc + 1, pc + 2)
            ended, u = self._instruction(i, op, pc, indent)
            used |= u
            if op == O.OP_CLOSURE:
                pc += self.p.protos[O.get_bx(i)].nups
            if op == O.OP_SETLIST and O.get_c(i) == 0:
                pc += 1
            pc += 1
            if ended:
                return used
        # Fell off the end of the block.
        if e + 1 < self.n:
            used |= self.goto(e + 1, indent, e)
        return used

    def _test(self, i, op, pc, indent, jump_target, skip_target):
        a, b, c = O.get_a(i), O.get_b(i), O.get_c(i)
        if op == O.OP_TEST:
            x = self.R(a)
            cond = f"{x} is None or {x} is False" if c == 0 else f"{x} is not None and {x} is not False"
            return self._branch(cond, jump_target, skip_target, indent, pc)
        if op == O.OP_TESTSET:
            x = self.R(b)
            cond = f"{x} is None or {x} is False" if c == 0 else f"{x} is not None and {x} is not False"
            self.known_float.discard(a)
            return self._branch(cond, jump_target, skip_target, indent, pc, [f"{self.R(a)} = {x}"])
        expr = self._compare(op, b, c)
        cond = expr if a else f"not ({expr})"
        return self._branch(cond, jump_target, skip_target, indent, pc)

    def _branch(self, cond, t_true, t_false, indent, pc, prefix=()):
        starts = self.unit_starts
        nxt = starts[self.cur_unit + 1] if self.cur_unit + 1 < len(starts) else None
        if t_true == nxt and not prefix and not self._is_loop_start(t_true):
            self.emit(indent, f"if not ({cond}):", pc)
            return self.goto(t_false, indent + 1, pc, fallthrough_ok=False)
        self.emit(indent, f"if {cond}:", pc)
        for stmt in prefix:
            self.emit(indent + 1, stmt, pc)
        used = self.goto(t_true, indent + 1, pc, fallthrough_ok=False)
        if t_false == nxt and not self._is_loop_start(t_false):
            return used
        self.emit(indent, "else:", pc)
        used |= self.goto(t_false, indent + 1, pc, fallthrough_ok=False)
        return used

    def _compare(self, op, b, c):
        x, y = self.RK(b), self.RK(c)
        if op == O.OP_EQ:
            kb, kc = self.kvalue(b), self.kvalue(c)
            if kc is not _REGISTER and kb is not _REGISTER:
                return f"EQ({x}, {y})"
            if kc is _REGISTER and kb is not _REGISTER:
                kb, kc, x, y = kc, kb, y, x
            if kc is not _REGISTER:
                if kc is None:
                    return f"{x} is None"
                if kc is True or kc is False:
                    return f"{x} is {kc!r}"
                if type(kc) is bytes:
                    return f"{x} == {y}"
                if type(kc) is float and kc == kc and kc not in (0.0, 1.0):
                    return f"{x} == {y}"
                if kb is not _REGISTER:
                    return f"EQ({x}, {y})"
                return f"({x} == {y} and type({x}) is float)"
            return (f"({x} == {y} if type({x}) is type({y}) and type({x}) is not Table "
                    f"and type({x}) is not USERDATA else EQ({x}, {y}))")
        sym = "<" if op == O.OP_LT else "<="
        helper = "LT" if op == O.OP_LT else "LE"
        fb, fc = self.is_float(b), self.is_float(c)
        if fb and fc:
            return f"{x} {sym} {y}"
        checks = []
        if not fb:
            checks.append(f"type({x}) is float")
        if not fc:
            checks.append(f"type({y}) is float")
        return f"({x} {sym} {y} if {' and '.join(checks)} else {helper}({x}, {y}))"

    def _tforloop(self, i, pc, indent, continue_target, exit_target):
        a, c = O.get_a(i), O.get_c(i)
        f, s, ctl = self.R(a), self.R(a + 1), self.R(a + 2)
        self.emit(indent, f"try: T = {f}({s}, {ctl})", pc)
        self.emit(indent, f"except TypeError as E: T = CALLFAIL(E, {f}, ({s}, {ctl}))", pc)
        self.emit(indent, "if T.__class__ is GEN: T = yield T", pc)
        self._assign_results(a + 3, c, indent, pc)
        v = self.R(a + 3)
        return self._branch(f"{v} is not None", continue_target, exit_target, indent, pc,
                            [f"{self.R(a + 2)} = {v}"])

    def _assign_results(self, a, n, indent, pc):
        for r in range(a, a + max(n, 0)):
            self.known_float.discard(r)
        if n == 1:
            self.emit(indent, f"{self.R(a)} = T[0] if T else None", pc)
        elif n > 1:
            targets = ", ".join(self.R(r) for r in range(a, a + n))
            self.emit(indent, f"{targets}, *_ = *T, {', '.join(['None'] * n)}", pc)

    def _multret_base(self, pc):
        """Register where the values ending at `top` start: the A of the preceding open call/vararg."""
        q = pc - 1
        while q >= 0:
            i = self.code[q]
            op = i & 0x3F
            if (op == O.OP_CALL and O.get_c(i) == 0) or (op == O.OP_VARARG and O.get_b(i) == 0):
                return O.get_a(i), ("T" if op == O.OP_CALL else "VA")
            if op == O.OP_TAILCALL:
                return O.get_a(i), "T"   # the RETURN after a tail call is never reached
            q -= 1
        raise TranslateError(b"bad multiple-results use in bytecode")

    def _values(self, first, count, pc):
        """Source for registers first..first+count-1, or (count < 0) first..top."""
        if count >= 0:
            return [self.R(r) for r in range(first, first + count)]
        base, var = self._multret_base(pc)
        return [self.R(r) for r in range(first, base)] + [f"*{var}"]

    def _tuple(self, items):
        if not items:
            return "()"
        return "(" + ", ".join(items) + ",)"

    def _instruction(self, i, op, pc, indent):
        """Emit one instruction; returns (ends block, used continue)."""
        a = O.get_a(i)
        b = O.get_b(i)
        c = O.get_c(i)
        R = self.R
        em = lambda text: self.emit(indent, text, pc)  # noqa: E731
        kf = self.known_float
        if op == O.OP_MOVE:
            em(f"{R(a)} = {R(b)}")
            if b in kf and a not in self.boxed:
                kf.add(a)
            else:
                kf.discard(a)
        elif op == O.OP_LOADK:
            bx = O.get_bx(i)
            em(f"{R(a)} = {self.K(bx)}")
            if type(self.p.constants[bx]) is float and a not in self.boxed:
                kf.add(a)
            else:
                kf.discard(a)
        elif op == O.OP_LOADBOOL:
            em(f"{R(a)} = {bool(b)!r}")
            kf.discard(a)
            if c:
                return True, self.goto(pc + 2, indent, pc, fallthrough_ok=False)
        elif op == O.OP_LOADNIL:
            em(" = ".join(R(r) for r in range(a, b + 1)) + " = None")
            for r in range(a, b + 1):
                kf.discard(r)
        elif op == O.OP_GETUPVAL:
            em(f"{R(a)} = U{b}.v")
            kf.discard(a)
        elif op == O.OP_GETGLOBAL:
            em(f"{R(a)} = ENV[{self.K(O.get_bx(i))}]")
            kf.discard(a)
        elif op == O.OP_GETTABLE:
            kf.discard(a)
            self._gettable(R(a), R(b), c, em)
        elif op == O.OP_SETGLOBAL:
            k = self.K(O.get_bx(i))
            em(f"if {R(a)} is not None and ENV.meta is None: ENV[{k}] = {R(a)}")
            em(f"else: SETG(ENV, {k}, {R(a)})")
        elif op == O.OP_SETUPVAL:
            em(f"U{b}.v = {R(a)}")
        elif op == O.OP_SETTABLE:
            self._settable(a, b, c, em)
        elif op == O.OP_NEWTABLE:
            hint = (O.fb_to_int(b), O.fb_to_int(c))
            em(f"{R(a)} = Table({hint!r})" if hint != (0, 0) else f"{R(a)} = Table()")
            kf.discard(a)
        elif op == O.OP_SELF:
            em(f"S = {R(b)}")
            em(f"{R(a + 1)} = S")
            self._gettable(R(a), "S", c, em)
            kf.discard(a)
            kf.discard(a + 1)
        elif op in _ARITH:
            self._arith(op, a, b, c, em)
        elif op == O.OP_MOD or op == O.OP_POW:
            x, y = self.RK(b), self.RK(c)
            if op == O.OP_POW and self.kvalue(c) == 2.0 and type(self.kvalue(c)) is float:
                if self.is_float(b):
                    em(f"{R(a)} = {x} * {x}")
                else:
                    em(f"{R(a)} = {x} * {x} if type({x}) is float else POW({x}, {y})")
            else:
                em(f"{R(a)} = {_ARITH_HELPER[op]}({x}, {y})")
            kf.discard(a)
        elif op == O.OP_UNM:
            if b in kf:
                em(f"{R(a)} = -{R(b)}")
                if a not in self.boxed:
                    kf.add(a)
            else:
                em(f"{R(a)} = -{R(b)} if type({R(b)}) is float else UNM({R(b)})")
                kf.discard(a)
        elif op == O.OP_NOT:
            em(f"{R(a)} = {R(b)} is None or {R(b)} is False")
            kf.discard(a)
        elif op == O.OP_LEN:
            x = R(b)
            em(f"{R(a)} = float(len({x})) if type({x}) is bytes else ({x}.length() if type({x}) is Table else LEN({x}))")
            kf.discard(a)
        elif op == O.OP_CONCAT:
            if c == b + 1:
                x, y = R(b), R(c)
                em(f"{R(a)} = {x} + {y} if type({x}) is bytes and type({y}) is bytes else CONCAT({b}, {x}, {y})")
            else:
                em(f"{R(a)} = CONCAT({b}, {', '.join(R(r) for r in range(b, c + 1))})")
            kf.discard(a)
        elif op == O.OP_JMP:
            return True, self.goto(pc + 1 + O.get_sbx(i), indent, pc, fallthrough_ok=True)
        elif op == O.OP_CALL:
            self._call(a, b, c, pc, em)
        elif op == O.OP_TAILCALL:
            args = self._values(a + 1, b - 1, pc)
            f = R(a)
            em(f"try: T = {f}({', '.join(args)})")
            em(f"except TypeError as E: T = CALLFAIL(E, {f}, {self._tuple(args)})")
            em("yield TailCall(T) if T.__class__ is GEN else T")
            em("return")
            return True, False
        elif op == O.OP_RETURN:
            self._return(self._tuple(self._values(a, b - 1, pc)), indent, pc)
            return True, False
        elif op == O.OP_FORLOOP:
            ra, rl, rs = R(a), R(a + 1), R(a + 2)
            em(f"{ra} += {rs}")
            cond = f"({ra} <= {rl}) if 0.0 < {rs} else ({rl} <= {ra})"
            return True, self._branch(cond, pc + 1 + O.get_sbx(i), pc + 1, indent, pc,
                                      [f"{R(a + 3)} = {ra}"])
        elif op == O.OP_FORPREP:
            ra, rl, rs = R(a), R(a + 1), R(a + 2)
            em(f"if type({ra}) is not float or type({rl}) is not float or type({rs}) is not float: "
               f"{ra}, {rl}, {rs} = FORPREP({ra}, {rl}, {rs})")
            em(f"{ra} -= {rs}")
            return True, self.goto(pc + 1 + O.get_sbx(i), indent, pc, fallthrough_ok=False)
        elif op == O.OP_SETLIST:
            if c == 0:
                c = self.code[pc + 1] if pc + 1 < self.n else 0
            start = (c - 1) * FIELDS_PER_FLUSH + 1
            vals = self._values(a + 1, b if b else -1, pc)
            em(f"SETLIST({R(a)}, {start}, {self._tuple(vals)})")
        elif op == O.OP_CLOSE:
            for r in sorted(self.boxed):
                if r >= a:
                    em(f"r{r} = Cell(r{r}.v)")
        elif op == O.OP_CLOSURE:
            bx = O.get_bx(i)
            child = self.p.protos[bx]
            cells = ["ENV"]
            for j in range(1, child.nups + 1):
                ins = self.code[pc + j]
                if ins & 0x3F == O.OP_MOVE:
                    cells.append(f"r{O.get_b(ins)}")
                else:
                    cells.append(f"U{O.get_b(ins)}")
            em(f"{R(a)} = F{child._py_index}({', '.join(cells)})")
            kf.discard(a)
        elif op == O.OP_VARARG:
            if b == 0:
                pass  # consumers read VA directly
            else:
                for r in range(a, a + b - 1):
                    kf.discard(r)
                if b == 2:
                    em(f"{R(a)} = VA[0] if VA else None")
                elif b > 2:
                    targets = ", ".join(R(r) for r in range(a, a + b - 1))
                    em(f"{targets}, *_ = *VA, {', '.join(['None'] * (b - 1))}")
        else:
            raise TranslateError(b"bad opcode %d in bytecode" % op)
        return False, False

    def _gettable(self, dest, obj, c, em):
        kv = self.kvalue(c)
        if kv is _REGISTER:
            key = self.R(c)
            if c in self.known_float:
                em(f"{dest} = {obj}[{key}] if type({obj}) is Table else INDEX({obj}, {key})")
            else:
                em(f"{dest} = {obj}[{key}] if type({obj}) is Table and type({key}) is not bool else INDEX({obj}, {key})")
        elif type(kv) is bytes or (type(kv) is float and kv == kv):
            key = self.K(O.index_k(c))
            em(f"{dest} = {obj}[{key}] if type({obj}) is Table else INDEX({obj}, {key})")
        else:
            em(f"{dest} = INDEX({obj}, {self.RK(c)})")

    def _settable(self, a, b, c, em):
        t = self.R(a)
        key = self.RK(b)
        val = self.RK(c)
        kb, kc = self.kvalue(b), self.kvalue(c)
        conds = [f"type({t}) is Table", f"({t}.meta is None or b'__newindex' not in {t}.meta)"]
        if kc is _REGISTER:
            conds.append(f"{val} is not None")
        elif kc is None:
            em(f"SETINDEX({t}, {key}, None)")
            return
        if kb is _REGISTER:
            if b in self.known_float:
                conds.append(f"{key} == {key}")
            else:
                conds.append(f"(type({key}) is bytes or type({key}) is float and {key} == {key})")
        elif not (type(kb) is bytes or (type(kb) is float and kb == kb)):
            em(f"SETINDEX({t}, {key}, {val})")
            return
        em(f"if {' and '.join(conds)}: {t}[{key}] = {val}")
        em(f"else: SETINDEX({t}, {key}, {val})")

    def _arith(self, op, a, b, c, em):
        x, y = self.RK(b), self.RK(c)
        sym = _ARITH[op]
        helper = _ARITH_HELPER[op]
        fb, fc = self.is_float(b), self.is_float(c)
        dest = self.R(a)
        kc = self.kvalue(c)
        nonzero_const = type(kc) is float and kc != 0
        if fb and fc and (op != O.OP_DIV or nonzero_const):
            em(f"{dest} = {x} {sym} {y}")
            if a not in self.boxed:
                self.known_float.add(a)
            else:
                self.known_float.discard(a)
            return
        checks = []
        if not fb:
            checks.append(f"type({x}) is float")
        if not fc:
            checks.append(f"type({y}) is float")
        if op == O.OP_DIV and not nonzero_const:
            checks.append(f"{y}")
        em(f"{dest} = {x} {sym} {y} if {' and '.join(checks)} else {helper}({x}, {y})")
        self.known_float.discard(a)

    def _call(self, a, b, c, pc, em):
        f = self.R(a)
        args = self._values(a + 1, b - 1, pc)
        arglist = ", ".join(args)
        em(f"try: T = {f}({arglist})")
        em(f"except TypeError as E: T = CALLFAIL(E, {f}, {self._tuple(args)})")
        em("if T.__class__ is GEN: T = yield T")
        if c >= 2:
            self._assign_results(a, c - 1, self.cur_indent_for(em), pc)
        for r in list(self.known_float):
            if r >= a:
                self.known_float.discard(r)

    def cur_indent_for(self, em):
        return self.lines[-1][0]


_REGISTER = object()
