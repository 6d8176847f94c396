"""Hypothesis strategy that writes random, syntactically valid Lua 5.1 programs aimed at the compiler's tricky corners."""

from __future__ import annotations

from hypothesis import strategies as st

LOCAL_NAMES = ("a", "b", "c", "i", "k", "v", "t", "x")
GLOBAL_NAMES = ("g", "h", "print", "t", "x", "math")
FIELD_NAMES = ("x", "y", "n", "f")
INTERESTING_NUMBERS = (
    "0", "1", "2", "3", "10", "255", "256", "0.5", "0.1", "1e308", "1e309", "1e-310", "5e-324",
    "9007199254740993", "1e15", "123456789012", "3.14159", "0x7fffffff", "0xffffffff", "0x10",
    "2.5e-3", "1E2", "0.0", "100000000000000", "4294967296",
)
BINARY_OPERATORS = ("+", "-", "*", "/", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=",
                    "and", "or")
STRING_ESCAPES = ("\\n", "\\t", "\\\\", "\\\"", "\\'", "\\a", "\\b", "\\f", "\\r", "\\v",
                  "\\000", "\\065", "\\255", "\\\n", "\\x", "\\128")


class _Function:
    """What the generator knows about the function it is writing into."""

    def __init__(self, vararg: bool):
        self.vararg = vararg
        self.blocks: list[list[str]] = [[]]
        self.loops = 0
        self.nlocals = 0


