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
           "LinkUnsupported", "LoopbackLink", "PortOpenError", "link_for_port"]


def link_for_port(port: str, baud: int = DEFAULT_BAUD, *, reconnect: bool = True) -> Link:
    """The (unopened) link for a --port value: a serial device, COMn or pyserial URL.

    `emu` needs the emulated board, which the session wires in itself
    (`LoopbackLink(board, description="emulated")`); asking here is an error.
    """
    if port == EMULATED_PORT:
        raise LinkUnsupported("the emulated node is created by the session, not by link_for_port")
    from espconsole.link.serial_link import SerialLink
    return SerialLink(port, baud, reconnect=reconnect)
