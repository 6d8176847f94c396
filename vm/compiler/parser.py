"""Recursive-descent parser for Lua 5.1 that generates code as it goes (counterpart of lparser.c).

There is no syntax tree: each grammar rule calls the code generator (code.py) at the same
moments as the reference parser does, so registers, constants, jumps and line numbers come out
exactly as luac's. Expression rules live in the `ExpressionRules` mixin (parser_expressions.py);
this module has the token cursor, error reporting, scopes and variables, function bodies and
the statements.

Token cursor: `tok`/`val` are the current token's kind and value, `line` is the line the
lexer stands on (the end of the furthest token read) and `lastline` the line of the token
consumed last, which is what instructions are tagged with.
"""

from __future__ import annotations

from vm.bytecode.opcodes import (
    NO_JUMP, OP_CLOSE, OP_CLOSURE, OP_FORLOOP, OP_FORPREP, OP_GETUPVAL, OP_LOADK,
    OP_MOVE, OP_TAILCALL, OP_TFORLOOP,
)
from vm.bytecode.proto import VARARG_HASARG, VARARG_ISVARARG, VARARG_NEEDSARG, LocVar, Proto
from vm.compiler.code import (
    LUA_MULTRET, VCALL, VFALSE, VGLOBAL, VINDEXED, VLOCAL, VNIL, VNONRELOC, VRELOCABLE, VUPVAL,
    VVARARG, VVOID, BlockCnt, ExpDesc, FuncState,
)
from vm.compiler.lexer import (
    TK_EOS, TK_ERROR, TK_NAME, TK_NUMBER, TK_STRING, make_error, token_text, token_to_str,
    tokenize,
)
from vm.compiler.parser_expressions import LUAI_MAXCCALLS, ExpressionRules
from vm.errors import LuaSyntaxError

LUAI_MAXVARS = 200         # active local variables per function
LUAI_MAXUPVALUES = 60      # upvalues per function
MAX_LOCVAR_RECORDS = 32767   # debug records of locals per function (SHRT_MAX)
MAX_PROTOS = 262143          # nested functions per function (MAXARG_Bx)

_BLOCK_FOLLOW = frozenset(("else", "elseif", "end", "until", TK_EOS))


