"""The protocol through real pyserial against the emulated board behind a paced pseudo-terminal: sync, exec, upload, download, echo off, baud switch, reset without modem lines."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("serial", reason="pyserial is needed to open the pty")

from espconsole.link.pty_bridge import PtyBridge  # noqa: E402
from espconsole.link.serial_link import SerialLink  # noqa: E402
from espconsole.node import NodeClient, snippets  # noqa: E402


@pytest.fixture
def pty_client(board):
    bridge = PtyBridge(board, 115200, paced=True)
    path = bridge.start()
    link = SerialLink(path, 115200, reconnect=False)
    client = NodeClient(link)
    try:
        client.open()
        yield client
    finally:
        try:
            client.close()                   # closes the link: its reader thread is joined
        finally:
            bridge.close()                   # joins the bridge thread, releases the pty


def test_exec_upload_download_over_pyserial(pty_client, board):
    assert pty_client.exec("print('hello') return 6*7").output == b"hello\n42\n"
    data = os.urandom(3000) + b"\n\r\xfe\xff" * 20
    result = pty_client.upload(data, "pty.bin")
    assert result.frames > 10
    assert board.state.spiffs.read_file(b"pty.bin") == data
    assert pty_client.download("pty.bin") == data
    # A short exchange right after the long node-to-host burst: the bridge used to lose its
    # wake-up there and hold the node's reply until the host wrote again (fixed in PtyBridge;
    # tests/espconsole/link/test_pty_bridge.py forces that race deterministically).
    assert pty_client.list_files().files == {"pty.bin": len(data)}


def test_echo_off_over_pyserial(pty_client, board):
    pty_client.raw_command(snippets.set_echo(115200, False))
    pty_client.mark_dirty()
    data = os.urandom(1500)
    pty_client.upload(data, "quiet.bin")
    assert board.state.spiffs.read_file(b"quiet.bin") == data
    assert pty_client.exec("=1+2").output == b"3\n"


def test_baud_switch_and_reset_fallback(pty_client, board):
    pty_client.switch_baud(460800)
    assert pty_client.link.baud == 460800
    data = os.urandom(4000)
    pty_client.upload(data, "fast.bin")
    assert board.state.spiffs.read_file(b"fast.bin") == data
    # A pty has no RTS line: reset falls back to node.restart(), which also brings the node
    # back to its boot rate, so the host follows.
    pty_client.switch_baud(115200)
    assert pty_client.reset() == "node.restart()"
    assert pty_client.exec("=node.bootreason()").output.startswith(b"2\t4")
