"""`espconsole luac` command-line contract: luac's options, stdin, several files, messages and exit statuses, NodeMCU and stock output."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import vm
from espconsole.commands import luac as luac_command
from tests.oracles import GOLDEN_DIR, golden_sources, needs_luac51
from tests.vm.compiler.support import (
    canonical_addresses, luac51_message, needs_compiler, run_luac51,
)

NODEMCU_HEADER = bytes.fromhex("1b4c75615100010404040800")
NODEMCU_INT_HEADER = bytes.fromhex("1b4c75615100010404040401")
STOCK_HEADER = bytes.fromhex("1b4c75615100010408040800")
GOLDEN = golden_sources()


def run(argv: list[str], capsysbinary, stdin: bytes | None = None, monkeypatch=None):
    """`espconsole luac ARGV` in-process: (status, stdout bytes, stderr text)."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    capsysbinary.readouterr()
    status = luac_command.run(argv)
    captured = capsysbinary.readouterr()
    return status, captured.out, captured.err.decode("utf-8", "surrogateescape")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch folder holding copies of the golden sources, made the current directory."""
    for source in GOLDEN:
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ----- usage errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, first_line", [
    (["-x"], "luac: unrecognized option '-x'"),
    (["--bogus", "a.lua"], "luac: unrecognized option '--bogus'"),
    ([], "luac: no input files given"),
    (["-o"], "luac: '-o' needs argument"),
    (["-o", ""], "luac: '-o' needs argument"),
    (["-s"], "luac: no input files given"),
])
def test_usage_errors(argv, first_line, capsysbinary, workdir):
    status, out, err = run(argv, capsysbinary)
    lines = err.splitlines()
    assert status == 1 and out == b""
    assert lines[0] == first_line
    assert lines[1] == "usage: luac [options] [filenames]."
    assert "  -o name  output to file 'name' (default is \"luac.out\")" in lines
    assert not (workdir / "luac.out").exists()


@needs_luac51
@pytest.mark.parametrize("argv", [["-x"], [], ["-o"], ["-s", "-v"]], ids=repr)
def test_usage_error_lines_as_luac51(argv, capsysbinary, workdir):
    """The message and the usage heading are luac's own (its option list is a subset of ours)."""
    theirs = run_luac51(argv, cwd=workdir)
    status, out, err = run(argv, capsysbinary)
    assert status == theirs.returncode == 1
    assert err.splitlines()[:2] == theirs.stderr.decode().splitlines()[:2]
    their_options = theirs.stderr.decode().splitlines()[2:]
    assert set(their_options) <= set(err.splitlines()[2:])


@needs_luac51
@pytest.mark.parametrize("argv", [["nofile.lua"], ["-p", "nofile.lua"], ["--", "-v"],
                                  ["-o", "/nonexistent-dir/x.luac", "strings.lua"]], ids=repr)
def test_file_errors_as_luac51(argv, capsysbinary, workdir):
    theirs = run_luac51(argv, cwd=workdir)
    status, out, err = run(argv, capsysbinary)
    assert status == theirs.returncode == 1
    assert err.startswith("luac: ") and err.count("\n") == 1
    assert err[len("luac: "):].rstrip("\n") == luac51_message(theirs.stderr)


def test_cannot_open_message(capsysbinary, workdir):
    status, _, err = run(["nofile.lua"], capsysbinary)
    assert (status, err) == (1, "luac: cannot open nofile.lua: No such file or directory\n")


# ----- -v, -p, --help ---------------------------------------------------------------------------------

def test_version(capsysbinary, workdir):
    status, out, err = run(["-v"], capsysbinary)
    assert (status, err) == (0, "")
    assert out == b"Lua 5.1.4  Copyright (C) 1994-2011 Lua.org, PUC-Rio\n"
    status, out, _ = run(["-v", "--"], capsysbinary)
    assert status == 0 and out.startswith(b"Lua 5.1")


