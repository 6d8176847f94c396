"""`espconsole node`: the headless commands against the emulated node (`--port emu`), exit codes and one-line errors."""

from __future__ import annotations

import os

from espconsole.cli import COMMANDS
from espconsole.commands import node


def run(tmp_path, *args):
    return node.run(["--dir", str(tmp_path), *args])


def test_registered():
    assert COMMANDS["node"][0] == "node"


def test_upload_ls_download_rm_exec_info(tmp_path, capsys):
    local = tmp_path / "data.bin"
    payload = os.urandom(3000)
    local.write_bytes(payload)
    assert run(tmp_path, "upload", f"{local}:x.bin") == 0
    assert "x.bin: 3000 bytes" in capsys.readouterr().out
    assert run(tmp_path, "ls") == 0
    assert "x.bin" in capsys.readouterr().out
    assert run(tmp_path, "download", "x.bin", str(tmp_path / "back.bin")) == 0
    assert (tmp_path / "back.bin").read_bytes() == payload
    assert run(tmp_path, "exec", "print('hi') return 2+2") == 0
    assert capsys.readouterr().out.endswith("hi\n4\n")
    assert run(tmp_path, "rm", "x.bin") == 0
    assert run(tmp_path, "info") == 0
    out = capsys.readouterr().out
    assert "NodeMCU 3.0.0" in out and "partitions" in out
    assert run(tmp_path, "partitions") == 0
    assert "lfs_size" in capsys.readouterr().out
    assert run(tmp_path, "reset") == 0


def test_errors_are_one_line(tmp_path, capsys):
    assert run(tmp_path, "download", "missing.txt") == 1
    err = capsys.readouterr().err
    assert err.startswith("espconsole node: ") and err.count("\n") == 1
    assert run(tmp_path, "exec", "error('boom')") == 1
    assert "Lua error: stdin:1: boom" in capsys.readouterr().err
    assert run(tmp_path, "upload", str(tmp_path / "nope.lua")) == 1
    assert "no such file" in capsys.readouterr().err
    assert run(tmp_path, "--port", "/dev/does-not-exist", "ls") == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert run(tmp_path) == 2
