"""NodeClient against the emulated board on an in-process link: sync, exec, files, info, reset, echo off, events, cancel, the node-side watchdog."""

from __future__ import annotations

import os
import threading
import time

import pytest

from espconsole.node import Cancelled, NodeClient, NodeState, RemoteError, TransferError
from espconsole.node import framing, snippets


def test_sync_survives_garbage_and_a_half_typed_line(client, board):
    client.write(b"\x00\xffgarbage that is not Lua for i=1,3 do")
    client.mark_dirty()
    assert client.exec("=1+1").output == b"2\n"
    client.write(b"for i=1,3 do\n")          # a pending multi-line chunk at the REPL
    client.mark_dirty()
    assert client.exec("print('after')").output == b"after\n"


def test_exec_output_values_and_errors(client):
    assert client.exec("print('a\\nb') return 1, nil, 'x'").output == b"a\nb\n1\tnil\tx\n"
    with pytest.raises(RemoteError) as caught:
        client.exec("print('before') error('boom')")
    assert str(caught.value).startswith("stdin:1: boom")
    assert caught.value.output == b"before\n"
    with pytest.raises(RemoteError, match="unexpected symbol"):
        client.exec("x = = 1")
    streamed = []
    client.exec("for i=1,3 do print(i) end", on_output=streamed.append)
    assert b"".join(streamed) == b"1\n2\n3\n"


def test_long_code_travels_framed(client):
    code = "local t = {}\n" + "".join(f"t[{i}] = '{'x' * 40}'\n" for i in range(1, 61)) + "print(#t)"
    assert len(code) > 1000
    assert client.exec(code).output == b"60\n"


def test_upload_download_list_remove_rename(client, board):
    data = os.urandom(5000) + b"\n\r\xfe\xff" * 100
    result = client.upload(data, "data.bin")
    assert result.size == len(data) and result.frames > 20 and not result.skipped
    assert board.state.spiffs.read_file(b"data.bin") == data
    assert client.download("data.bin") == data
    assert client.list_files().files == {"data.bin": len(data)}
    assert client.checksum("data.bin") == (len(data), *framing.adler_parts(data))
    assert client.upload(data, "data.bin", skip_if_same=True).skipped
    client.rename("data.bin", "moved.bin")
    assert "moved.bin" in client.list_files().files
    client.remove("moved.bin")
    assert client.list_files().files == {}
    assert client.upload(b"", "empty.txt").size == 0
    assert board.state.spiffs.read_file(b"empty.txt") == b""


def test_upload_progress_reaches_the_total(client):
    seen = []
    client.upload(os.urandom(3000), "p.bin", lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3000, 3000)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_failures_are_one_line_errors(client):
    with pytest.raises(TransferError, match="no such file"):
        client.download("missing.txt")
    with pytest.raises(Exception, match="too long"):
        client.upload(b"x", "n" * 40)


def test_info_probe(client):
    info = client.info()
    assert info.version == "3.0.0" and info.heap > 0 and info.fs_total > 0
    assert info.partitions is not None and info.partitions.lfs_size == info.lfs_size
    assert info.lfs_modules is None and "file" in info.firmware_modules


def test_reset_resyncs_and_reinstalls_the_helper(client):
    client.exec("x = 5")
    assert client.reset() == "hardware"
    assert client.exec("print(x)").output == b"nil\n"


def test_works_with_echo_off(client):
    client.raw_command(snippets.set_echo(115200, False))
    client.mark_dirty()
    data = os.urandom(2000)
    client.upload(data, "quiet.bin")
    assert client.download("quiet.bin") == data
    assert client.exec("=2*21").output == b"42\n"
    assert client.raw_command("print('x')").startswith(b"x\r\n")   # no echo of the line


def test_state_events(client):
    seen = []
    client.add_state_listener(lambda state, message: seen.append(state))
    client.exec("=1")
    assert seen[:2] == [NodeState.BUSY, NodeState.READY]


def test_cancel_stops_a_transfer_and_leaves_the_node_usable(client, board):
    data = os.urandom(60000)
    timer = threading.Timer(0.05, client.cancel)
    timer.start()
    try:
        with pytest.raises(Cancelled):
            client.upload(data, "big.bin", lambda done, total: time.sleep(0.01))
    finally:
        timer.cancel()
    assert board.state.spiffs.read_file(b"big.bin") is None
    assert client.exec("=3").output == b"3\n"


def test_node_watchdog_restores_the_repl_when_the_host_vanishes(client, board):
    client.ensure_helper("bu")
    nonce = client.new_nonce()
    client.begin_reading()
    client.send_line(snippets.arm_receiver("gone.bin", 1000, (1, 0), nonce, 1))
    tag, _, _, end = client.wait_record(nonce)
    assert tag == "R"
    del client.received[:end]
    client.write(framing.encode_frame(0, b"x" * 100))     # then the host goes silent
    tag, text, _, _ = client.wait_record(nonce, 10.0)
    assert (tag, text) == ("A", b"no data for 1 s")
    assert board.state.spiffs.read_file(b"gone.bin") is None
    assert board.state.spiffs.read_file(snippets.TEMP_NAME.encode()) is None
    client.mark_clean()
    assert client.raw_command("print(7*6)").endswith(b"42\r\n> ")


def test_client_is_thread_safe(client):
    results = []

    def worker(i):
        results.append(client.exec(f"=({i})*2").output)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(f"{i * 2}\n".encode() for i in range(4))


def test_uses_no_node_client_private_state_from_outside():
    assert NodeClient.operation is not None
