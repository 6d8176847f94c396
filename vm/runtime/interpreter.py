"""Runs a main chunk's bytecode directly instead of translating it first: the tier for run-once code (counterpart of lvm.c's luaV_execute, second tier).

Translating a Proto to Python and compiling that costs far more than running a chunk that
executes each instruction once or twice (a REPL line, a loadstring'd expression, a module's
top level that mostly defines functions). So a main chunk starts here:

* `interpreted_function(proto, env)` makes the Lua function: a tiny stub compiled once per
  upvalue count and renamed `L<index>`, with the same closure layout (ENV, SELF, U0...) as a
  translated function, so everything that inspects Lua functions (getfenv, upvalues, debuginfo)
  sees an ordinary Lua function. Calling the stub returns the activation: a generator running
  `_interpret`, driven by vm.runtime.calls like a translated activation; its calls are yields
  too. debuginfo reads the current pc and registers from that generator's frame.
* A loop that runs `OSR_JUMPS` backward jumps is handed to translated code in the middle
  (on-stack replacement): the translator writes a variant taking pc and the registers as
  arguments, entered at the loop head; the interpreted activation yields `Handoff(new)` and the
  driver puts the translated activation in its place. A function called a second time has its
  stub's code replaced by the translated code (the closures line up: ENV, the self reference,
  U0...), so later calls of that function object run at full speed.
* Functions made by CLOSURE here are stubs too until their proto is translated, so a module
  that defines forty functions and calls two translates two.

Semantics are those of the translated code because both go through the same helpers of
vm.runtime.operations for everything but the plainest float and table cases.
"""

from __future__ import annotations

import weakref
from types import CellType, FunctionType, GeneratorType as GEN

from vm.bytecode import opcodes as O
from vm.runtime import operations as ops
from vm.runtime.debuginfo import GEN_GLOBALS, INTERPRETER_CODES, ProtoInfo, proto_info_of_code, register_proto_info
from vm.runtime.hooks import interpreter_step
from vm.runtime.flow import boxed_registers
from vm.runtime.generated_support import _for_prepare, _set_list, _vararg_table
from vm.runtime.table import Table
from vm.runtime.values import Cell, Handoff, TailCall, Userdata

OSR_JUMPS = 64          # backward jumps before a running loop moves to translated code
PROMOTE_AFTER = 1       # calls interpreted before a function is translated
FIELDS_PER_FLUSH = 50
_STUBS: dict = {}       # upvalue count -> template code object of the stub


def _stub_template(nups: int):
    code = _STUBS.get(nups)
    if code is None:
        ups = "".join(f", U{i}" for i in range(nups))
        src = (f"def _T(ENV, SELF{ups}):\n"
               f"    def L(*VA):\n"
               f"        if 0: ENV, SELF{ups}\n"
               f"        return INTERPRET(SELF, VA)\n"
               f"    return L\n")
        outer = compile(src, "<lua stub>", "exec")
        code = next(c for c in outer.co_consts if hasattr(c, "co_name") and c.co_name == "_T")
        code = next(c for c in code.co_consts if hasattr(c, "co_name") and c.co_name == "L")
        _STUBS[nups] = code
    return code


def interpreted_function(proto, env, upcells=()):
    """A Lua function for `proto` that interprets its bytecode (see the module docstring)."""
    info = getattr(proto, "_interp_info", None)
    if info is None:
        info = register_proto_info(lambda index: ProtoInfo(proto, None, index))
        proto._interp_info = info
    code = info.stub_code() if info.stub_code is not None else None
    if code is None:
        template = _stub_template(proto.nups)
        name = f"L{info.index}"
        # The info rides in the constants: it lives exactly as long as some stub of this proto
        # (code objects are not collected through cycles, hence the weak link back).
        code = template.replace(co_name=name, co_qualname=name, co_consts=template.co_consts + (info,))
        info.stub_code = weakref.ref(code)
    name = code.co_name
    self_cell = CellType()
    values = {"ENV": CellType(env), "SELF": self_cell}
    for i in range(proto.nups):
        values[f"U{i}"] = CellType(upcells[i] if i < len(upcells) else Cell())
    fn = FunctionType(code, GEN_GLOBALS, name, None, tuple(values[n] for n in code.co_freevars))
    self_cell.cell_contents = fn
    return fn


