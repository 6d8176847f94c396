"""vm.dump / vm.undump: byte-exact round trips of real luac5.1 chunks, NodeMCU format facts (spec §4), and rejection of bad chunks with Lua 5.1.5's own messages."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vm
from tests.oracles import (
    GOLDEN_DIR, LUAC51, lupa_lua51, needs_corpus, needs_luac51, needs_lupa, real_world_lua_files,
)
from tests.vm.compiler.support import luac51_message, run_luac51
from vm.bytecode.dump import DumpError
from vm.bytecode.lineinfo import unpack_lineinfo
from vm.bytecode.opcodes import OP_RETURN, create_abc
from vm.bytecode.proto import Proto

GOLDEN_CHUNKS = sorted(GOLDEN_DIR.glob("*.luac"))
STOCK_HEADER = bytes.fromhex("1b4c75615100010408040800")
NODEMCU_HEADER = bytes.fromhex("1b4c75615100010404040800")
NODEMCU_INT_HEADER = bytes.fromhex("1b4c75615100010404040401")


def chunkname_of(path: Path) -> bytes:
    return b"@" + path.name.encode()


@pytest.fixture(scope="module")
def corpus_chunks(tmp_path_factory):
    """luac5.1's output for the whole corpus in one run (combined), unstripped and stripped."""
    if not real_world_lua_files() or LUAC51 is None:
        pytest.skip("corpus or luac5.1 not installed")
    folder = tmp_path_factory.mktemp("corpus")
    files = [str(p) for p in real_world_lua_files()]
    chunks = {}
    for strip in (False, True):
        out = folder / f"all{'.s' if strip else ''}.luac"
        result = run_luac51([*(["-s"] if strip else []), "-o", str(out), *files])
        assert result.returncode == 0, result.stderr
        chunks[strip] = out.read_bytes()
    return chunks


# ----- round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", GOLDEN_CHUNKS, ids=[p.name for p in GOLDEN_CHUNKS])
def test_golden_round_trip(path):
    data = path.read_bytes()
    assert data[:12] == STOCK_HEADER
    proto = vm.undump(data, chunkname_of(path))
    stripped = path.name.endswith(".stripped.luac")
    assert vm.dump(proto, vm.STOCK, strip=stripped) == data
    if not stripped:
        assert vm.dump(proto) == data


@pytest.mark.parametrize("path", [p for p in GOLDEN_CHUNKS if ".stripped" not in p.name],
                         ids=lambda p: p.stem)
def test_golden_strip_equals_luac_s(path):
    """Dumping the unstripped golden with strip=True gives exactly luac5.1 -s's file."""
    proto = vm.undump(path.read_bytes(), chunkname_of(path))
    assert vm.dump(proto, vm.STOCK, strip=True) == path.with_suffix("").with_suffix(
        ".stripped.luac").read_bytes()


@needs_luac51
@needs_corpus
@pytest.mark.parametrize("strip", [False, True], ids=["debug", "stripped"])
def test_corpus_round_trip(corpus_chunks, strip):
    data = corpus_chunks[strip]
    proto = vm.undump(data, b"=(luac)")
    assert len(proto.protos) == len(real_world_lua_files())
    assert vm.dump(proto, vm.STOCK, strip=strip) == data
    if not strip:
        assert vm.dump(proto, vm.STOCK, strip=True) == corpus_chunks[True]


@needs_luac51
@needs_corpus
@pytest.mark.parametrize("fmt", [vm.NODEMCU, vm.STOCK], ids=["nodemcu", "stock"])
def test_corpus_through_other_format_and_back(corpus_chunks, fmt):
    proto = vm.undump(corpus_chunks[False], b"=(luac)")
    again = vm.undump(vm.dump(proto, fmt), b"=(luac)")
    assert again == proto
    assert vm.dump(again, vm.STOCK) == corpus_chunks[False]


# ----- NodeMCU format facts (spec §4) ------------------------------------------------------------