@needs_compiler
def test_version_then_compile(capsysbinary, workdir):
    status, out, _ = run(["-v", "strings.lua"], capsysbinary)
    assert status == 0 and out.startswith(b"Lua 5.1.4 ")
    assert (workdir / "luac.out").read_bytes()[:12] == NODEMCU_HEADER


@needs_compiler
def test_parse_only(capsysbinary, workdir):
    status, out, err = run(["-p", "strings.lua", "closures.lua"], capsysbinary)
    assert (status, out, err) == (0, b"", "")
    assert not (workdir / "luac.out").exists()
    (workdir / "bad.lua").write_bytes(b"local = 1\n")
    status, out, err = run(["-p", "bad.lua"], capsysbinary)
    assert (status, err) == (1, "luac: bad.lua:1: <name> expected near '='\n".replace("<", "'<")
                             .replace(">", ">'"))


# ----- output formats ------------------------------------------------------------------------------

@needs_compiler
def test_default_output_is_nodemcu_luac_out(capsysbinary, workdir):
    status, out, err = run(["closures.lua"], capsysbinary)
    assert (status, out, err) == (0, b"", "")
    data = (workdir / "luac.out").read_bytes()
    assert data[:12] == NODEMCU_HEADER
    proto = vm.undump(data, b"@closures.lua")
    # luac.cross keeps line info but drops local and upvalue names.
    assert all(not p.locvars and not p.upvalues for p in proto.walk())
    assert all(len(p.lineinfo) == len(p.code) for p in proto.walk())
    reference = vm.undump((GOLDEN_DIR / "closures.luac").read_bytes(), b"@closures.lua")
    assert [p.code for p in proto.walk()] == [p.code for p in reference.walk()]
    assert [p.lineinfo for p in proto.walk()] == [p.lineinfo for p in reference.walk()]


@needs_compiler
def test_int_header(capsysbinary, workdir):
    (workdir / "i.lua").write_bytes(b"local x = 7 / 2\nreturn x + 3000000\n")
    status, _, err = run(["--int", "-o", "i.luac", "i.lua"], capsysbinary)
    assert (status, err) == (0, "")
    data = (workdir / "i.luac").read_bytes()
    assert data[:12] == NODEMCU_INT_HEADER
    assert vm.undump(data, b"@i.lua").constants[0] == 3


@needs_compiler
def test_stripped_nodemcu(capsysbinary, workdir):
    assert run(["-s", "-o", "s.luac", "varargs.lua"], capsysbinary)[0] == 0
    proto = vm.undump((workdir / "s.luac").read_bytes(), b"=s")
    assert proto.source == b"=?"
    assert all(not p.lineinfo for p in proto.walk())


@needs_compiler
def test_output_to_stdout(capsysbinary, workdir):
    status, out, _ = run(["--stock", "-o", "-", "strings.lua"], capsysbinary)
    assert status == 0
    assert out == (GOLDEN_DIR / "strings.luac").read_bytes()


@needs_compiler
@needs_luac51
def test_stdin(capsysbinary, workdir, monkeypatch):
    source = (workdir / "mod_basic.lua").read_bytes()
    theirs = run_luac51(["-o", "-", "-"], stdin=source).stdout
    assert b"=stdin" in theirs
    status, out, _ = run(["--stock", "-o", "-", "-"], capsysbinary, stdin=source,
                         monkeypatch=monkeypatch)
    assert status == 0 and out == theirs


@needs_compiler
@needs_luac51
@pytest.mark.parametrize("strip", [False, True], ids=["debug", "stripped"])
def test_several_files_combined_as_luac51(capsysbinary, workdir, strip):
    names = ["mod_basic.lua", "closures.lua", "varargs.lua"]
    flag = ["-s"] if strip else []
    theirs = run_luac51([*flag, "-o", "theirs.luac", *names], cwd=workdir)
    assert theirs.returncode == 0
    assert run(["--stock", *flag, "-o", "ours.luac", *names], capsysbinary)[0] == 0
    assert (workdir / "ours.luac").read_bytes() == (workdir / "theirs.luac").read_bytes()
    # The NodeMCU default combines the same way.
    assert run([*flag, "-o", "n.luac", *names], capsysbinary)[0] == 0
    combined = vm.undump((workdir / "n.luac").read_bytes(), b"=n")
    assert len(combined.protos) == 3 and (strip or combined.source == b"=(luac)")


