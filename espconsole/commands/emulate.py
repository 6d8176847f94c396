"""`espconsole emulate [DIR] [--pty] [--baud N]`: run the emulated NodeMCU node on a pseudo-terminal (for any serial tool) or on this terminal."""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
import threading

from espconsole.errors import EspConsoleError

EXIT_KEY = 0x1D          # Ctrl-] leaves the terminal mode, as in telnet and miniterm


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="espconsole emulate",
        description="Run the emulated NodeMCU node (ESP8266, NodeMCU 3.0, Lua 5.1). Its flash and "
                    "files persist in DIR/.espconsole/node.")
    parser.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    parser.add_argument("--pty", action="store_true",
                        help="serve the node on a pseudo-terminal; prints `pty: /dev/pts/N` and "
                             "runs until killed")
    parser.add_argument("--baud", type=int, default=115200, metavar="N",
                        help="the node's UART rate after boot (default 115200)")
    parser.add_argument("--state", metavar="FOLDER",
                        help="state folder (default DIR/.espconsole/node)")
    parser.add_argument("--no-pacing", action="store_true",
                        help="with --pty: deliver bytes at once instead of at the baud rate")
    return parser


def _board(args):
    from vm.nodemcu.board import Board
    from vm.nodemcu.state import StateLocked, default_state_dir

    folder = args.state or default_state_dir(args.dir)
    try:
        board = Board(folder, boot_baud=args.baud)
    except StateLocked as exc:
        raise EspConsoleError(f"espconsole emulate: {exc}") from None
    board.on_port_mapped = _announce_port
    return board


def _announce_port(node_port: int, host_port: int) -> None:
    """A net server on the node listens: tell host tools where it is (the node's addresses
    all map to 127.0.0.1; a privileged or taken port gets a free one)."""
    print(f"net: node port {node_port} -> 127.0.0.1:{host_port}", file=sys.stderr, flush=True)


def _serve_pty(args) -> int:
    from espconsole.link.pty_bridge import PtyBridge

    board = _board(args)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    bridge = PtyBridge(board, baud=args.baud, paced=not args.no_pacing)
    try:
        board.warm_up()
        board.start()                    # boots before any client can connect: nobody
        board.wait_ready(30.0)           # hears this first boot, as on a board already
        board.read()                     # powered when the port is opened
        bridge.start()
        bridge.announce()
        while not stop.wait(0.5):
            pass
    finally:
        bridge.close()
        board.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _serve_terminal(args) -> int:
    import termios
    import tty

    board = _board(args)
    out = sys.stdout.buffer
    board.set_output(lambda data: (out.write(data), out.flush()))
    fd = sys.stdin.fileno()
    interactive = os.isatty(fd)
    saved = termios.tcgetattr(fd) if interactive else None
    if interactive:
        sys.stderr.write("--- emulated NodeMCU; Ctrl-] quits ---\r\n")
        tty.setraw(fd)
    board.start()
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            data = os.read(fd, 1024)
            if not data:
                break
            if interactive and EXIT_KEY in data:
                board.feed(data[:data.index(EXIT_KEY)])
                break
            board.feed(data)
    except KeyboardInterrupt:
        pass
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        board.close()
    return 0


def run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.baud <= 0:
        sys.stderr.write("espconsole emulate: --baud must be a positive number\n")
        return 2
    try:
        return _serve_pty(args) if args.pty else _serve_terminal(args)
    except EspConsoleError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
