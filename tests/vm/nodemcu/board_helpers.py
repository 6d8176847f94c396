"""Shared helpers for the board tests: a booted, caller-driven board and a line exchanger."""

from __future__ import annotations

from vm.nodemcu.board import Board
from vm.nodemcu.scheduler import ManualClock


def booted_board(directory=None, **kwargs) -> Board:
    """A board on a ManualClock, powered on, boot output consumed."""
    board = Board(directory, clock=ManualClock(), **kwargs)
    board.power_on()
    board.run_until_idle()
    board.boot_output = board.read()
    return board


def send(board: Board, data: bytes) -> bytes:
    """Feed bytes, run until idle, return everything the board sent."""
    board.feed(data)
    board.run_until_idle()
    return board.read()


def run(board: Board, line: str | bytes) -> bytes:
    """One REPL line (LF added); returns the reply without the echo line."""
    data = line.encode() if isinstance(line, str) else line
    reply = send(board, data + b"\n")
    echo = data + b"\r\n"
    assert reply.startswith(echo), reply
    return reply[len(echo):]
