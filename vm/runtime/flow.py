"""Control flow of a Proto's bytecode for the two execution tiers: basic blocks, loop regions, captured registers.

The translator (vm.runtime.translator) lays each function out as nested Python loops: the
bytecode is cut into basic blocks, every range entered by a backward jump is a loop region,
and partially overlapping ranges are merged so that the regions nest. Both tiers also need to
know which registers closures capture (they live in Cell boxes).
"""

from __future__ import annotations

from vm.bytecode import opcodes as O

TEST_OPS = (O.OP_EQ, O.OP_LT, O.OP_LE, O.OP_TEST, O.OP_TESTSET)


def boxed_registers(proto) -> frozenset:
    """Registers some CLOSURE captures (through the MOVE pseudo-instructions that follow it)."""
    boxed = getattr(proto, "_boxed", None)
    if boxed is None:
        found = set()
        code = proto.code
        for pc, i in enumerate(code):
            if i & 0x3F == O.OP_CLOSURE:
                child = proto.protos[O.get_bx(i)]
                for j in range(1, child.nups + 1):
                    if pc + j < len(code) and code[pc + j] & 0x3F == O.OP_MOVE:
                        found.add(O.get_b(code[pc + j]))
        boxed = proto._boxed = frozenset(found)
    return boxed


class Region:
    """A pc range [start, end]: the whole function (root) or a loop, with the loops nested in it."""
    __slots__ = ("start", "end", "children", "is_loop")

    def __init__(self, start, end, is_loop):
        self.start, self.end, self.is_loop = start, end, is_loop
        self.children = []


class FlowGraph:
    """Blocks and loop regions of a proto: `jumps` (pc -> jump targets), `leaders` (block
    starts), `blocks` ((start, end) pairs), `block_of` (pc -> its block) and `root`."""

    def __init__(self, proto):
        self.p = proto
        self.code = proto.code
        self.n = len(proto.code)
        self._blocks()
        self._loops()

    def _successors(self, pc):
        """(jump targets, falls through?) of the instruction at pc, treating tests with their JMP."""
        i = self.code[pc]
        op = i & 0x3F
        if op == O.OP_JMP:
            return [pc + 1 + O.get_sbx(i)], False
        if op in TEST_OPS or op == O.OP_TFORLOOP:
            return [pc + 2], True
        if op == O.OP_LOADBOOL and O.get_c(i):
            return [pc + 2], False
        if op == O.OP_FORLOOP:
            return [pc + 1 + O.get_sbx(i)], True
        if op == O.OP_FORPREP:
            return [pc + 1 + O.get_sbx(i)], False
        if op in (O.OP_RETURN, O.OP_TAILCALL):
            return [], False
        return [], True

    def _blocks(self):
        n = self.n
        leaders = {0}
        self.jumps = {}
        pc = 0
        while pc < n:
            targets, falls = self._successors(pc)
            op = self.code[pc] & 0x3F
            for t in targets:
                if 0 <= t < n:
                    leaders.add(t)
            self.jumps[pc] = targets
            if (targets or not falls) and pc + 1 < n:
                leaders.add(pc + 1)
            # (a test's block continues into the JMP that follows it)
            if op == O.OP_CLOSURE:
                pc += self.p.protos[O.get_bx(self.code[pc])].nups
            elif op == O.OP_SETLIST and O.get_c(self.code[pc]) == 0:
                pc += 1
            pc += 1
        self.leaders = starts = sorted(t for t in leaders if t < n)
        self.blocks = [(s, (starts[k + 1] - 1 if k + 1 < len(starts) else n - 1))
                       for k, s in enumerate(starts)]
        self.block_of = {}
        for s, e in self.blocks:
            for q in range(s, e + 1):
                self.block_of[q] = (s, e)

    def _loops(self):
        # Loops: ranges [target, end of block holding the backward jump].
        loops = {}
        for pc, targets in self.jumps.items():
            for t in targets:
                if 0 <= t <= pc:
                    e = self.block_of[pc][1]
                    if loops.get(t, -1) < e:
                        loops[t] = e
        ranges = sorted(loops.items(), key=lambda r: (r[0], -r[1]))
        # Merge partially overlapping ranges so that they nest.
        changed = True
        while changed:
            changed = False
            for a in range(len(ranges)):
                for b in range(a + 1, len(ranges)):
                    s1, e1 = ranges[a]
                    s2, e2 = ranges[b]
                    if s1 < s2 <= e1 < e2 or (s1 == s2 and e1 != e2):
                        ranges[a] = (s1, max(e1, e2))
                        del ranges[b]
                        changed = True
                        break
                if changed:
                    break
        self.root = Region(0, self.n - 1, False)
        stack = [self.root]
        for s, e in sorted(ranges, key=lambda r: (r[0], -r[1])):
            while not (stack[-1].start <= s and e <= stack[-1].end):
                stack.pop()
            r = Region(s, e, True)
            stack[-1].children.append(r)
            stack.append(r)

    def exits(self, region):
        """Jump targets leaving `region` (plus end+1 if its last block can fall off)."""
        out = set()
        for pc, targets in self.jumps.items():
            if region.start <= pc <= region.end:
                for t in targets:
                    if not (region.start <= t <= region.end):
                        out.add(t)
        out.add(region.end + 1)
        return out
