"""Opens the link and node client a --port value names: `emu` (the emulated node whose state lives in DIR/.espconsole/node) or a serial port."""

from __future__ import annotations

from pathlib import Path

from espconsole.link import DEFAULT_BAUD, EMULATED_PORT, EmulatedLink, Link, link_for_port
from espconsole.node import NodeClient


def describe(port: str, baud: int) -> str:
    return "emulated" if port == EMULATED_PORT else f"{port}@{baud}"


def make_link(project: Path, port: str = EMULATED_PORT, baud: int = DEFAULT_BAUD,
              paced: bool = True) -> Link:
    """The unopened link.  The console paces the emulated wire at the real baud rate, which
    link_for_port does not offer (yet), so then it builds the EmulatedLink itself."""
    if port == EMULATED_PORT and paced:
        return EmulatedLink(str(project), baud, paced=True)
    return link_for_port(port, baud, project_dir=str(project))


def open_client(link: Link, console_listener, state_listener) -> NodeClient:
    """A NodeClient on `link`, listeners attached before any byte flows, opened and in sync.
    On failure the link is closed again and the error (an EspConsoleError) raised."""
    client = NodeClient(link)
    client.add_console_listener(console_listener)
    client.add_state_listener(state_listener)
    try:
        client.open()
    except BaseException:
        client.close()
        raise
    return client
