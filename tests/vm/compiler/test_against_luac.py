"""Acceptance: `espconsole luac --stock` writes the same bytes as `luac5.1`, and rejects the same programs with the same message and exit status."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from espconsole.commands import luac as luac_command
from tests.oracles import golden_sources, needs_corpus, needs_luac51, real_world_lua_files
from tests.vm.compiler.support import luac51_message, needs_compiler, run_luac51

pytestmark = [needs_luac51, needs_compiler]

GOLDEN = golden_sources()
def _console_script() -> str | None:
    """The `espconsole` script next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "espconsole"
    return str(beside) if beside.exists() else shutil.which("espconsole")


ESPCONSOLE = _console_script()


def ours(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run `espconsole luac ARGV` in-process; returns (status, stdout, stderr)."""
    capsys.readouterr()
    status = luac_command.run(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def our_message(stderr: str) -> str:
    first = stderr.split("\n")[0]
    assert first.startswith("luac: "), stderr
    return first[len("luac: "):]


def compare_file(path: str, tmp_path: Path, capsys, cwd: Path | None = None) -> list[str]:
    """Compile `path` with both tools, unstripped and stripped; the list of differences."""
    problems = []
    for strip in (False, True):
        flag = ["-s"] if strip else []
        theirs_out = tmp_path / "theirs.luac"
        ours_out = tmp_path / "ours.luac"
        result = run_luac51([*flag, "-o", str(theirs_out), path], cwd=cwd)
        assert result.returncode == 0, result.stderr
        status, _, err = ours(["--stock", *flag, "-o", str(ours_out), path], capsys)
        if status != 0:
            problems.append(f"{path}: {err.strip()}")
            break
        if ours_out.read_bytes() != theirs_out.read_bytes():
            problems.append(f"{path} ({'stripped' if strip else 'unstripped'}) differs")
    return problems


# ----- byte-identical output -------------------------------------------------------------------------

@pytest.mark.parametrize("source", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_sources(source, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(source.parent)
    assert compare_file(source.name, tmp_path, capsys, cwd=source.parent) == []


@pytest.mark.parametrize("source", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_sources_match_the_committed_luac_files(source, tmp_path, capsys, monkeypatch):
    """The goldens were made with the bare file name, so the chunk name is `@NAME.lua`."""
    monkeypatch.chdir(source.parent)
    for flag, suffix in (([], ".luac"), (["-s"], ".stripped.luac")):
        out = tmp_path / "out.luac"
        assert ours(["--stock", *flag, "-o", str(out), source.name], capsys)[0] == 0
        assert out.read_bytes() == source.with_suffix(suffix).read_bytes()


@needs_corpus
def test_corpus_byte_identical(tmp_path, capsys):
    """Every penlight + luarocks file (absolute path, as luac5.1 is given it), with and without -s."""
    problems = []
    for path in real_world_lua_files():
        problems += compare_file(str(path), tmp_path, capsys)
    assert not problems, f"{len(problems)} differences: {problems[:20]}"


@needs_corpus
def test_corpus_combined_in_one_run(tmp_path, capsys):
    """Several files in one run are combined under luac's own main function, as luac5.1 does."""
    files = [str(p) for p in real_world_lua_files()[:12]]
    result = run_luac51(["-o", str(tmp_path / "theirs.luac"), *files])
    assert result.returncode == 0
    assert ours(["--stock", "-o", str(tmp_path / "ours.luac"), *files], capsys)[0] == 0
    assert (tmp_path / "ours.luac").read_bytes() == (tmp_path / "theirs.luac").read_bytes()


@pytest.mark.skipif(ESPCONSOLE is None, reason="espconsole console script not installed")
def test_console_script_subprocess(tmp_path):
    """A few real runs of the installed console script, as a user would type them."""
    source = GOLDEN[0]
    for flag in ([], ["-s"]):
        out = tmp_path / "out.luac"
        result = subprocess.run([ESPCONSOLE, "luac", "--stock", *flag, "-o", str(out), source.name],
                                cwd=source.parent, capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        expected = run_luac51([*flag, "-o", "-", source.name], cwd=source.parent).stdout
        assert out.read_bytes() == expected
    (tmp_path / "bad.lua").write_bytes(b"x = = 1\n")
    result = subprocess.run([ESPCONSOLE, "luac", "-p", "bad.lua"], cwd=tmp_path,
                            capture_output=True, timeout=60)
    theirs = run_luac51(["-p", "bad.lua"], cwd=tmp_path)
    assert result.returncode == theirs.returncode == 1
    assert result.stderr == theirs.stderr == b"luac: bad.lua:1: unexpected symbol near '='\n"


# ----- rejected programs -------------------------------------------------------------------------

def _lines(n: int, text: str) -> str:
    return "".join(text.format(i) for i in range(n))


BROKEN_PROGRAMS: dict[str, bytes] = {
    "equals_expected": b"x foo\n",
    "unfinished_string_eof": b'x = "abc',
    "unfinished_string_newline": b'x = "abc\nprint(x)\n',
    "unfinished_string_escape_eof": b"x = 'abc\\",
    "malformed_number": b"x = 3x\n",
    "malformed_number_dots": b"x = 1..2\n",
    "malformed_number_exponent": b"x = 1e+\n",
    "malformed_number_hex": b"x = 0xg\n",
    "end_expected_to_close": b"function f()\n  x = 1\n",
    "end_expected_same_line": b"function f() x = 1",
    "end_expected_if": b"if x then\n y()\nelse\n",
    "until_expected": b"repeat\n x()\n",
    "ambiguous_call": b"local a = f\n(g)()\n",
    "vararg_outside": b"function f() return ... end\n",
    "no_loop_to_break": b"do break end\n",
    "unfinished_long_string": b"x = [[abc\n",
    "unfinished_long_string_level": b"x = [==[ a ]=]\n",
    "unfinished_long_comment": b"--[[ abc\n\n",
    "nested_long_string": b"x = [[ [[ ]]\n",
    "invalid_long_delimiter": b"x = [= abc\n",
    "escape_too_large": b'x = "\\300"\n',
    "escape_too_large_late": b'x = "abc\\256def"\n',
    "unexpected_symbol": b"x = }\n",
    "unexpected_symbol_at": b"x = 1 @\n",
    "unexpected_control_char": b"x = 1 \x01\n",
    "unexpected_nul": b"x = 1 \x00\n",
    "unexpected_high_byte": b"x = 1 \xc3\xa9\n",
    "syntax_error_assign_call": b"a, f() = 1\n",
    "function_arguments_expected": b"a.b:c = 1\n",
    "name_expected": b"local 1 = 2\n",
    "name_expected_function": b"local function 1() end\n",
    "then_expected": b"if x y end\n",
    "do_expected": b"while x y end\n",
    "comma_expected_for": b"for i = 1 do end\n",
    "equals_or_in_expected": b"for a.b = 1, 2 do end\n",
    "eof_expected": b"return 1\nx = 2\n",
    "eof_expected_end": b"x = 1 end\n",
    "paren_to_close": b"x = (1 +\n2\n",
    "brace_to_close": b"x = {1, 2\n\ny = 3\n",
    "bracket_expected": b"x = t[1\n",
    "method_call_args": b"x:y\n",
    "main_too_many_locals": ("local a" + _lines(200, ",a{0}") + "\n").encode(),
    "function_too_many_locals": ("function f()\n" + _lines(201, "local a{0}\n") + "end\n").encode(),
    "too_many_upvalues": (_lines(70, "local a{0}\n") + "function f() return "
                          + "+".join(f"a{i}" for i in range(70)) + " end\n").encode(),
    "too_many_syntax_levels": b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n",
    "too_many_syntax_levels_blocks": b"do " * 250 + b"end " * 250,
    "too_many_assignment_targets": b",".join([b"a"] * 300) + b" = 1\n",
    "expression_too_complex": b"f(" + b",".join([b"1"] * 300) + b")\n",
    "expression_too_complex_concat": b"x = " + b"..".join([b"a"] * 300) + b"\n",
    "control_structure_too_long": b"while x do\n" + b"x=y\n" * 66000 + b"end\n",
    "error_in_nested_function": b"local t = {\n  f = function(a)\n    return a +\n  end\n}\n",
    "long_token_in_message": b"x = '" + b"a" * 200,
    "string_with_embedded_nul": b"x = 'a\x00b\n",
}


@pytest.fixture(scope="module")
def broken_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("broken")
    for name, source in BROKEN_PROGRAMS.items():
        (folder / f"{name}.lua").write_bytes(source)
    # A long file name: luac shortens chunk names past 60 characters with a leading `...`.
    (folder / ("n" * 90 + ".lua")).write_bytes(b"x = = 1\n")
    return folder


def compare_rejection(folder: Path, filename: str, capsys, monkeypatch) -> tuple[str, str]:
    monkeypatch.chdir(folder)
    theirs = run_luac51(["-p", filename], cwd=folder)
    status, out, err = ours(["-p", filename], capsys)
    assert theirs.returncode == 1, f"luac5.1 accepted {filename}"
    assert status == 1 and out == ""
    return our_message(err), luac51_message(theirs.stderr)


@pytest.mark.parametrize("name", sorted(BROKEN_PROGRAMS))
def test_rejected_like_luac(name, broken_dir, capsys, monkeypatch):
    mine, theirs = compare_rejection(broken_dir, f"{name}.lua", capsys, monkeypatch)
    assert mine == theirs


def test_long_chunk_name_is_shortened_like_luac(broken_dir, capsys, monkeypatch):
    mine, theirs = compare_rejection(broken_dir, "n" * 90 + ".lua", capsys, monkeypatch)
    assert theirs.startswith("...")
    assert mine == theirs


def test_expected_messages_of_the_brief(broken_dir, capsys, monkeypatch):
    """The messages named in the issue appear verbatim (guards against both tools drifting)."""
    expected = {
        "equals_expected": "'=' expected near 'foo'",
        "malformed_number": "malformed number near '3x'",
        "end_expected_to_close": "'end' expected (to close 'function' at line 1) near '<eof>'",
        "ambiguous_call": "ambiguous syntax (function call x new statement) near '('",
        "vararg_outside": "cannot use '...' outside a vararg function near '...'",
        "no_loop_to_break": "no loop to break near 'end'",
        "main_too_many_locals": "main function has more than 200 local variables",
        "too_many_syntax_levels": "chunk has too many syntax levels",
        "expression_too_complex": "function or expression too complex",
        "control_structure_too_long": "control structure too long",
        "unfinished_long_string": "unfinished long string",
        "unfinished_long_comment": "unfinished long comment",
        "escape_too_large": "escape sequence too large",
        "unexpected_symbol": "unexpected symbol near '}'",
    }
    for name, text in expected.items():
        mine, _ = compare_rejection(broken_dir, f"{name}.lua", capsys, monkeypatch)
        assert text in mine, (name, mine)


def _damaged_corpus_sources(count: int) -> list[tuple[str, bytes]]:
    """Truncations, byte flips and line drops of corpus files, deterministic."""
    rng = random.Random(5151)
    files = list(real_world_lua_files())
    out = []
    for index in range(count):
        path = rng.choice(files)
        data = bytearray(path.read_bytes())
        kind = index % 3
        if kind == 0:
            data = data[:rng.randrange(1, len(data))]
        elif kind == 1:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.choice(b"()[]{}=,.;:'\"\\-+xe0 \nendlocal")
        else:
            lines = bytes(data).split(b"\n")
            del lines[rng.randrange(len(lines))]
            data = bytearray(b"\n".join(lines))
        out.append((f"damaged{index:03d}_{path.stem}.lua", bytes(data)))
    return out


@needs_corpus
def test_damaged_corpus_files(tmp_path, capsys, monkeypatch):
    """Damaged real files: same verdict, same message (or same bytes when both accept)."""
    monkeypatch.chdir(tmp_path)
    mismatches = []
    rejected = 0
    for name, data in _damaged_corpus_sources(90):
        (tmp_path / name).write_bytes(data)
        theirs = run_luac51(["-o", "theirs.luac", name], cwd=tmp_path)
        status, _, err = ours(["--stock", "-o", "ours.luac", name], capsys)
        if theirs.returncode != status:
            mismatches.append(f"{name}: luac5.1 {theirs.returncode}, ours {status} {err.strip()}")
        elif status == 1:
            rejected += 1
            if our_message(err) != luac51_message(theirs.stderr):
                mismatches.append(f"{name}: {our_message(err)!r} != {luac51_message(theirs.stderr)!r}")
        elif (tmp_path / "ours.luac").read_bytes() != (tmp_path / "theirs.luac").read_bytes():
            mismatches.append(f"{name}: accepted by both, bytes differ")
    assert not mismatches
    assert rejected >= 30


# Nesting limits are counted on luac's C-call budget, so the exact boundary depends on how many
# levels luac itself has used: compare right at the edge, one construct per test.
NESTING_SHAPES = {
    "parentheses": lambda n: b"x = " + b"(" * n + b"1" + b")" * n,
    "do_blocks": lambda n: b"do " * n + b"end " * n,
    "functions": lambda n: b"f = " + b"function() return " * n + b"1" + b" end" * n,
    "unary_minus": lambda n: b"x = " + b"- " * n + b"1",
    "power_chain": lambda n: b"x = " + b"a ^ " * n + b"a",
    "concat_chain": lambda n: b"x = " + b"a .. " * n + b"a",
    "tables": lambda n: b"x = " + b"{" * n + b"}" * n,
    "calls": lambda n: b"x = f" + b"(f" * n + b")" * n,
    "assignment_targets": lambda n: b",".join([b"a"] * n) + b" = 1",
}


@pytest.mark.parametrize("shape", sorted(NESTING_SHAPES))
def test_nesting_limits_at_the_edge(shape, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for depth in (60, 196, 197, 198, 199, 200, 201):
        (tmp_path / "n.lua").write_bytes(NESTING_SHAPES[shape](depth))
        theirs = run_luac51(["-p", "n.lua"], cwd=tmp_path)
        status, _, err = ours(["-p", "n.lua"], capsys)
        assert status == theirs.returncode, depth
        if status:
            assert our_message(err) == luac51_message(theirs.stderr), depth
