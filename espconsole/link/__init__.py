"""Byte links to a node: the `Link` contract, serial ports (pyserial URLs), in-process endpoints and the pty bridge.

The node protocol (`espconsole.node`) only ever sees a `Link`; which transport is behind it is
decided here, from the `--port` value.
"""

from espconsole.link.base import (DEFAULT_BAUD, ByteEndpoint, Link, LinkClosed, LinkDisconnected,
                                  LinkError, LinkState, LinkTimeout, LinkUnsupported,
                                  PortOpenError)
from espconsole.link.loopback import EchoEndpoint, FaultInjector, LoopbackLink

EMULATED_PORT = "emu"

__all__ = ["DEFAULT_BAUD", "ByteEndpoint", "EchoEndpoint", "EMULATED_PORT", "FaultInjector", "Link",
           "LinkClosed", "LinkDisconnected", "LinkError", "LinkState", "LinkTimeout",
           "LinkUnsupported", "LoopbackLink", "EmulatedLink", "PortOpenError", "link_for_port"]


def link_for_port(port: str, baud: int = DEFAULT_BAUD, *, reconnect: bool = True,
                  project_dir: str = ".") -> Link:
    """The (unopened) link for a --port value: a serial device, COMn or pyserial URL, or `emu`:
    the built-in emulated node, whose flash and files live in PROJECT_DIR/.espconsole/node."""
    if port == EMULATED_PORT:
        return EmulatedLink(project_dir, baud)
    from espconsole.link.serial_link import SerialLink
    return SerialLink(port, baud, reconnect=reconnect)


class EmulatedLink(LoopbackLink):
    """`emu`: a LoopbackLink to an emulated board that is powered on when the link opens (as a
    board already running when its port is opened: the first boot's output is not heard) and
    powered off, its state folder released, when the link closes."""

    def __init__(self, project_dir: str = ".", baud: int = DEFAULT_BAUD, paced: bool = False):
        from vm.nodemcu.board import Board
        from vm.nodemcu.state import StateLocked, default_state_dir
        try:
            board = Board(default_state_dir(project_dir), boot_baud=baud)
        except StateLocked as exc:
            raise PortOpenError(f"emu: {exc}") from None
        super().__init__(board, baud=baud, paced=paced, description="emulated")

    def _open_transport(self) -> None:
        board = self.endpoint
        board.warm_up()
        board.start()
        board.wait_ready(30.0)
        board.read()
        super()._open_transport()

    def _close_transport(self) -> None:
        super()._close_transport()
        self.endpoint.close()
