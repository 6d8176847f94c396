"""`espconsole emulate`: argument handling, the `pty:` announcement, a REPL exchange over the pty, persistence across runs and a clean exit on SIGTERM."""

from __future__ import annotations

import time

import pytest

from espconsole.cli import COMMANDS
from espconsole.commands import emulate
from tests.vm.nodemcu.emulator_process import EmulatorProcess

serial = pytest.importorskip("serial", reason="pyserial is needed to talk to the pty")


def exchange(port, line: bytes, timeout: float = 20.0) -> bytes:
    port.write(line + b"\n")
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"> "):
        assert time.monotonic() < deadline, data
        data += port.read(4096)
    return data


def test_registered_in_the_cli():
    assert COMMANDS["emulate"][0] == "emulate"


def test_rejects_a_bad_baud(capsys):
    assert emulate.run(["--baud", "0"]) == 2
    assert "--baud" in capsys.readouterr().err


def test_help_exits_zero(capsys):
    assert emulate.run(["--help"]) == 0
    assert "--pty" in capsys.readouterr().out


def test_pty_serves_the_repl_and_persists_files(tmp_path):
    with EmulatorProcess(tmp_path) as process:
        assert process.pty.startswith("/dev/")
        with serial.Serial(process.pty, 115200, timeout=0.1) as port:
            assert port.read(64) == b""                  # no unsolicited output on open
            assert exchange(port, b"print(1+1)") == b"print(1+1)\r\n2\r\n> "
            assert exchange(port, b"=file.putcontents('kept.txt', 'abc')") == \
                b"=file.putcontents('kept.txt', 'abc')\r\ntrue\r\n> "
        assert process.stop() == 0
    assert (tmp_path / ".espconsole" / "node").is_dir()
    with EmulatorProcess(tmp_path) as again:
        with serial.Serial(again.pty, 115200, timeout=0.1) as port:
            assert exchange(port, b"=file.getcontents('kept.txt')").endswith(b"\r\nabc\r\n> ")


def test_second_emulator_on_the_same_folder_is_refused(tmp_path):
    with EmulatorProcess(tmp_path):
        other = EmulatorProcess(tmp_path)
        with pytest.raises(RuntimeError):
            other.start()
        other.stop()
