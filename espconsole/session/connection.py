"""Opens the link a --port value names: the emulated node (a board with its state in DIR/.espconsole/node, behind a UART-paced loopback) or a serial port."""

from __future__ import annotations

from pathlib import Path

from espconsole.errors import EspConsoleError
from espconsole.link import DEFAULT_BAUD, EMULATED_PORT, LoopbackLink, link_for_port


class Connection:
    """A link plus, for `emu`, the board behind it; `close()` releases both."""

    def __init__(self, link, board=None):
        self.link = link
        self.board = board

    def close(self) -> None:
        try:
            self.link.close()
        finally:
            if self.board is not None:
                self.board.close()
                self.board = None


def describe(port: str, baud: int) -> str:
    return "emulated" if port == EMULATED_PORT else f"{port}@{baud}"


def open_connection(project: Path, port: str = EMULATED_PORT, baud: int = DEFAULT_BAUD,
                    paced: bool = True) -> Connection:
    """Open the link (raises an EspConsoleError with a one-line message when it cannot)."""
    if port != EMULATED_PORT:
        link = link_for_port(port, baud)
        link.open()
        return Connection(link)
    from vm.nodemcu.board import Board
    from vm.nodemcu.state import StateLocked, default_state_dir
    try:
        board = Board(default_state_dir(project))
    except StateLocked as exc:
        raise EspConsoleError(f"the emulated node of {project} is in use: {exc}") from None
    link = LoopbackLink(board, baud=baud, paced=paced, description="emulated")
    try:
        link.open()
        board.warm_up()
        board.start()
    except BaseException:
        link.close()
        board.close()
        raise
    return Connection(link, board)
