"""Expression rules of the Lua 5.1 parser: operands, calls, table constructors, operator precedence (counterpart of the expression half of lparser.c).

A mixin of `Parser` (parser.py); it relies on the token cursor, the error helpers and the
variable lookup defined there.
"""

from __future__ import annotations

from vm.bytecode.opcodes import (
    LFIELDS_PER_FLUSH, MAXARG_B, OP_CALL, OP_NEWTABLE, OP_SETTABLE, OP_VARARG, int_to_fb,
)
from vm.bytecode.proto import VARARG_NEEDSARG
from vm.compiler.code import (
    LUA_MULTRET, OPR_ADD, OPR_AND, OPR_CONCAT, OPR_DIV, OPR_EQ, OPR_GE, OPR_GT, OPR_LE,
    OPR_LEN, OPR_LT, OPR_MINUS, OPR_MOD, OPR_MUL, OPR_NE, OPR_NOT, OPR_OR, OPR_POW, OPR_SUB,
    VCALL, VFALSE, VK, VKNUM, VNIL, VRELOCABLE, VTRUE, VVARARG, VVOID, ExpDesc,
)
from vm.compiler.lexer import TK_NAME, TK_NUMBER, TK_STRING

MAX_INT = 2147483645          # INT_MAX - 2, luac's bound on counts
LUAI_MAXCCALLS = 200          # nesting depth of syntactic levels
UNARY_PRIORITY = 8

_UNARY_OPS = {"not": OPR_NOT, "-": OPR_MINUS, "#": OPR_LEN}
_BINARY_OPS = {"+": OPR_ADD, "-": OPR_SUB, "*": OPR_MUL, "/": OPR_DIV, "%": OPR_MOD,
               "^": OPR_POW, "..": OPR_CONCAT, "~=": OPR_NE, "==": OPR_EQ, "<": OPR_LT,
               "<=": OPR_LE, ">": OPR_GT, ">=": OPR_GE, "and": OPR_AND, "or": OPR_OR}
