"""LFS on the board: node.LFS.reload from SPIFFS into flash, boot-time mapping, the _init loader, error strings, the power-cut failsafe, node.LFS.list/get/time/config and debug.getstrings."""

from __future__ import annotations

from pathlib import Path

import pytest

import vm
from vm.lfs import build_image
from vm.nodemcu.board import BoardReset
from tests.vm.nodemcu.board_helpers import booted_board, run

PROJECT = Path(__file__).parent / "lfs_project"
TIMESTAMP = 1700000000


def image_bytes(names=("_init", "greet", "counter")) -> bytes:
    protos = [vm.compile((PROJECT / f"{name}.lua").read_bytes(), f"@{name}.lua") for name in names]
    return build_image(protos, TIMESTAMP).data


def put_file(board, name: str, data: bytes) -> None:
    assert board.state.spiffs.write_file(name.encode(), data)


@pytest.fixture
def board():
    b = booted_board()
    yield b
    b.close()


def test_no_image_at_first(board):
    assert b"No LFS image loaded\r\n" in board.boot_output
    assert run(board, "=node.LFS.list(), node.LFS.time, node.LFS.get('greet')") == b"nil\tnil\tnil\r\n> "
    assert run(board, "=node.LFS.config.lfs_size, node.LFS.config.lfs_used") == b"131072\t0\r\n> "


def test_reload_then_require_through_init(board):
    put_file(board, "lfs.img", image_bytes())
    reply = run(board, "=node.LFS.reload('lfs.img')")
    assert reply.startswith(b"LFS region updated.  Restarting.")
    assert b"No LFS image loaded" not in reply and reply.endswith(b"cannot open init.lua: \r\n> ")
    assert run(board, "=table.concat(node.LFS.list(), ',')") == b"_init,counter,greet\r\n> "
    assert run(board, "=node.LFS.time, node.flashindex('nosuch')") == b"1700000000\tnil\r\n> "
    assert run(board, "node.LFS._init()") == b"> "
    assert run(board, "=require('greet').hello('lfs')") == b"hello lfs\r\n> "
    assert run(board, "c = LFS.counter() print(c(), c())") == b"1\t2\r\n> "
    assert run(board, "=node.info('lfs').lfs_used > 0") == b"true\r\n> "
    assert run(board, "s = debug.getstrings('ROM') print(#s > 10, s[1] < s[2])") == b"true\ttrue\r\n> "
    ram = run(board, "=table.concat(debug.getstrings('RAM'), ' ')")
    assert b" while " in ram and b"hello lfs" not in ram


def test_getstrings_without_lfs(board):
    assert run(board, "=debug.getstrings('ROM')") == b"nil\r\n> "
    assert run(board, "=pcall(debug.getstrings, 'x')") == \
        b"false\tbad argument #1 to '?' (invalid option 'x')\r\n> "


def test_startup_command_runs_an_lfs_module(board):
    put_file(board, "lfs.img", image_bytes())
    run(board, "node.LFS.reload('lfs.img')")
    run(board, "node.startup({command='!_init'})")
    run(board, "node.restart()")
    assert run(board, "=type(LFS), require('greet').hello('x')") == b"table\thello x\r\n> "


@pytest.mark.parametrize("data, message", [
    (None, b"LFS image file not found"),
    (b"x" * 100, b"read error on LFS image file"),
])
def test_reload_errors_are_returned_strings(board, data, message):
    if data is not None:
        put_file(board, "bad.img", data)
    assert run(board, "=node.LFS.reload('bad.img')") == message + b"\r\n> "


def test_corrupt_image_keeps_the_node_and_files(board):
    good = image_bytes()
    corrupt = bytearray(good)
    corrupt[len(corrupt) // 2] ^= 0xFF
    put_file(board, "bad.img", bytes(corrupt))
    put_file(board, "keep.txt", b"data")
    reply = run(board, "=node.LFS.reload('bad.img')")
    assert reply in (b"read error on LFS image file\r\n> ", b"checksum error on LFS image file\r\n> ")
    assert run(board, "=file.getcontents('keep.txt')") == b"data\r\n> "


def test_oversized_image_is_refused(board):
    run(board, "=1")
    big = build_image([vm.compile(b"local t = {" + b",".join(b'"s%d"' % i for i in range(5000)) + b"} return t",
                                  b"@big.lua")], TIMESTAMP).data
    put_file(board, "big.img", big)
    assert run(board, "=node.LFS.reload('big.img')") == b"LFS Image too big for configured LFS region\r\n> "


def test_no_partition(board):
    run(board, "node.setpartitiontable({lfs_size=0})")
    assert run(board, "=node.LFS.reload('x.img')") == b"No LFS partition allocated\r\n> "


@pytest.mark.parametrize("cut_at", [("erase", 0), ("write", 0), ("write", 2048), ("finish", None)])
def test_power_cut_during_reload_is_failsafe(board, cut_at):
    put_file(board, "lfs.img", image_bytes())

    def hook(stage, offset):
        if stage == cut_at[0] and (cut_at[1] is None or offset == cut_at[1]):
            board.power_cut_hook = None
            raise BoardReset((1, 0))
    board.power_cut_hook = hook
    reply = run(board, "node.LFS.reload('lfs.img')")
    assert b"LFS region updated" not in reply
    assert b"No LFS image loaded" in reply or b"Flash sig not correct: 0x" in reply
    assert run(board, "=node.LFS.list()") == b"nil\r\n> "
    assert run(board, "=file.exists('lfs.img')") == b"true\r\n> "
    assert run(board, "=node.LFS.reload('lfs.img')").startswith(b"LFS region updated.")
    assert run(board, "=#node.LFS.list()") == b"3\r\n> "


def test_image_survives_a_new_board_on_the_same_state(tmp_path):
    first = booted_board(tmp_path)
    try:
        put_file(first, "lfs.img", image_bytes())
        run(first, "node.LFS.reload('lfs.img')")
    finally:
        first.close()
    second = booted_board(tmp_path)
    try:
        assert b"No LFS image loaded" not in second.boot_output
        assert run(second, "=#node.LFS.list()") == b"3\r\n> "
    finally:
        second.close()
