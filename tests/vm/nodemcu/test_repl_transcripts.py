"""Byte-exact serial exchanges of spec §1.10 and the REPL rules of §1.4–§1.7 against the in-process board."""

from __future__ import annotations

import pytest

from vm.nodemcu.boot import banner
from tests.vm.nodemcu.board_helpers import booted_board, run, send


@pytest.fixture
def board():
    b = booted_board()
    yield b
    b.close()


@pytest.mark.parametrize("sent, expected", [
    (b"print(1+1)\r\n", b"print(1+1)\r\n2\r\n> "),
    (b"\r\n", b"\r\n> "),
    (b"x = = 1\n", b"x = = 1\r\nLua error: \tstdin:1: unexpected symbol near '='\r\n> "),
    (b'=1,"a",nil\n', b'=1,"a",nil\r\n1\ta\tnil\r\n> '),
    (b'print("a","b")\n', b'print("a","b")\r\na\tb\r\n> '),
    (b'uart.write(0,"C")\n', b'uart.write(0,"C")\r\nC> '),
    (b"ab\bc\r", b"ab\b \bc\r\n>> "),       # "abc" alone is an incomplete statement
    (b'print("a\\r\\nb")\n', b'print("a\\r\\nb")\r\na\r\nb\r\n> '),
    (b'uart.write(0,"a\\n")\n', b'uart.write(0,"a\\n")\r\na\n> '),
    (b"print(10/2, 1/3, 2^53)\n", b"print(10/2, 1/3, 2^53)\r\n5\t0.33333333333333\t9.007199254741e+15\r\n> "),
    (b'print("a\\0b")\n', b'print("a\\0b")\r\na\r\n> '),
])
def test_single_exchanges(board, sent, expected):
    assert send(board, sent) == expected


def test_multi_line_chunk(board):
    assert send(board, b"for i=1,2 do\n") == b"for i=1,2 do\r\n>> "
    assert send(board, b"\n") == b"\r\n>> "            # an empty line re-sends the current prompt
    assert send(board, b"print(i) end\n") == b"print(i) end\r\n1\r\n2\r\n> "


def test_uploader_sync_sequence(board):
    assert send(board, b"UUUUUUUUUUUU\n") == b"UUUUUUUUUUUU\r\n>> "
    reply = send(board, b";\n")
    assert reply.startswith(b";\r\nLua error: \tstdin:2: ") and reply.endswith(b"\r\n> ")
    assert send(board, b'print("%sync%");\n') == b'print("%sync%");\r\n%sync%\r\n> '


def test_runtime_error_traceback(board):
    assert run(board, "nosuch()") == (
        b"Lua error: \tstdin:1: attempt to call global 'nosuch' (a nil value)\r\n"
        b"stack traceback:\r\n\tstdin:1: in main chunk\r\n\t[C]: ?\r\n\t[C]: ?\r\n> ")


def test_library_argument_error(board):
    assert run(board, "file.open()").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'open' (string expected, got no value)\r\n")


def test_line_endings_pair_and_echo(board):
    assert send(board, b"print(1)\n\r") == b"print(1)\r\n1\r\n> "
    # the second CR is an empty line: the driver answers it before the first line runs
    assert send(board, b"print(2)\r\r") == b"print(2)\r\n\r\n> 2\r\n> "


def test_burst_is_echoed_before_it_runs(board):
    assert send(board, b"a=1\nb=2\n") == b"a=1\r\nb=2\r\n> > "


def test_over_long_line_keeps_only_its_tail(board):
    line = b"x" * 300 + b"=5"
    reply = send(board, line + b"\n")
    assert reply.startswith(line + b"\r\n")           # fully echoed
    assert run(board, "=x" + "x" * 44) == b"5\r\n> "   # the last 47 bytes ran: x..x=5


def test_garbage_bytes_keep_the_node_working(board):
    send(board, bytes(range(256)) + b"\n")
    assert run(board, "print('alive')") == b"alive\r\n> "


def test_echo_off_with_uart_setup(board):
    assert run(board, "print(uart.setup(0, 115200, 8, 0, 1, 0))") == b"115200\r\n> "
    assert send(board, b"print(7)\n") == b"7\r\n> "


def test_prompt_override(board):
    assert run(board, "_PROMPT='$ '") == b"$ "
    assert send(board, b"\n") == b"\r\n$ "


def test_node_input_and_output(board):
    assert run(board, "node.input('print(40+2)\\n')") == b"> 42\r\n> "
    run(board, "function cb(p) uart.write(0, '[' .. p:read() .. ']') end")
    assert run(board, "node.output(cb, 0)") == b"[> ]"
    assert send(board, b"print(1)\n") == b"print(1)\r\n[1\n> ]"
    send(board, b"node.output()\n")
    assert run(board, "print(3)") == b"3\r\n> "


def test_boot_tail_without_init_lua():
    board = booted_board()
    try:
        assert board.boot_output.endswith(banner(board.profile) + b"cannot open init.lua: \r\n> ")
        assert b"Formatting file system. Please wait...\r\n" in board.boot_output
    finally:
        board.close()


def test_restart_prints_prompt_then_boots(board):
    reply = run(board, "node.restart() print('still here')")
    assert reply.startswith(b"still here\r\n> ")
    assert reply.endswith(banner(board.profile) + b"cannot open init.lua: \r\n> ")
    assert b"Formatting" not in reply
    assert run(board, "=node.bootreason()") == b"2\t4\r\n> "


def test_callback_error_reboots_after_two_seconds(board):
    assert run(board, "tmr.create():alarm(100, tmr.ALARM_SINGLE, function() error('x') end)") == b"> "
    board.advance(0.2)
    assert board.read() == (b"stdin:1: x\r\nstack traceback:\r\n\t[C]: in function 'error'\r\n"
                            b"\tstdin:1: in function <stdin:1>\r\n")
    board.advance(1.0)
    assert board.read() == b""
    board.advance(1.0)
    assert board.read().endswith(b"cannot open init.lua: \r\n> ")


def test_watchdog_resets_a_runaway_task(board):
    reply = run(board, "while true do end")
    assert reply.endswith(b"cannot open init.lua: \r\n> ")
    assert run(board, "=node.bootreason()") == b"4\t1\r\n> "


def test_init_lua_error_does_not_restart():
    board = booted_board()
    try:
        run(board, "file.putcontents('init.lua', 'x=1\\nerror(\"boom\")')")
        reply = run(board, "node.restart()")
        assert reply.endswith(b"init.lua:2: boom\r\nstack traceback:\r\n\t[C]: in function 'error'\r\n"
                              b"\tinit.lua:2: in main chunk\r\n\t[C]: ?\r\n> ")
        assert run(board, "=x") == b"1\r\n> "
    finally:
        board.close()