@needs_compiler
@needs_luac51
def test_several_files_one_broken(capsysbinary, workdir):
    (workdir / "bad.lua").write_bytes(b"x = (1\n")
    argv = ["-o", "x.luac", "strings.lua", "bad.lua", "varargs.lua"]
    theirs = run_luac51(argv, cwd=workdir)
    status, _, err = run(argv, capsysbinary)
    assert status == theirs.returncode == 1
    assert err == theirs.stderr.decode()


@needs_compiler
@needs_luac51
def test_precompiled_and_shebang_inputs(capsysbinary, workdir):
    shutil.copy(GOLDEN_DIR / "closures.luac", workdir / "pre.luac")
    shutil.copy(GOLDEN_DIR / "closures.stripped.luac", workdir / "pre.s.luac")
    (workdir / "script.lua").write_bytes(b"#!/usr/bin/env lua\nlocal a = ...\nprint(a)\n")
    for name in ("pre.luac", "pre.s.luac", "script.lua"):
        theirs = run_luac51(["-o", "-", name], cwd=workdir)
        status, out, err = run(["--stock", "-o", "-", name], capsysbinary)
        assert (status, err) == (0, "")
        assert out == theirs.stdout, name


# ----- -l through the CLI ---------------------------------------------------------------------------

@needs_compiler
@needs_luac51
@pytest.mark.parametrize("flags", [["-l"], ["-l", "-l"], ["-l", "-p"], ["-l", "-s"]], ids=" ".join)
def test_listing_as_luac51(capsysbinary, workdir, flags):
    names = ["closures.lua"] if "-p" not in flags else ["strings.lua", "varargs.lua"]
    theirs = run_luac51([*flags, "-o", "theirs.luac", *names], cwd=workdir)
    status, out, err = run(["--stock", *flags, "-o", "ours.luac", *names], capsysbinary)
    assert (status, err) == (0, "")
    assert canonical_addresses(out.decode()) == canonical_addresses(theirs.stdout.decode())


@needs_compiler
def test_nodemcu_listing_has_no_names(capsysbinary, workdir):
    """Like luac.cross, the default mode drops local and upvalue names before listing."""
    status, out, _ = run(["-l", "-l", "-p", "closures.lua"], capsysbinary)
    text = out.decode()
    assert status == 0 and "main <closures.lua:0,0>" in text
    assert " 0 locals, " in text and "locals (0) for" in text and " 14 locals" not in text


@needs_luac51
def test_listing_of_default_output_without_files(capsysbinary, workdir):
    """`luac -l` alone lists luac.out (and does not overwrite it)."""
    shutil.copy(GOLDEN_DIR / "varargs.luac", workdir / "luac.out")
    theirs = run_luac51(["-l"], cwd=workdir)
    status, out, _ = run(["--stock", "-l"], capsysbinary)
    assert status == 0
    assert canonical_addresses(out.decode()) == canonical_addresses(theirs.stdout.decode())
    assert (workdir / "luac.out").read_bytes() == (GOLDEN_DIR / "varargs.luac").read_bytes()


# ----- the console script itself ---------------------------------------------------------------------

def _console_script() -> str | None:
    beside = Path(sys.executable).parent / "espconsole"
    return str(beside) if beside.exists() else shutil.which("espconsole")


@pytest.mark.skipif(_console_script() is None, reason="espconsole console script not installed")
def test_console_script_exit_statuses(workdir):
    script = _console_script()
    ok = subprocess.run([script, "luac", "-v"], capture_output=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith(b"Lua 5.1.4")
    bad = subprocess.run([script, "luac", "-x"], capture_output=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.startswith(b"luac: unrecognized option '-x'\nusage: luac [options]")