def _closure_cells(fn) -> dict:
    return dict(zip(fn.__code__.co_freevars, fn.__closure__))


def _function_with_cells(code, cells: dict):
    """A function for translated `code` sharing the stub's cells (its self reference is the stub)."""
    closure = tuple(cells["SELF"] if n[:1] == "L" else cells[n] for n in code.co_freevars)
    return FunctionType(code, GEN_GLOBALS, code.co_name, None, closure)


def _promote(fn, proto) -> bool:
    """Swap the stub's code for the translated function's: their closures line up (ENV, the
    self reference, U0...), so the same function object now runs at full speed."""
    from vm.runtime.tiers import lua_function_code  # noqa: PLC0415
    code = lua_function_code(proto)
    mine = fn.__code__.co_freevars
    theirs = code.co_freevars
    if len(mine) != len(theirs) or any(
            a != b and not (a == "SELF" and b[:1] == "L") for a, b in zip(mine, theirs)):
        return False
    fn.__code__ = code
    fn.__defaults__ = (None,) * proto.numparams or None
    return True


def _interpret(fn, args):
    """The activation of the stub `fn` called with `args`: a generator run by the call driver."""
    info = proto_info_of_code(fn.__code__)
    p = info.proto
    cells = _closure_cells(fn)
    env_cell = cells["ENV"]
    ups = [cells[f"U{i}"].cell_contents for i in range(p.nups)]
    calls_so_far = getattr(p, "_interp_calls", 0) + 1
    p._interp_calls = calls_so_far
    handed_off = False      # read by vm.runtime.hooks: the call continues in translated code
    if calls_so_far > PROMOTE_AFTER:
        # Called again: translate, and make this function object run the translated code.
        handed_off = True
        if _promote(fn, p):
            result = fn(*args)
        else:
            from vm.runtime.tiers import factory_of  # noqa: PLC0415
            result = factory_of(p)(env_cell.cell_contents, *ups)(*args)
        if result.__class__ is GEN:
            yield Handoff(result)
        else:
            handed_off = False  # a leaf ran to its end inside this activation
            yield result
        return
    code = p.code
    consts = [float(k) if type(k) is int else k for k in p.constants]
    boxed = boxed_registers(p)
    nregs = register_count(p)
    R = [None] * nregs
    nparams = p.numparams
    for r in range(min(nparams, len(args))):
        R[r] = args[r]
    VA = tuple(args[nparams:])
    first = nparams
    if p.is_vararg & 4:
        R[first] = _vararg_table(VA)
        first += 1
    for r in boxed:
        R[r] = Cell(R[r])
    T = ()          # values of the last open call or vararg, which run from register tbase
    tbase = 0
    back_jumps = 0
    pc = 0
    INDEX = ops.index
    SETINDEX = ops.setindex

    def rd(r):
        return R[r].v if r in boxed else R[r]

    def rk(x):
        return consts[x - 256] if x >= 256 else (R[x].v if x in boxed else R[x])

    def wr(r, v):
        if r in boxed:
            R[r].v = v
        else:
            R[r] = v

    def results(res, a, c):
        if c >= 2:
            n = c - 1
            for j in range(n):
                wr(a + j, res[j] if j < len(res) else None)

    def multret_args(start):
        return [rd(r) for r in range(start, tbase)] + list(T)

    G = GEN_GLOBALS
    last_pc = [-1]
    while True:
        if G["HOOK"]:
            interpreter_step(p, pc, last_pc)
        i = code[pc]
        op = i & 0x3F
        a = (i >> 6) & 0xFF
        if op == O.OP_MOVE:
            wr(a, rd(O.get_b(i)))
        elif op == O.OP_LOADK:
            wr(a, consts[O.get_bx(i)])
        elif op == O.OP_LOADBOOL:
            wr(a, bool(O.get_b(i)))
            if O.get_c(i):
                pc += 1
        elif op == O.OP_LOADNIL:
            for r in range(a, O.get_b(i) + 1):
                wr(r, None)
        elif op == O.OP_GETUPVAL:
            wr(a, ups[O.get_b(i)].v)
        elif op == O.OP_GETGLOBAL:
            wr(a, env_cell.cell_contents[consts[O.get_bx(i)]])
        elif op == O.OP_GETTABLE:
            o, k = rd(O.get_b(i)), rk(O.get_c(i))
            wr(a, o[k] if type(o) is Table and type(k) is not bool else INDEX(o, k, "B"))
        elif op == O.OP_SETGLOBAL:
            env, k, v = env_cell.cell_contents, consts[O.get_bx(i)], rd(a)
            if v is not None and env.meta is None:
                env[k] = v
            else:
                SETINDEX(env, k, v, None)
        elif op == O.OP_SETUPVAL:
            ups[O.get_b(i)].v = rd(a)
        elif op == O.OP_SETTABLE:
            SETINDEX(rd(a), rk(O.get_b(i)), rk(O.get_c(i)), "A")
        elif op == O.OP_NEWTABLE:
            hint = (O.fb_to_int(O.get_b(i)), O.fb_to_int(O.get_c(i)))
            wr(a, Table(hint if hint != (0, 0) else None))
        elif op == O.OP_SELF:
            o = rd(O.get_b(i))
            wr(a + 1, o)
            k = rk(O.get_c(i))
            wr(a, o[k] if type(o) is Table and type(k) is not bool else INDEX(o, k, "B"))
        elif O.OP_ADD <= op <= O.OP_POW:
            wr(a, _ARITH[op](rk(O.get_b(i)), rk(O.get_c(i))))
        elif op == O.OP_UNM:
            x = rd(O.get_b(i))
            wr(a, -x if type(x) is float else ops.arith_unm(x))
        elif op == O.OP_NOT:
            x = rd(O.get_b(i))
            wr(a, x is None or x is False)
        elif op == O.OP_LEN:
            x = rd(O.get_b(i))
            wr(a, float(len(x)) if type(x) is bytes else (x.length() if type(x) is Table else ops.length(x)))
        elif op == O.OP_CONCAT:
            b, c = O.get_b(i), O.get_c(i)
            wr(a, ops.concat(b, *[rd(r) for r in range(b, c + 1)]))
        elif op == O.OP_JMP:
            sbx = O.get_sbx(i)
            pc += sbx
            if sbx < 0:
                back_jumps += 1
                if back_jumps >= OSR_JUMPS:
                    break       # hot loop: continue in translated code (below)
        elif op == O.OP_EQ or op == O.OP_LT or op == O.OP_LE:
            x, y = rk(O.get_b(i)), rk(O.get_c(i))
            if op == O.OP_EQ:
                cond = ops.equal(x, y)
            elif op == O.OP_LT:
                cond = x < y if type(x) is float and type(y) is float else ops.less_than(x, y)
            else:
                cond = x <= y if type(x) is float and type(y) is float else ops.less_equal(x, y)
            if bool(cond) != bool(a):
                pc += 1
        elif op == O.OP_TEST:
            x = R[a].v if a in boxed else R[a]
            if (x is None or x is False) != (O.get_c(i) == 0):
                pc += 1
        elif op == O.OP_TESTSET:
            x = rd(O.get_b(i))
            if (x is None or x is False) == (O.get_c(i) == 0):
                wr(a, x)
            else:
                pc += 1
        elif op == O.OP_CALL:
            b, c = O.get_b(i), O.get_c(i)
            f = rd(a)
            fargs = [rd(r) for r in range(a + 1, a + b)] if b else multret_args(a + 1)
            res = _begin_call(f, fargs)
            if res.__class__ is GEN:
                res = yield res
            if c == 0:
                T, tbase = res, a
            else:
                results(res, a, c)
        elif op == O.OP_TAILCALL:
            b = O.get_b(i)
            f = rd(a)
            fargs = tuple([rd(r) for r in range(a + 1, a + b)] if b else multret_args(a + 1))
            res = _begin_call(f, fargs)
            yield TailCall(res) if res.__class__ is GEN else res
            return
        elif op == O.OP_RETURN:
            b = O.get_b(i)
            yield tuple([rd(r) for r in range(a, a + b - 1)] if b else multret_args(a))
            return
        elif op == O.OP_FORLOOP:
            step = rd(a + 2)
            x = rd(a) + step
            wr(a, x)
            limit = rd(a + 1)
            if (x <= limit) if 0.0 < step else (limit <= x):
                wr(a + 3, x)
                pc += O.get_sbx(i)
                back_jumps += 1
                if back_jumps >= OSR_JUMPS:
                    break       # hot loop: continue in translated code (below)
        elif op == O.OP_FORPREP:
            x, limit, step = rd(a), rd(a + 1), rd(a + 2)
            if type(x) is not float or type(limit) is not float or type(step) is not float:
                x, limit, step = _for_prepare(x, limit, step)
                wr(a + 1, limit)
                wr(a + 2, step)
            wr(a, x - step)
            pc += O.get_sbx(i)
        elif op == O.OP_TFORLOOP:
            c = O.get_c(i)
            f, fargs = rd(a), (rd(a + 1), rd(a + 2))
            res = _begin_call(f, fargs)
            if res.__class__ is GEN:
                res = yield res
            for j in range(c):
                wr(a + 3 + j, res[j] if j < len(res) else None)
            v = rd(a + 3)
            if v is not None:
                wr(a + 2, v)
            else:
                pc += 1
        elif op == O.OP_SETLIST:
            b, c = O.get_b(i), O.get_c(i)
            if c == 0:
                pc += 1
                c = code[pc]
            vals = [rd(r) for r in range(a + 1, a + 1 + b)] if b else multret_args(a + 1)
            _set_list(rd(a), (c - 1) * FIELDS_PER_FLUSH + 1, tuple(vals))
        elif op == O.OP_CLOSE:
            for r in boxed:
                if r >= a:
                    R[r] = Cell(R[r].v)
        elif op == O.OP_CLOSURE:
            child = p.protos[O.get_bx(i)]
            cl = []
            for j in range(child.nups):
                pc += 1
                ins = code[pc]
                cl.append(R[O.get_b(ins)] if ins & 0x3F == O.OP_MOVE else ups[O.get_b(ins)])
            factory = getattr(child, "_py_factory", None)
            if factory is not None:
                wr(a, factory(env_cell.cell_contents, *cl))
            else:
                wr(a, interpreted_function(child, env_cell.cell_contents, cl))
        elif op == O.OP_VARARG:
            b = O.get_b(i)
            if b == 0:
                T, tbase = VA, a
            else:
                for j in range(b - 1):
                    wr(a + j, VA[j] if j < len(VA) else None)
        else:
            ops.runerror(b"bad opcode %d in bytecode" % op)
        pc += 1
    # Left the dispatch loop at a backward jump to pc + 1: on-stack replacement.
    handed_off = True
    result = _enter_translated(fn, p, pc + 1, VA, R)
    if result.__class__ is GEN:
        yield Handoff(result)
    else:
        handed_off = False
        yield result


def _begin_call(f, fargs):
    """f(*fargs) with __call for non-functions: results, or the activation of a Lua function."""
    try:
        return f(*fargs)
    except TypeError as e:
        return ops.call_failed(e, f, fargs)


def _enter_translated(fn, proto, pc, VA, R):
    """On-stack replacement: the translated activation continuing this one at `pc` (a loop head)."""
    from vm.runtime.tiers import osr_code  # noqa: PLC0415
    code = osr_code(proto, register_count(proto))
    target = _function_with_cells(code, _closure_cells(fn))
    return target(pc, VA, *R)


def register_count(proto) -> int:
    """Registers of an interpreted activation (also the OSR entry's parameters)."""
    return max(proto.maxstacksize, proto.numparams + 1)


_ARITH = {O.OP_ADD: ops.arith_add, O.OP_SUB: ops.arith_sub, O.OP_MUL: ops.arith_mul,
          O.OP_DIV: ops.arith_div, O.OP_MOD: ops.arith_mod, O.OP_POW: ops.arith_pow}
GEN_GLOBALS["INTERPRET"] = _interpret
INTERPRETER_CODES.add(_interpret.__code__)
_ = Userdata
