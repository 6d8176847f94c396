"""Real serial tools against `espconsole emulate --pty`: nodemcu-uploader (PyPI) and NodeMCU-Tool (npm), an LFS image end to end, and a kill -9 in the middle of an upload."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.vm.nodemcu.emulator_process import REPO, EmulatorProcess

serial = pytest.importorskip("serial", reason="pyserial is needed to talk to the pty")
try:
    import nodemcu_uploader  # noqa: F401
    HAVE_UPLOADER = True
except ImportError:
    HAVE_UPLOADER = False

SHIM = Path(__file__).parent / "nodemcu_uploader_shim.py"
PROJECT = Path(__file__).parent / "lfs_project"
needs_uploader = pytest.mark.skipif(not HAVE_UPLOADER, reason="nodemcu-uploader is not installed "
                                    "(pip install nodemcu-uploader)")


def nodemcu_tool_command() -> list[str] | None:
    found = os.environ.get("NODEMCU_TOOL") or shutil.which("nodemcu-tool")
    if found is None and Path("/tmp/nodemcu-tool/node_modules/.bin/nodemcu-tool").exists():
        found = "/tmp/nodemcu-tool/node_modules/.bin/nodemcu-tool"
    return [found] if found else None


def uploader(pty: str, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, str(SHIM), "--verbose", "--port", pty, *args], cwd=cwd, env=env,
                            capture_output=True, timeout=timeout)
    assert result.returncode == 0, (result.stdout + result.stderr).decode("latin-1")
    return result


class Repl:
    """A minimal serial REPL client: one line, read until the prompt."""

    def __init__(self, pty: str):
        self.port = serial.Serial(pty, 115200, timeout=0.2)

    def command(self, line: str, until: bytes = b"> ", timeout: float = 20.0) -> bytes:
        self.port.reset_input_buffer()
        self.port.write(line.encode() + b"\n")
        return self.read_until(until, timeout)

    def read_until(self, marker: bytes, timeout: float = 20.0) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(marker):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} after {data!r}")
            data += self.port.read(4096)
        return data

    def close(self) -> None:
        self.port.close()


@pytest.fixture
def emulator(tmp_path):
    process = EmulatorProcess(tmp_path / "project")
    (tmp_path / "project").mkdir()
    process.start()
    yield process
    process.stop()


@needs_uploader
def test_nodemcu_uploader_round_trip(emulator, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    text = b"-- a text file\nprint('uploaded')\n"
    binary = bytes((i * 7 + i // 256) & 0xFF for i in range(20 * 1024))
    (work / "hello.lua").write_bytes(text)
    (work / "blob.bin").write_bytes(binary)
    pty = emulator.pty
    uploaded = uploader(pty, "upload", "hello.lua", "blob.bin", cwd=work)
    assert b"All done" in uploaded.stdout + uploaded.stderr
    listing = uploader(pty, "file", "list", cwd=work)
    out = (listing.stdout + listing.stderr).decode("latin-1")
    assert "hello.lua" in out and "blob.bin" in out and "20480" in out
    down = tmp_path / "down"
    down.mkdir()
    uploader(pty, "download", "hello.lua", "blob.bin", cwd=down)
    assert (down / "hello.lua").read_bytes() == text
    assert (down / "blob.bin").read_bytes() == binary
    heap = uploader(pty, "node", "heap", cwd=work)
    numbers = re.findall(rb"^(\d+)\r?$", heap.stdout + heap.stderr, re.M)
    assert numbers and 10000 < int(numbers[0]) <= 44000
    (work / "run.lua").write_bytes(b"x = 6 * 7\nprint('exec says', x)\n")
    executed = uploader(pty, "exec", "run.lua", cwd=work)
    assert b"exec says\t42" in executed.stdout + executed.stderr
    uploader(pty, "node", "restart", cwd=work)
    formatted = uploader(pty, "file", "format", cwd=work)
    assert b"format done" in formatted.stdout + formatted.stderr
    after = uploader(pty, "file", "list", cwd=work)
    assert b"blob.bin" not in after.stdout + after.stderr


@needs_uploader
def test_lfs_image_end_to_end(emulator, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    sources = sorted(str(p) for p in PROJECT.glob("*.lua"))
    built = subprocess.run([sys.executable, "-m", "espconsole", "luac", "-f", "-o", str(work / "lfs.img"),
                            *sources], cwd=REPO, capture_output=True)
    assert built.returncode == 0, built.stderr
    uploader(emulator.pty, "upload", "lfs.img", cwd=work)
    repl = Repl(emulator.pty)
    try:
        reply = repl.command("node.LFS.reload('lfs.img')", until=b"cannot open init.lua: \r\n> ")
        assert b"LFS region updated.  Restarting." in reply
        assert repl.command("print(table.concat(node.LFS.list(), ','))").endswith(
            b"_init,counter,greet\r\n> ")
        repl.command("node.LFS._init()")
        assert repl.command("print(require('greet').hello('pty'))").endswith(b"hello pty\r\n> ")
    finally:
        repl.close()


@needs_uploader
def test_kill_during_upload_loses_no_stored_file(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_bytes(b"precious\n")
    (work / "big.bin").write_bytes(os.urandom(60 * 1024))
    process = EmulatorProcess(project)
    process.start()
    try:
        uploader(process.pty, "upload", "keep.txt", cwd=work)
        env = dict(os.environ, PYTHONPATH=str(REPO))
        upload = subprocess.Popen([sys.executable, str(SHIM), "--port", process.pty, "upload", "big.bin"],
                                  cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3.0)              # part of the 60 KB is on its way
            process.kill()
        finally:
            upload.kill()
            upload.wait()
    finally:
        process.stop()
    again = EmulatorProcess(project)
    again.start()
    try:
        repl = Repl(again.pty)
        try:
            assert repl.port.read(100) == b""          # nothing unsolicited on opening the port
            assert repl.command("print(file.getcontents('keep.txt'))").endswith(b"precious\r\n\r\n> ")
            assert repl.command("print(1+1)").endswith(b"2\r\n> ")
        finally:
            repl.close()
    finally:
        again.stop()


def test_nodemcu_tool_upload_fsinfo_run(emulator, tmp_path):
    command = nodemcu_tool_command()
    if command is None:
        pytest.skip("nodemcu-tool is not installed (npm install nodemcu-tool; set NODEMCU_TOOL)")
    work = tmp_path / "work"
    work.mkdir()
    (work / "hi.lua").write_bytes(b"print('hi from nodemcu-tool')\n")

    def tool(*args: str) -> str:
        result = subprocess.run([*command, "--port", emulator.pty, *args], cwd=work,
                                capture_output=True, timeout=120)
        output = (result.stdout + result.stderr).decode("latin-1")
        assert result.returncode == 0, output
        return output

    if "Cannot find module" in subprocess.run([*command, "--version"], capture_output=True,
                                               timeout=60).stderr.decode("latin-1"):
        pytest.skip("nodemcu-tool's serialport binding is not built")
    tool("upload", "hi.lua")
    info = tool("fsinfo")
    assert "hi.lua" in info and "Free Disk Space" in info
    assert "hi from nodemcu-tool" in tool("run", "hi.lua")


def test_emulate_announces_node_server_ports_for_host_clients(tmp_path):
    """A net server on the emulated node is reachable from the host at the announced port."""
    import socket  # noqa: PLC0415
    with EmulatorProcess(tmp_path) as emulator, serial.Serial(emulator.pty, 115200, timeout=5) as port:
        port.write(b"srv = net.createServer() srv:listen(8266, function(c) c:send('hi from node', "
                   b"function(s) s:close() end) end)\n")
        line = emulator.process.stderr.readline().decode()
        match = re.fullmatch(r"net: node port 8266 -> 127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=10) as client:
            data = b""
            while True:
                chunk = client.recv(100)
                if not chunk:
                    break
                data += chunk
        assert data == b"hi from node"
