"""vm.listing against `luac5.1 -l` and `luac5.1 -l -l`: same text except function addresses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import vm
from tests.oracles import golden_sources, needs_corpus, needs_luac51, real_world_lua_files
from tests.vm.compiler.support import canonical_addresses, needs_compiler, run_luac51
from vm.bytecode.listing import format_number, list_proto, quote_string
from vm.bytecode.proto import LocVar, Proto

GOLDEN = golden_sources()


def luac_listing_and_chunk(tmp_path: Path, files: list[str], full: bool, cwd=None, stdin=None):
    """luac5.1's listing of `files` and the chunk it wrote for them (combined as luac combines)."""
    out = tmp_path / "out.luac"
    flags = ["-l", "-l"] if full else ["-l"]
    result = run_luac51([*flags, "-o", str(out), *files], cwd=cwd, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8", "surrogateescape"), out.read_bytes()


def assert_same_listing(ours: str, theirs: str) -> None:
    assert canonical_addresses(ours) == canonical_addresses(theirs)


def split_mains(listing: str) -> list[str]:
    """A combined listing cut before each file's `main <...>` heading (part 0 is luac's own main)."""
    return re.split(r"\n(?=main <)", listing.lstrip("\n"))


# ----- Protos read back from luac5.1's own output (independent of our compiler) -------------------

@needs_luac51
@pytest.mark.parametrize("full", [False, True], ids=["l", "ll"])
@pytest.mark.parametrize("source", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_listing_from_undump(tmp_path, source, full):
    theirs, chunk = luac_listing_and_chunk(tmp_path, [source.name], full, cwd=source.parent)
    proto = vm.undump(chunk, b"@" + source.name.encode())
    assert_same_listing(list_proto(proto, full), theirs)


@needs_luac51
@pytest.mark.parametrize("full", [False, True], ids=["l", "ll"])
def test_golden_combined_listing(tmp_path, full):
    """Several files: luac's synthetic `main <(luac):0,0>` and each file's main below it."""
    names = [p.name for p in GOLDEN[:3]]
    theirs, chunk = luac_listing_and_chunk(tmp_path, names, full, cwd=GOLDEN[0].parent)
    proto = vm.undump(chunk, b"=(luac)")
    assert proto.source == b"=(luac)"
    assert_same_listing(vm.listing(proto, full), theirs)


@needs_luac51
@pytest.mark.parametrize("stripped", [False, True], ids=["debug", "stripped"])
def test_listing_of_precompiled_golden(stripped):
    """`luac5.1 -l -l -p x.luac`: luac lists a binary chunk it loads; stripped ones show `[-]` and `?`."""
    path = GOLDEN_CHUNKS[stripped]
    result = run_luac51(["-l", "-l", "-p", path.name], cwd=path.parent)
    assert result.returncode == 0, result.stderr
    proto = vm.undump(path.read_bytes(), b"@" + path.name.encode())
    ours = list_proto(proto, full=True)
    assert_same_listing(ours, result.stdout.decode())
    if stripped:
        assert "main <?:0,0>" in ours and "\t[-]\t" in ours


GOLDEN_CHUNKS = {False: GOLDEN[0].with_suffix(".luac"),
                 True: GOLDEN[0].with_name(GOLDEN[0].stem + ".stripped.luac")}


@needs_luac51
def test_stdin_chunk_name(tmp_path):
    source = b"local t = {}\nfunction t.f(a, ...) return a, ... end\nreturn t\n"
    theirs, chunk = luac_listing_and_chunk(tmp_path, ["-"], True, stdin=source)
    assert "main <stdin:0,0>" in theirs
    assert_same_listing(list_proto(vm.undump(chunk, b"=stdin"), True), theirs)


@needs_luac51
def test_every_constant_byte_and_number_format(tmp_path):
    """All 256 byte values in a string constant, and the number shapes %.14g produces."""
    body = "".join(f"\\{b}" for b in range(256))
    numbers = ["0", "1", "-1", "0.1", "1e100", "1e-300", "123456789012345678", "2^53", "1e309",
               "-1e309", "3.14159265358979", "1/3", "-(0)", "0x7fffffff", "5e-324", "100000000000000"]
    source = f'local s = "{body}"\nlocal n = {{{", ".join(numbers)}}}\n'
    path = tmp_path / "k.lua"
    path.write_text(source)
    theirs, chunk = luac_listing_and_chunk(tmp_path, ["k.lua"], True, cwd=tmp_path)
    assert_same_listing(list_proto(vm.undump(chunk, b"@k.lua"), True), theirs)


@needs_luac51
@needs_corpus
def test_corpus_listing_from_undump(tmp_path):
    """All penlight + luarocks files in one luac5.1 run (one combined chunk), full listing."""
    files = [str(p) for p in real_world_lua_files()]
    theirs, chunk = luac_listing_and_chunk(tmp_path, files, True)
    ours = list_proto(vm.undump(chunk, b"=(luac)"), True)
    our_parts, their_parts = split_mains(ours), split_mains(theirs)
    assert len(our_parts) == len(their_parts) == len(files) + 1
    mismatched = [files[i - 1] for i in range(1, len(their_parts))
                  if canonical_addresses(our_parts[i]) != canonical_addresses(their_parts[i])]
    assert not mismatched
    assert_same_listing(ours, theirs)


# ----- Protos from our compiler ----------------------------------------------------------------------

@needs_luac51
@needs_compiler
@pytest.mark.parametrize("source", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_listing_from_compiler(tmp_path, source):
    theirs, _ = luac_listing_and_chunk(tmp_path, [source.name], True, cwd=source.parent)
    proto = vm.compile(source.read_bytes(), b"@" + source.name.encode())
    assert_same_listing(list_proto(proto, True), theirs)


@needs_luac51
@needs_corpus
@needs_compiler
def test_corpus_listing_from_compiler(tmp_path):
    files = real_world_lua_files()
    theirs, _ = luac_listing_and_chunk(tmp_path, [str(p) for p in files], True)
    their_parts = split_mains(theirs)[1:]
    mismatched = []
    for path, theirs_one in zip(files, their_parts):
        try:
            proto = vm.compile(path.read_bytes(), b"@" + str(path).encode())
        except vm.LuaSyntaxError as exc:
            mismatched.append(f"{path}: {exc.message}")
            continue
        ours = list_proto(proto, True).strip("\n")
        if canonical_addresses(ours) != canonical_addresses(theirs_one.strip("\n")):
            mismatched.append(str(path))
    assert not mismatched, f"{len(mismatched)}/{len(files)} differ: {mismatched[:10]}"


# ----- unit checks that need no oracle ---------------------------------------------------------------

def test_quote_string_escapes():
    assert quote_string(b'a"b\\c') == '"a\\"b\\\\c"'
    assert quote_string(b"\a\b\f\n\r\t\v") == '"\\a\\b\\f\\n\\r\\t\\v"'
    assert quote_string(b"\x00\x1f\x7f\x80\xff~ ") == '"\\000\\031\\127\\128\\255~ "'


def test_format_number_like_printf():
    assert format_number(0.1) == "0.1"
    assert format_number(-0.0) == "-0"
    assert format_number(1e100) == "1e+100"
    assert format_number(2.0 ** 53) == "9.007199254741e+15"
    assert format_number(float("inf")) == "inf"
    assert format_number(float("-inf")) == "-inf"
    assert format_number(-float("nan")) == "-nan"
    assert format_number(7) == "7"


def test_heading_source_shapes_and_stable_addresses():
    child = Proto(source=b"return 1", linedefined=2, lastlinedefined=3, code=[0x0080001E],
                  lineinfo=[3], upvalues=[b"u"], nups=1)
    main = Proto(source=b"\x1bbinary", code=[0x00000024, 0x0080001E], lineinfo=[1, 1],
                 protos=[child], locvars=[LocVar(b"f", 1, 2)], maxstacksize=1)
    text = list_proto(main, full=True)
    assert "main <(bstring):0,0> (2 instructions, 8 bytes at 0x00000001)" in text
    assert "function <(string):2,3> (1 instruction, 4 bytes at 0x00000002)" in text
    assert "CLOSURE  \t0 0\t; 0x00000002" in text
    assert "0 params, 1 slot, 0 upvalues, 1 local, 0 constants, 1 function" in text
    assert "locals (1) for 0x00000001:\n\t0\tf\t2\t3" in text
    assert text == list_proto(main, full=True)