class NodeMCUWalker:
    """An independent reader of the NodeMCU layout that records where each part starts."""

    def __init__(self, data: bytes, number_size: int = 8):
        self.data = data
        self.pos = 12
        self.number_size = number_size
        self.code_offsets: list[int] = []
        self.line_offsets: list[int] = []
        self.packed_lines: list[bytes] = []
        self.string_lengths: list[int] = []

    def u32(self) -> int:
        value = struct.unpack_from("<I", self.data, self.pos)[0]
        self.pos += 4
        return value

    def pad(self) -> None:
        while self.pos % 4:
            assert self.data[self.pos] == 0, "padding must be zero bytes"
            self.pos += 1

    def string(self) -> None:
        size = self.u32()
        self.string_lengths.append(size)
        if size:
            assert self.data[self.pos + size - 1] == 0
        self.pos += size

    def function(self) -> None:
        slot = len(self.packed_lines)             # keep functions in parents-first order
        self.packed_lines.append(b"")
        self.string()
        self.pos += 4 + 4 + 4                    # linedefined, lastlinedefined, 4 bytes
        ncode = self.u32()
        self.pad()
        self.code_offsets.append(self.pos)
        self.pos += 4 * ncode
        for _ in range(self.u32()):
            kind = self.data[self.pos]
            self.pos += 1
            if kind == 1:
                self.pos += 1
            elif kind == 3:
                self.pos += self.number_size
            elif kind == 4:
                self.string()
        for _ in range(self.u32()):
            self.function()
        nline = self.u32()
        self.pad()
        self.line_offsets.append(self.pos)
        self.packed_lines[slot] = self.data[self.pos:self.pos + nline]
        self.pos += nline
        for _ in range(self.u32()):
            self.string()
            self.pos += 8
        for _ in range(self.u32()):
            self.string()


@pytest.mark.parametrize("path", [p for p in GOLDEN_CHUNKS if ".stripped" not in p.name],
                         ids=lambda p: p.stem)
def test_nodemcu_layout(path):
    proto = vm.undump(path.read_bytes(), chunkname_of(path))
    data = vm.dump(proto, vm.NODEMCU)
    assert data[:12] == NODEMCU_HEADER
    walker = NodeMCUWalker(data)
    walker.function()
    assert walker.pos == len(data)
    assert all(offset % 4 == 0 for offset in walker.code_offsets + walker.line_offsets)
    # The first string is the source name with a 4-byte length counting its NUL.
    assert walker.string_lengths[0] == len(proto.source) + 1 == len(b"@" + path.stem.encode() + b".lua") + 1
    for p, packed in zip(proto.walk(), walker.packed_lines):
        assert packed.endswith(b"\0") and packed.count(b"\0") == 1
        assert unpack_lineinfo(packed, len(p.code)) == p.lineinfo
    stripped = vm.dump(proto, vm.NODEMCU, strip=True)
    walker = NodeMCUWalker(stripped)
    walker.function()
    assert walker.pos == len(stripped)
    assert walker.packed_lines == [b""] * len(list(proto.walk()))
    assert vm.undump(stripped, b"=x") == vm.undump(vm.dump(proto, vm.STOCK, strip=True), b"=x")


def test_nodemcu_int_header_and_numbers():
    main = Proto(source=b"@n.lua", maxstacksize=2, constants=[7.0, -3.0, b"s"],
                 code=[create_abc(OP_RETURN, 0, 1, 0)], lineinfo=[1])
    data = vm.dump(main, vm.NODEMCU_INT)
    assert data[:12] == NODEMCU_INT_HEADER
    assert b"\x03\x07\x00\x00\x00\x03\xfd\xff\xff\xff\x04\x02\x00\x00\x00s\x00" in data
    assert vm.undump(data, b"=n").constants == [7, -3, b"s"]
    with pytest.raises(DumpError, match="too big or small"):
        vm.dump(Proto(constants=[2.0 ** 31], code=main.code), vm.NODEMCU_INT)
    with pytest.raises(DumpError):
        vm.dump(Proto(constants=[0.5], code=main.code), vm.NODEMCU_INT)


# ----- rejection: Lua 5.1.5's messages, never a Python exception -----------------------------------

def undump_message(data: bytes, chunkname: bytes = b"=m") -> str:
    try:
        vm.undump(data, chunkname)
    except vm.LuaSyntaxError as exc:
        return exc.message
    return "ok"


