"""`espconsole [DIR] [--port PORT] [--baud N]`: parse the console's options, open the session and run the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from espconsole.session import Session

DEFAULT_PORT = "emu"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="espconsole",
        description="The NodeMCU developer console on project DIR: REPL, partition table and "
                    "LFS modules; rebuilds and deploys on every save.")
    p.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    p.add_argument("--port", default=DEFAULT_PORT,
                   help="serial device, COMn, pyserial URL (socket://, rfc2217://) or `emu`, "
                        "the built-in emulated node (default)")
    p.add_argument("--baud", type=int, default=115200, metavar="N",
                   help="baud rate (default 115200)")
    p.add_argument("--no-auto-deploy", action="store_true",
                   help="start with auto-deploy off (F9 toggles it)")
    return p


def run(argv: list[str]) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    root = Path(args.dir)
    if not root.is_dir():
        sys.stderr.write(f"espconsole: {args.dir}: no such folder\n")
        return 2
    if args.baud <= 0:
        sys.stderr.write("espconsole: --baud must be a positive number\n")
        return 2
    session, app = open_console(root, args.port, args.baud, auto_deploy=not args.no_auto_deploy)
    try:
        app.run()
    finally:
        session.close()
    return 0


def open_console(root: Path, port: str = DEFAULT_PORT, baud: int = 115200, *,
                 auto_deploy: bool = True):
    """The session, already connecting in the background, and the app that will show it."""
    session = Session(root, port=port, baud=baud)
    if not auto_deploy:
        session.set_auto_deploy(False)
    session.start()                     # the node boots while Textual starts up
    from espconsole.tui.app import ConsoleApp
    return session, ConsoleApp(session, start_session=False)