# (left, right) binding power per binary operator, indexed by OPR_*
_PRIORITY = ((6, 6), (6, 6), (7, 7), (7, 7), (7, 7),     # + - * / %
             (10, 9), (5, 4),                            # ^ .. (right associative)
             (3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (3, 3),   # comparisons
             (2, 2), (1, 1))                             # and or
_LEFT_PRIORITY = tuple(left for left, _ in _PRIORITY)
_RIGHT_PRIORITY = tuple(right for _, right in _PRIORITY)




class _Constructor:
    """Progress of one table constructor."""
    __slots__ = ("v", "t", "nh", "na", "tostore")

    def __init__(self, t: ExpDesc):
        self.v = ExpDesc()      # the list item read last, not yet stored
        self.t = t              # the table
        self.nh = 0             # record fields
        self.na = 0             # list items
        self.tostore = 0        # list items waiting for a SETLIST


class ExpressionRules:
    """Expression half of the parser (mixed into `Parser`)."""
    __slots__ = ()

    def field(self, v: ExpDesc) -> None:
        """`.name` or `:name` after an expression."""
        fs = self.fs
        key = ExpDesc()
        fs.exp2anyreg(v)
        self.next()
        key.init(VK, fs.string_k(self.str_checkname()))
        fs.indexed(v, key)

    def yindex(self, v: ExpDesc) -> None:
        """`[ expr ]`"""
        self.next()
        self.expr(v)
        self.fs.exp2val(v)
        self.checknext("]")

    # ----- table constructors -------------------------------------------------------

    def recfield(self, cc: _Constructor) -> None:
        fs = self.fs
        reg = fs.freereg
        key = ExpDesc()
        val = ExpDesc()
        if self.tok == TK_NAME:
            if cc.nh > MAX_INT:
                self.error_limit(fs, MAX_INT, b"items in a constructor")
            key.init(VK, fs.string_k(self.str_checkname()))
        else:
            self.yindex(key)
        cc.nh += 1
        self.checknext("=")
        rkkey = fs.exp2rk(key)
        self.expr(val)
        fs.code_abc(OP_SETTABLE, cc.t.info, rkkey, fs.exp2rk(val))
        fs.freereg = reg

    def closelistfield(self, cc: _Constructor) -> None:
        if cc.v.k == VVOID:
            return
        fs = self.fs
        fs.exp2nextreg(cc.v)
        cc.v.k = VVOID
        if cc.tostore == LFIELDS_PER_FLUSH:
            fs.set_list(cc.t.info, cc.na, cc.tostore)
            cc.tostore = 0

    def lastlistfield(self, cc: _Constructor) -> None:
        if cc.tostore == 0:
            return
        fs = self.fs
        v = cc.v
        if v.k == VCALL or v.k == VVARARG:
            fs.set_returns(v, LUA_MULTRET)
            fs.set_list(cc.t.info, cc.na, LUA_MULTRET)
            cc.na -= 1        # the open item's count is not known
        else:
            if v.k != VVOID:
                fs.exp2nextreg(v)
            fs.set_list(cc.t.info, cc.na, cc.tostore)

    def listfield(self, cc: _Constructor) -> None:
        self.expr(cc.v)
        if cc.na > MAX_INT:
            self.error_limit(self.fs, MAX_INT, b"items in a constructor")
        cc.na += 1
        cc.tostore += 1

    def constructor(self, t: ExpDesc) -> None:
        fs = self.fs
        line = self.line
        pc = fs.code_abc(OP_NEWTABLE, 0, 0, 0)
        cc = _Constructor(t)
        t.init(VRELOCABLE, pc)
        fs.exp2nextreg(t)
        self.checknext("{")
        while True:
            tok = self.tok
            if tok == "}":
                break
            self.closelistfield(cc)
            if tok == TK_NAME:
                # `name = value` or an expression starting with a name?
                if self.lookahead() != "=":
                    self.listfield(cc)
                else:
                    self.recfield(cc)
            elif tok == "[":
                self.recfield(cc)
            else:
                self.listfield(cc)
            if not (self.testnext(",") or self.testnext(";")):
                break
        self.check_match("}", "{", line)
        self.lastlistfield(cc)
        code = fs.code
        i = code[pc] & ~((MAXARG_B << 23) | (0x1FF << 14))
        code[pc] = i | (int_to_fb(cc.na) << 23) | (int_to_fb(cc.nh) << 14)

    # ----- calls and operands ---------------------------------------------------------

    def explist1(self, v: ExpDesc) -> int:
        n = 1
        self.expr(v)
        while self.tok == ",":
            self.next()
            self.fs.exp2nextreg(v)
            self.expr(v)
            n += 1
        return n

    def funcargs(self, f: ExpDesc) -> None:
        fs = self.fs
        args = ExpDesc()
        line = self.line
        tok = self.tok
        if tok == "(":
            if line != self.lastline:
                self.syntax_error(b"ambiguous syntax (function call x new statement)")
            self.next()
            if self.tok == ")":
                args.k = VVOID
            else:
                self.explist1(args)
                fs.set_returns(args, LUA_MULTRET)
            self.check_match(")", "(", line)
        elif tok == "{":
            self.constructor(args)
        elif tok == TK_STRING:
            args.init(VK, fs.string_k(self.val))
            self.next()
        else:
            self.syntax_error(b"function arguments expected")
        base = f.info
        if args.k == VCALL or args.k == VVARARG:
            nparams = LUA_MULTRET
        else:
            if args.k != VVOID:
                fs.exp2nextreg(args)
            nparams = fs.freereg - (base + 1)
        f.init(VCALL, fs.code_abc(OP_CALL, base, nparams + 1, 2))
        fs.fix_line(line)
        fs.freereg = base + 1      # the call leaves one result (unless changed later)

    def prefixexp(self, v: ExpDesc) -> None:
        tok = self.tok
        if tok == TK_NAME:
            self.single_var(v)
        elif tok == "(":
            line = self.line
            self.next()
            self.expr(v)
            self.check_match(")", "(", line)
            self.fs.discharge_vars(v)
        else:
            self.syntax_error(b"unexpected symbol")

    def primaryexp(self, v: ExpDesc) -> None:
        fs = self.fs
        if self.tok == TK_NAME:
            self.single_var(v)
        else:
            self.prefixexp(v)
        while True:
            tok = self.tok
            if tok == ".":
                self.field(v)
            elif tok == "[":
                key = ExpDesc()
                fs.exp2anyreg(v)
                self.yindex(key)
                fs.indexed(v, key)
            elif tok == ":":
                key = ExpDesc()
                self.next()
                key.init(VK, fs.string_k(self.str_checkname()))
                fs.self_(v, key)
                self.funcargs(v)
            elif tok == "(" or tok == TK_STRING or tok == "{":
                fs.exp2nextreg(v)
                self.funcargs(v)
            else:
                return

    def simpleexp(self, v: ExpDesc) -> None:
        tok = self.tok
        if tok == TK_NUMBER:
            v.init(VKNUM, 0)
            v.nval = self.val
        elif tok == TK_STRING:
            v.init(VK, self.fs.string_k(self.val))
        elif tok == "nil":
            v.init(VNIL, 0)
        elif tok == "true":
            v.init(VTRUE, 0)
        elif tok == "false":
            v.init(VFALSE, 0)
        elif tok == "...":
            fs = self.fs
            f = fs.f
            if not f.is_vararg:
                self.syntax_error(b"cannot use '...' outside a vararg function")
            f.is_vararg &= ~VARARG_NEEDSARG      # `...` is used: no 'arg' table needed
            v.init(VVARARG, fs.code_abc(OP_VARARG, 0, 1, 0))
        elif tok == "{":
            self.constructor(v)
            return
        elif tok == "function":
            self.next()
            self.body(v, False, self.line)
            return
        else:
            self.primaryexp(v)
            return
        self.next()

    def subexpr(self, v: ExpDesc, limit: int) -> int:
        """Operand followed by binary operators binding tighter than `limit`; returns the first operator left over."""
        self.ncalls += 1
        if self.ncalls > LUAI_MAXCCALLS:
            self.error_near(b"chunk has too many syntax levels", None)
        uop = _UNARY_OPS.get(self.tok)
        if uop is not None:
            self.next()
            self.subexpr(v, UNARY_PRIORITY)
            self.fs.prefix(uop, v)
        else:
            self.simpleexp(v)
        op = _BINARY_OPS.get(self.tok)
        while op is not None and _LEFT_PRIORITY[op] > limit:
            v2 = ExpDesc()
            self.next()
            fs = self.fs
            fs.infix(op, v)
            nextop = self.subexpr(v2, _RIGHT_PRIORITY[op])
            fs.posfix(op, v, v2)
            op = nextop
        self.ncalls -= 1
        return op

    def expr(self, v: ExpDesc) -> None:
        self.subexpr(v, 0)