@pytest.mark.parametrize("fmt", [vm.STOCK, vm.NODEMCU], ids=["stock", "nodemcu"])
def test_every_truncation_is_unexpected_end(fmt):
    path = GOLDEN_DIR / "closures.luac"
    data = vm.dump(vm.undump(path.read_bytes(), b"@closures.luac"), fmt)
    for length in range(len(data)):
        assert undump_message(data[:length], b"@cut.luac") == \
            "cut.luac: unexpected end in precompiled chunk", length


@needs_luac51
def test_messages_as_luac51_prints_them(tmp_path):
    """Truncated, bad-header, bad-integer and bad-constant files, each checked with real luac5.1."""
    good = (GOLDEN_DIR / "varargs.luac").read_bytes()
    bad_int = bytearray(good)
    name_len = struct.unpack_from("<Q", good, 12)[0]
    bad_int[20 + name_len:24 + name_len] = struct.pack("<i", -1)     # linedefined
    cases = {
        "t1.luac": good[:1], "t2.luac": good[:11], "t3.luac": good[:100], "t4.luac": good[:-1],
        "h.luac": good[:11] + b"\x01" + good[12:], "i.luac": bytes(bad_int),
        "v.luac": good[:4] + b"\x50" + good[5:],
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        result = run_luac51(["-p", name], cwd=tmp_path)
        assert result.returncode == 1
        assert undump_message(data, b"@" + name.encode()) == luac51_message(result.stderr), name


def test_chunk_display_names():
    assert undump_message(b"\x1bLu", b"@dir/f.luac") == "dir/f.luac: unexpected end in precompiled chunk"
    assert undump_message(b"\x1bLu", b"=stdin") == "stdin: unexpected end in precompiled chunk"
    assert undump_message(b"\x1bLu", b"\x1bLu") == "binary string: unexpected end in precompiled chunk"


def _mutations(seed: int, count: int):
    rng = random.Random(seed)
    chunks = [p.read_bytes() for p in GOLDEN_CHUNKS]
    for _ in range(count):
        data = bytearray(rng.choice(chunks))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(12, len(data))
            if rng.random() < 0.5:
                data[pos] = rng.randrange(256)
            else:
                data[pos] ^= 1 << rng.randrange(8)
        yield bytes(data)


@needs_lupa
def test_mutated_chunks_accept_reject_like_lua():
    """Byte flips in real chunks: same verdict and message as Lua 5.1.5 (run in-process by lupa).

    Lua reports `not enough memory` when a flipped string length asks for gigabytes; we report
    the truncation instead, so those cases are left out of the comparison.
    """
    runtime = lupa_lua51().LuaRuntime(encoding=None, max_memory=64 << 20)
    load = runtime.eval("function(d, n) local f, e = loadstring(d, n) "
                        "if f then return 'ok' end return e end")
    verdicts = set()
    compared = 0
    for data in _mutations(seed=51, count=1500):
        theirs = load(data, b"=m").decode("latin-1")
        if theirs == "not enough memory":
            continue
        compared += 1
        verdicts.add(theirs)
        assert undump_message(data) == theirs, data.hex()
    assert compared > 800
    assert {"ok", "m: bad code in precompiled chunk", "m: bad constant in precompiled chunk",
            "m: unexpected end in precompiled chunk"} <= verdicts


def test_bad_code_examples():
    ret = create_abc(OP_RETURN, 0, 1, 0)
    good = Proto(source=b"=x", maxstacksize=2, code=[ret])
    assert undump_message(vm.dump(good)) == "ok"
    for bad in (Proto(maxstacksize=2, code=[]),                               # no RETURN
                Proto(maxstacksize=0, code=[ret]),                            # A beyond frame
                Proto(maxstacksize=2, code=[create_abc(OP_RETURN, 0, 1, 1)]),   # C must be 0
                Proto(maxstacksize=2, code=[ret], lineinfo=[1, 1]),           # line count
                Proto(maxstacksize=251, code=[ret])):                         # frame too big
        assert undump_message(vm.dump(bad)) == "m: bad code in precompiled chunk"


@settings(max_examples=300)
@given(st.binary(max_size=200), st.sampled_from([STOCK_HEADER, NODEMCU_HEADER, NODEMCU_INT_HEADER]))
def test_random_bodies_never_raise_python_errors(body, header):
    message = undump_message(header + body)
    assert message == "ok" or message.startswith("m: ") and message.endswith(" in precompiled chunk")