class Parser(ExpressionRules):
    """Parses one chunk and builds its main Proto."""
    __slots__ = ("src", "source", "integer", "kinds", "values", "lines", "starts", "i",
                 "la_index", "tok", "val", "line", "lastline", "fs", "ncalls")

    def __init__(self, src: bytes, chunkname: bytes, integer: bool):
        self.src = src
        self.source = chunkname
        self.integer = integer
        self.kinds, self.values, self.lines, self.starts = tokenize(src, integer)
        self.i = -1
        self.la_index = -1
        self.tok = None
        self.val = None
        self.line = 1
        self.lastline = 1
        self.fs = None
        self.ncalls = 1        # luac's own call into the parser counts as one level

    # ----- token cursor ---------------------------------------------------------

    def next(self) -> None:
        self.lastline = self.line
        i = self.i + 1
        self.i = i
        self.tok = self.kinds[i]
        self.val = self.values[i]
        self.line = self.lines[i]

    def lookahead(self) -> str:
        i = self.i + 1
        self.la_index = i
        self.line = self.lines[i]
        return self.kinds[i]

    def testnext(self, c: str) -> bool:
        if self.tok == c:
            self.next()
            return True
        return False

    def check(self, c: str) -> None:
        if self.tok != c:
            self.error_expected(c)

    def checknext(self, c: str) -> None:
        if self.tok != c:
            self.error_expected(c)
        self.next()

    def check_match(self, what: str, who: str, where: int) -> None:
        if self.tok == what:
            self.next()
            return
        if where == self.line:
            self.error_expected(what)
        self.syntax_error(b"'%s' expected (to close '%s' at line %d)"
                          % (token_to_str(what), token_to_str(who), where))

    def str_checkname(self) -> bytes:
        if self.tok != TK_NAME:
            self.error_expected(TK_NAME)
        name = self.val
        self.next()
        return name

    # ----- errors -----------------------------------------------------------------

    def _pending_lex_error(self) -> None:
        """If the lexer has already hit an error, that error is what Lua reports."""
        furthest = self.i if self.i > self.la_index else self.la_index
        if furthest >= 0 and self.kinds[furthest] == TK_ERROR:
            line, msg, near = self.values[furthest]
            raise make_error(self.source, line, msg, near)

    def error_near(self, msg: bytes, token) -> None:
        """Raise `msg` at the current line, quoting `token` (luaX_lexerror); None: no quote."""
        self._pending_lex_error()
        near = None
        # Lua passes the token as a C int and treats 0 as "no token": a NUL byte is never quoted
        if token is not None and token != "\0":
            if token == TK_NAME or token == TK_STRING or token == TK_NUMBER:
                furthest = self.i if self.i > self.la_index else self.la_index
                near = token_text(self.src, self.kinds[furthest], self.values[furthest],
                                  self.starts.get(furthest))
            else:
                near = token_to_str(token)
        raise make_error(self.source, self.line, msg, near)

    def syntax_error(self, msg: bytes) -> None:
        self.error_near(msg, self.tok)

    def error_expected(self, token: str) -> None:
        self.syntax_error(b"'%s' expected" % token_to_str(token))

    def plain_error(self, msg: bytes) -> None:
        """An allocation-limit error: Lua raises these without a position."""
        self._pending_lex_error()
        raise LuaSyntaxError(msg)

    def error_limit(self, fs: FuncState, limit: int, what: bytes) -> None:
        if fs.f.linedefined == 0:
            msg = b"main function has more than %d %s" % (limit, what)
        else:
            msg = b"function at line %d has more than %d %s" % (fs.f.linedefined, limit, what)
        self.error_near(msg, None)

    def enter_level(self) -> None:
        self.ncalls += 1
        if self.ncalls > LUAI_MAXCCALLS:
            self.error_near(b"chunk has too many syntax levels", None)

    # ----- variables ----------------------------------------------------------------

    def new_localvar(self, name: bytes, n: int) -> None:
        fs = self.fs
        if fs.nactvar + n + 1 > LUAI_MAXVARS:
            self.error_limit(fs, LUAI_MAXVARS, b"local variables")
        if fs.nlocvars >= MAX_LOCVAR_RECORDS:
            self.plain_error(b"too many local variables")
        fs.f.locvars.append(LocVar(name, 0, 0))
        fs.actvar[fs.nactvar + n] = fs.nlocvars
        fs.nlocvars += 1

    def adjust_localvars(self, nvars: int) -> None:
        fs = self.fs
        nactvar = fs.nactvar + nvars
        fs.nactvar = nactvar
        locvars = fs.f.locvars
        actvar = fs.actvar
        pc = fs.pc
        for i in range(nactvar - nvars, nactvar):
            locvars[actvar[i]].startpc = pc

    def remove_vars(self, tolevel: int) -> None:
        fs = self.fs
        locvars = fs.f.locvars
        actvar = fs.actvar
        pc = fs.pc
        while fs.nactvar > tolevel:
            fs.nactvar -= 1
            locvars[actvar[fs.nactvar]].endpc = pc

    def index_upvalue(self, fs: FuncState, name: bytes, v: ExpDesc) -> int:
        key = (v.k, v.info)
        upvalues = fs.upvalues
        for i, desc in enumerate(upvalues):
            if desc == key:
                return i
        f = fs.f
        if f.nups + 1 > LUAI_MAXUPVALUES:
            self.error_limit(fs, LUAI_MAXUPVALUES, b"upvalues")
        f.upvalues.append(name)
        upvalues.append(key)
        f.nups += 1
        return f.nups - 1

    def single_var_aux(self, fs: FuncState, name: bytes, var: ExpDesc, base: bool) -> int:
        if fs is None:
            var.init(VGLOBAL, 0xFF)
            return VGLOBAL
        locvars = fs.f.locvars
        actvar = fs.actvar
        for v in range(fs.nactvar - 1, -1, -1):
            if locvars[actvar[v]].name == name:
                var.init(VLOCAL, v)
                if not base:
                    # the local is captured by an inner function: mark its block
                    bl = fs.bl
                    while bl is not None and bl.nactvar > v:
                        bl = bl.previous
                    if bl is not None:
                        bl.upval = True
                return VLOCAL
        if self.single_var_aux(fs.prev, name, var, False) == VGLOBAL:
            return VGLOBAL
        var.info = self.index_upvalue(fs, name, var)
        var.k = VUPVAL
        return VUPVAL

    def single_var(self, var: ExpDesc) -> None:
        if self.tok != TK_NAME:
            self.error_expected(TK_NAME)
        name = self.val
        self.next()
        fs = self.fs
        # the common case first: a local of the current function (no block marking needed)
        locvars = fs.f.locvars
        actvar = fs.actvar
        for v in range(fs.nactvar - 1, -1, -1):
            if locvars[actvar[v]].name == name:
                var.init(VLOCAL, v)
                return
        if fs.prev is None:
            var.init(VGLOBAL, fs.string_k(name))
        elif self.single_var_aux(fs, name, var, True) == VGLOBAL:
            var.info = fs.string_k(name)

    def adjust_assign(self, nvars: int, nexps: int, e: ExpDesc) -> None:
        fs = self.fs
        extra = nvars - nexps
        if e.k == VCALL or e.k == VVARARG:
            extra += 1              # the call itself provides one of them
            if extra < 0:
                extra = 0
            fs.set_returns(e, extra)
            if extra > 1:
                fs.reserve_regs(extra - 1)
        else:
            if e.k != VVOID:
                fs.exp2nextreg(e)
            if extra > 0:
                reg = fs.freereg
                fs.reserve_regs(extra)
                fs.nil(reg, extra)

    # ----- blocks and functions -------------------------------------------------------

    def enter_block(self, fs: FuncState, isbreakable: bool) -> BlockCnt:
        bl = BlockCnt(fs.bl, fs.nactvar, isbreakable)
        fs.bl = bl
        return bl

    def leave_block(self, fs: FuncState) -> None:
        bl = fs.bl
        fs.bl = bl.previous
        self.remove_vars(bl.nactvar)
        if bl.upval:
            fs.code_abc(OP_CLOSE, bl.nactvar, 0, 0)
        fs.freereg = fs.nactvar
        fs.patch_to_here(bl.breaklist)

    def open_func(self) -> FuncState:
        proto = Proto(source=self.source, maxstacksize=2)
        fs = FuncState(self, proto, self.fs, self.integer)
        fs.actvar = [0] * (LUAI_MAXVARS + 1)
        self.fs = fs
        return fs

    def close_func(self) -> Proto:
        fs = self.fs
        self.remove_vars(0)
        fs.ret(0, 0)
        self.fs = fs.prev
        return fs.f

    def push_closure(self, func: FuncState, v: ExpDesc) -> None:
        fs = self.fs
        if fs.np >= MAX_PROTOS:
            self.plain_error(b"constant table overflow")
        fs.f.protos.append(func.f)
        fs.np += 1
        v.init(VRELOCABLE, fs.code_abx(OP_CLOSURE, 0, fs.np - 1))
        for kind, info in func.upvalues:
            fs.code_abc(OP_MOVE if kind == VLOCAL else OP_GETUPVAL, 0, info, 0)

    def parlist(self) -> None:
        fs = self.fs
        f = fs.f
        nparams = 0
        f.is_vararg = 0
        if self.tok != ")":
            while True:
                if self.tok == TK_NAME:
                    self.new_localvar(self.str_checkname(), nparams)
                    nparams += 1
                elif self.tok == "...":
                    self.next()
                    # 5.1 compatibility: a vararg function also gets the 'arg' table
                    self.new_localvar(b"arg", nparams)
                    nparams += 1
                    f.is_vararg = VARARG_HASARG | VARARG_NEEDSARG | VARARG_ISVARARG
                else:
                    self.syntax_error(b"<name> or '...' expected")
                if f.is_vararg or not self.testnext(","):
                    break
        self.adjust_localvars(nparams)
        f.numparams = fs.nactvar - (f.is_vararg & VARARG_HASARG)
        fs.reserve_regs(fs.nactvar)

    def body(self, e: ExpDesc, needself: bool, line: int) -> None:
        new_fs = self.open_func()
        new_fs.f.linedefined = line
        self.checknext("(")
        if needself:
            self.new_localvar(b"self", 0)
            self.adjust_localvars(1)
        self.parlist()
        self.checknext(")")
        self.chunk()
        new_fs.f.lastlinedefined = self.line
        self.check_match("end", "function", line)
        self.close_func()
        self.push_closure(new_fs, e)

    def main_function(self) -> Proto:
        fs = self.open_func()
        fs.f.is_vararg = VARARG_ISVARARG
        self.next()
        self.chunk()
        self.check(TK_EOS)
        return self.close_func()

    # ----- statements -----------------------------------------------------------------

    def chunk(self) -> None:
        self.enter_level()
        islast = False
        while not islast and self.tok not in _BLOCK_FOLLOW:
            islast = self.statement()
            if self.tok == ";":
                self.next()
            fs = self.fs
            fs.freereg = fs.nactvar
        self.ncalls -= 1

    def block(self) -> None:
        fs = self.fs
        self.enter_block(fs, False)
        self.chunk()
        self.leave_block(fs)

    def statement(self) -> bool:
        line = self.line
        tok = self.tok
        if tok == "local":
            self.next()
            if self.testnext("function"):
                self.localfunc()
            else:
                self.localstat()
            return False
        if tok == "if":
            self.ifstat(line)
            return False
        if tok == "return":
            self.retstat()
            return True
        if tok == "for":
            self.forstat(line)
            return False
        if tok == "function":
            self.funcstat(line)
            return False
        if tok == "while":
            self.whilestat(line)
            return False
        if tok == "do":
            self.next()
            self.block()
            self.check_match("end", "do", line)
            return False
        if tok == "repeat":
            self.repeatstat(line)
            return False
        if tok == "break":
            self.next()
            self.breakstat()
            return True
        self.exprstat()
        return False

    def check_conflict(self, lh: list, v: ExpDesc) -> None:
        """In `a[i], i = ...` the table access must use i's old value: copy it first."""
        fs = self.fs
        extra = fs.freereg
        conflict = False
        reg = v.info
        for lv in lh:
            if lv.k == VINDEXED:
                if lv.info == reg:
                    conflict = True
                    lv.info = extra
                if lv.aux == reg:
                    conflict = True
                    lv.aux = extra
        if conflict:
            fs.code_abc(OP_MOVE, fs.freereg, reg, 0)
            fs.reserve_regs(1)

    def assignment(self, lh: list, nvars: int) -> None:
        """`lh` holds the targets read so far, the latest last."""
        target = lh[-1]
        if not VLOCAL <= target.k <= VINDEXED:
            self.syntax_error(b"syntax error")
        if self.testnext(","):
            nv = ExpDesc()
            self.primaryexp(nv)
            if nv.k == VLOCAL:
                self.check_conflict(lh, nv)
            if nvars > LUAI_MAXCCALLS - self.ncalls:
                self.error_limit(self.fs, LUAI_MAXCCALLS - self.ncalls, b"variables in assignment")
            lh.append(nv)
            self.assignment(lh, nvars + 1)
            lh.pop()
        else:
            self.checknext("=")
            e = ExpDesc()
            nexps = self.explist1(e)
            fs = self.fs
            if nexps != nvars:
                self.adjust_assign(nvars, nexps, e)
                if nexps > nvars:
                    fs.freereg -= nexps - nvars
            else:
                fs.set_one_ret(e)
                fs.store_var(target, e)
                return
        e = ExpDesc(VNONRELOC, self.fs.freereg - 1)
        self.fs.store_var(target, e)

    def cond(self) -> int:
        v = ExpDesc()
        self.expr(v)
        if v.k == VNIL:          # all false values test alike
            v.k = VFALSE
        self.fs.go_if_true(v)
        return v.f

    def breakstat(self) -> None:
        fs = self.fs
        bl = fs.bl
        upval = False
        while bl is not None and not bl.isbreakable:
            upval = upval or bl.upval
            bl = bl.previous
        if bl is None:
            self.syntax_error(b"no loop to break")
        if upval:
            fs.code_abc(OP_CLOSE, bl.nactvar, 0, 0)
        bl.breaklist = fs.concat(bl.breaklist, fs.jump())

    def whilestat(self, line: int) -> None:
        fs = self.fs
        self.next()
        whileinit = fs.get_label()
        condexit = self.cond()
        self.enter_block(fs, True)
        self.checknext("do")
        self.block()
        fs.patch_list(fs.jump(), whileinit)
        self.check_match("end", "while", line)
        self.leave_block(fs)
        fs.patch_to_here(condexit)

    def repeatstat(self, line: int) -> None:
        fs = self.fs
        repeat_init = fs.get_label()
        self.enter_block(fs, True)              # the loop
        scope = self.enter_block(fs, False)     # its body's locals, seen by the condition
        self.next()
        self.chunk()
        self.check_match("until", "repeat", line)
        condexit = self.cond()
        if not scope.upval:
            self.leave_block(fs)
            fs.patch_list(condexit, repeat_init)
        else:
            # locals captured by closures must be closed on every iteration
            self.breakstat()
            fs.patch_to_here(condexit)
            self.leave_block(fs)
            fs.patch_list(fs.jump(), repeat_init)
        self.leave_block(fs)

    def exp1(self) -> int:
        e = ExpDesc()
        self.expr(e)
        k = e.k
        self.fs.exp2nextreg(e)
        return k

    def forbody(self, base: int, line: int, nvars: int, isnum: bool) -> None:
        fs = self.fs
        self.adjust_localvars(3)                # the hidden control variables
        self.checknext("do")
        prep = fs.code_asbx(OP_FORPREP, base, NO_JUMP) if isnum else fs.jump()
        self.enter_block(fs, False)
        self.adjust_localvars(nvars)
        fs.reserve_regs(nvars)
        self.block()
        self.leave_block(fs)
        fs.patch_to_here(prep)
        if isnum:
            endfor = fs.code_asbx(OP_FORLOOP, base, NO_JUMP)
        else:
            endfor = fs.code_abc(OP_TFORLOOP, base, 0, nvars)
        fs.fix_line(line)                      # the loop instruction belongs to the 'for' line
        fs.patch_list(endfor if isnum else fs.jump(), prep + 1)

    def fornum(self, varname: bytes, line: int) -> None:
        fs = self.fs
        base = fs.freereg
        self.new_localvar(b"(for index)", 0)
        self.new_localvar(b"(for limit)", 1)
        self.new_localvar(b"(for step)", 2)
        self.new_localvar(varname, 3)
        self.checknext("=")
        self.exp1()
        self.checknext(",")
        self.exp1()
        if self.testnext(","):
            self.exp1()
        else:
            fs.code_abx(OP_LOADK, fs.freereg, fs.number_k(1 if self.integer else 1.0))
            fs.reserve_regs(1)
        self.forbody(base, line, 1, True)

    def forlist(self, indexname: bytes) -> None:
        fs = self.fs
        e = ExpDesc()
        base = fs.freereg
        self.new_localvar(b"(for generator)", 0)
        self.new_localvar(b"(for state)", 1)
        self.new_localvar(b"(for control)", 2)
        self.new_localvar(indexname, 3)
        nvars = 4
        while self.testnext(","):
            self.new_localvar(self.str_checkname(), nvars)
            nvars += 1
        self.checknext("in")
        line = self.line
        self.adjust_assign(3, self.explist1(e), e)
        fs.check_stack(3)                      # room to call the generator
        self.forbody(base, line, nvars - 3, False)

    def forstat(self, line: int) -> None:
        fs = self.fs
        self.enter_block(fs, True)
        self.next()
        varname = self.str_checkname()
        tok = self.tok
        if tok == "=":
            self.fornum(varname, line)
        elif tok == "," or tok == "in":
            self.forlist(varname)
        else:
            self.syntax_error(b"'=' or 'in' expected")
        self.check_match("end", "for", line)
        self.leave_block(fs)

    def test_then_block(self) -> int:
        self.next()
        condexit = self.cond()
        self.checknext("then")
        self.block()
        return condexit

    def ifstat(self, line: int) -> None:
        fs = self.fs
        escapelist = NO_JUMP
        flist = self.test_then_block()
        while self.tok == "elseif":
            escapelist = fs.concat(escapelist, fs.jump())
            fs.patch_to_here(flist)
            flist = self.test_then_block()
        if self.tok == "else":
            escapelist = fs.concat(escapelist, fs.jump())
            fs.patch_to_here(flist)
            self.next()             # after the patch, so the jump gets the right line
            self.block()
        else:
            escapelist = fs.concat(escapelist, flist)
        fs.patch_to_here(escapelist)
        self.check_match("end", "if", line)

    def localfunc(self) -> None:
        fs = self.fs
        v = ExpDesc()
        b = ExpDesc()
        self.new_localvar(self.str_checkname(), 0)
        v.init(VLOCAL, fs.freereg)
        fs.reserve_regs(1)
        self.adjust_localvars(1)
        self.body(b, False, self.line)
        fs.store_var(v, b)
        # the variable's debug range starts after the closure is stored
        fs.f.locvars[fs.actvar[fs.nactvar - 1]].startpc = fs.pc

    def localstat(self) -> None:
        nvars = 0
        while True:
            self.new_localvar(self.str_checkname(), nvars)
            nvars += 1
            if not self.testnext(","):
                break
        e = ExpDesc()
        if self.testnext("="):
            nexps = self.explist1(e)
        else:
            nexps = 0
        self.adjust_assign(nvars, nexps, e)
        self.adjust_localvars(nvars)

    def funcname(self, v: ExpDesc) -> bool:
        self.single_var(v)
        while self.tok == ".":
            self.field(v)
        if self.tok == ":":
            self.field(v)
            return True
        return False

    def funcstat(self, line: int) -> None:
        v = ExpDesc()
        b = ExpDesc()
        self.next()
        needself = self.funcname(v)
        self.body(b, needself, line)
        fs = self.fs
        fs.store_var(v, b)
        fs.fix_line(line)            # the assignment happens on the 'function' line

    def exprstat(self) -> None:
        fs = self.fs
        v = ExpDesc()
        self.primaryexp(v)
        if v.k == VCALL:
            # a call statement keeps no results
            i = fs.code[v.info]
            fs.code[v.info] = (i & ~(0x1FF << 14)) | (1 << 14)
        else:
            self.assignment([v], 1)

    def retstat(self) -> None:
        fs = self.fs
        e = ExpDesc()
        self.next()
        if self.tok in _BLOCK_FOLLOW or self.tok == ";":
            first = nret = 0
        else:
            nret = self.explist1(e)
            if e.k == VCALL or e.k == VVARARG:
                fs.set_returns(e, LUA_MULTRET)
                if e.k == VCALL and nret == 1:
                    i = fs.code[e.info]
                    fs.code[e.info] = (i & ~0x3F) | OP_TAILCALL
                first = fs.nactvar
                nret = LUA_MULTRET
            elif nret == 1:
                first = fs.exp2anyreg(e)
            else:
                fs.exp2nextreg(e)
                first = fs.nactvar
        fs.ret(first, nret)