class ProgramWriter:
    def __init__(self, draw):
        self.draw = draw
        self.functions: list[_Function] = []
        self.budget = 0

    # ----- choices
    def int(self, low: int, high: int) -> int:
        return self.draw(st.integers(min_value=low, max_value=high))

    def pick(self, options):
        return options[self.int(0, len(options) - 1)]

    def chance(self, percent: int) -> bool:
        return self.int(0, 99) < percent

    # ----- names
    def visible_locals(self) -> list[str]:
        names = []
        for function in self.functions:
            for block in function.blocks:
                names.extend(block)
        return names

    def declare(self, names: list[str]) -> None:
        function = self.functions[-1]
        function.blocks[-1].extend(names)
        function.nlocals += len(names)

    def new_local(self) -> str:
        return self.pick(LOCAL_NAMES)

    def variable(self) -> str:
        names = self.visible_locals()
        if names and self.chance(70):
            return self.pick(names)
        return self.pick(GLOBAL_NAMES)

    # ----- expressions
    def number(self) -> str:
        kind = self.int(0, 3)
        if kind == 0:
            return self.pick(INTERESTING_NUMBERS)
        if kind == 1:
            return str(self.int(0, 300))
        if kind == 2:
            return repr(self.draw(st.floats(allow_nan=False, allow_infinity=False,
                                            min_value=0.0)))
        return str(self.int(0, 1 << 40))

    def string(self) -> str:
        if self.chance(10):
            level = "=" * self.int(0, 2)
            body = self.draw(st.text(alphabet="ab \n]=", max_size=12))
            if f"]{level}]" in body + "]":
                body = body.replace("]", "")
            return f"[{level}[{body}]{level}]"
        quote = self.pick(("'", '"'))
        parts = []
        for _ in range(self.int(0, 5)):
            if self.chance(30):
                escape = self.pick(STRING_ESCAPES)
                if escape == "\\x":
                    escape = f"\\{self.int(0, 255):03d}"   # 3 digits: a digit may follow
                parts.append(escape)
            else:
                parts.append(self.draw(st.text(alphabet="abcxyz 019_.%", max_size=4)))
        return quote + "".join(parts) + quote

    def leaf(self) -> str:
        kind = self.int(0, 9)
        if kind <= 2:
            return self.number()
        if kind == 3:
            return self.string()
        if kind == 4:
            return self.pick(("nil", "true", "false"))
        if kind == 5 and self.functions[-1].vararg:
            return "..."
        return self.variable()

    def expression(self, depth: int = 0) -> str:
        self.budget -= 1
        if depth >= 4 or self.budget <= 0:
            return self.leaf()
        kind = self.int(0, 15)
        if kind <= 3:
            return self.leaf()
        if kind <= 6:
            op = self.pick(BINARY_OPERATORS)
            left, right = self.expression(depth + 1), self.expression(depth + 1)
            gap = self.pick((" ", " ", " ", "\n", "\r\n  "))     # operands on later lines
            text = f"{left} {op}{gap}{right}"
            return f"({text})" if self.chance(50) else text
        if kind == 7:
            op = self.pick(("-", "not ", "#", "- -", "not not "))
            return f"{op}{self.operand(depth)}"
        if kind == 8:
            return self.call(depth)
        if kind == 9:
            return self.table(depth)
        if kind == 10:
            return f"{self.prefix(depth)}.{self.pick(FIELD_NAMES)}"
        if kind == 11:
            return f"{self.prefix(depth)}[ {self.expression(depth + 1)} ]"
        if kind == 12 and depth <= 2:
            return self.function_body("function", depth)
        if kind == 13:
            return f"({self.expression(depth + 1)})"
        if kind == 14:
            # Folding corner cases on constants.
            a, b = self.number(), self.number()
            return self.pick((f"-{a}", f"{a} / 0", f"-{a} % {b}", f"-(0)", f"0 / 0",
                              f"{a} ^ {b}", f"-({a} - {a})", f"{a} % 0", f"not {a}",
                              f"#{self.string()}", f"- -{a}", f"{a} * -{b}"))
        return self.variable()

    def operand(self, depth: int) -> str:
        value = self.expression(depth + 1)
        return value if value.replace("_", "").isalnum() else f"({value})"

    def prefix(self, depth: int) -> str:
        if depth < 3 and self.chance(20):
            return self.call(depth + 1)
        return self.variable()

    def arguments(self, depth: int) -> str:
        kind = self.int(0, 6)
        if kind == 0:
            return self.string()
        if kind == 1:
            return self.table(depth)
        separator = self.pick((", ", ", ", ",\n"))
        return "(" + separator.join(self.expression(depth + 1) for _ in range(self.int(0, 4))) + ")"

    def call(self, depth: int) -> str:
        if self.chance(30):
            return f"{self.prefix(depth)}:{self.pick(FIELD_NAMES)}{self.arguments(depth)}"
        return f"{self.prefix(depth)}{self.arguments(depth)}"

    def table(self, depth: int) -> str:
        if self.chance(8):
            # Past LFIELDS_PER_FLUSH, with hash items mixed in.
            items = [self.number() if self.chance(80) else f"{self.pick(FIELD_NAMES)} = 1"
                     for _ in range(self.int(45, 120))]
        else:
            items = []
            for _ in range(self.int(0, 6)):
                kind = self.int(0, 2)
                if kind == 0:
                    items.append(self.expression(depth + 1))
                elif kind == 1:
                    items.append(f"{self.pick(FIELD_NAMES)} = {self.expression(depth + 1)}")
                else:
                    items.append(f"[ {self.expression(depth + 1)} ] = {self.expression(depth + 1)}")
        if items and self.chance(30):
            items.append(self.pick(("...", "f()", "g(1, 2)", "t:m()"))
                         if self.functions[-1].vararg else self.pick(("f()", "t:m()")))
        separator = self.pick((", ", "; ", ",\n"))
        trailer = self.pick(("", ",", ";")) if items else ""
        return "{" + separator.join(items) + trailer + "}"

    def function_body(self, head: str, depth: int) -> str:
        params = []
        for _ in range(self.int(0, 3)):
            params.append(self.new_local())
        vararg = self.chance(35)
        plist = ", ".join(params + (["..."] if vararg else []))
        self.functions.append(_Function(vararg))
        self.declare(params)
        body = self.block(depth + 1)
        self.functions.pop()
        return f"{head}({plist})\n{body}\nend"

    # ----- statements
    def explist(self, n: int, depth: int) -> str:
        return ", ".join(self.expression(depth) for _ in range(n))

    def assignment_target(self, depth: int) -> str:
        kind = self.int(0, 3)
        if kind <= 1:
            return self.variable()
        if kind == 2:
            return f"{self.prefix(depth)}.{self.pick(FIELD_NAMES)}"
        return f"{self.prefix(depth)}[ {self.expression(depth + 1)} ]"

    def statement(self, depth: int) -> str:
        function = self.functions[-1]
        kind = self.int(0, 19)
        if kind <= 2:
            n = self.int(1, 4)
            names = [self.new_local() for _ in range(n)]
            values = self.explist(self.int(0, 4), depth) if self.chance(85) else ""
            self.declare(names)
            return f"local {', '.join(names)}" + (f" = {values}" if values else "")
        if kind <= 5:
            if self.chance(25):
                # Conflicts the code generator must resolve: a table and its key assigned too.
                names = self.visible_locals() or ["t"]
                a, i = self.pick(names), self.pick(names)
                return self.pick((f"{a}, {a}.x = {self.explist(2, depth)}",
                                  f"{a}[{i}], {i} = {self.explist(2, depth)}",
                                  f"{i}, {a}[{i}] = {self.explist(self.int(1, 3), depth)}",
                                  f"{a}.x, {a} = {a}, {a}.x"))
            targets = [self.assignment_target(depth) for _ in range(self.int(1, 3))]
            return f"{', '.join(targets)} = {self.explist(self.int(1, 4), depth)}"
        if kind <= 7:
            return self.call(depth)
        if depth >= 3:
            return f"{self.variable()} = {self.expression(depth)}"
        if kind == 8:
            return f"do\n{self.block(depth + 1)}\nend"
        if kind == 9:
            return f"while {self.expression(depth)} do\n{self.loop_block(depth)}\nend"
        if kind == 10:
            function.blocks.append([])
            function.loops += 1
            body = self.block_statements(depth + 1, loop=True)
            condition = self.expression(depth)        # sees the body's locals
            function.loops -= 1
            function.blocks.pop()
            return f"repeat\n{body}\nuntil {condition}"
        if kind == 11:
            start, stop = self.expression(depth), self.expression(depth)
            step = f", {self.expression(depth)}" if self.chance(40) else ""
            name = self.new_local()
            return f"for {name} = {start}, {stop}{step} do\n{self.loop_block(depth, [name])}\nend"
        if kind == 12:
            names = [self.new_local() for _ in range(self.int(1, 3))]
            source = self.pick((f"pairs({self.variable()})", f"ipairs({self.variable()})",
                                self.explist(self.int(1, 3), depth)))
            return (f"for {', '.join(names)} in {source} do\n"
                    f"{self.loop_block(depth, names)}\nend")
        if kind == 13:
            text = f"if {self.expression(depth)} then\n{self.block(depth + 1)}\n"
            for _ in range(self.int(0, 3)):
                text += f"elseif {self.expression(depth)} then\n{self.block(depth + 1)}\n"
            if self.chance(50):
                text += f"else\n{self.block(depth + 1)}\n"
            return text + "end"
        if kind == 14:
            name = self.new_local()
            self.declare([name])
            return self.function_body(f"local function {name}", depth)
        if kind == 15:
            path = self.pick(GLOBAL_NAMES) + "".join(f".{self.pick(FIELD_NAMES)}"
                                                     for _ in range(self.int(0, 2)))
            if self.chance(40):
                path += f":{self.pick(FIELD_NAMES)}"
            return self.function_body(f"function {path}", depth)
        if kind == 16:
            # Many locals in one function: registers past 200 slots of RK range.
            names = [f"m{n}" for n in range(self.int(20, 60))]
            values = ", ".join(self.number() for _ in range(self.int(0, len(names))))
            self.declare(names)
            return f"local {', '.join(names)}" + (f" = {values}" if values else "")
        if kind == 17:
            # Many constants: later constant operands no longer fit an RK field.
            items = [self.pick((f"{n}.5", f"'s{n}'", f"{n * 7 + 1000}"))
                     for n in range(self.int(120, 300))]
            return f"{self.variable()} = {{{', '.join(items)}}}"
        return f"{self.variable()} = {self.expression(depth)}"

    def loop_block(self, depth: int, names: list[str] | None = None) -> str:
        function = self.functions[-1]
        function.blocks.append(list(names or []))
        function.loops += 1
        body = self.block_statements(depth + 1, loop=True)
        function.loops -= 1
        function.blocks.pop()
        return body

    def block(self, depth: int) -> str:
        self.functions[-1].blocks.append([])
        body = self.block_statements(depth, loop=False)
        self.functions[-1].blocks.pop()
        return body

    def block_statements(self, depth: int, loop: bool) -> str:
        function = self.functions[-1]
        count = self.int(0, 6 if depth < 2 else 3)
        lines = [self.statement(depth) for _ in range(count)]
        ending = self.int(0, 9)
        if ending <= 1:
            lines.append("return " + self.explist(self.int(0, 3), depth))
        elif ending == 2 and function.loops:
            lines.append("break")
        separators = [self.pick((";\n", "\n", "; ", ";\n\n\n", ";\r\n", ";\n\r", ";\r"))
                      for _ in lines]
        return "".join(line + sep for line, sep in zip(lines, separators))

    def program(self) -> str:
        self.functions = [_Function(vararg=True)]
        self.budget = 400
        return self.block_statements(0, loop=False)


@st.composite
def lua_programs(draw) -> str:
    return ProgramWriter(draw).program()
