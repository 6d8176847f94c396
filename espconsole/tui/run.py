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
    from espconsole.tui.app import ConsoleApp

    session = Session(root, port=args.port, baud=args.baud)
    if args.no_auto_deploy:
        session.set_auto_deploy(False)
    try:
        ConsoleApp(session).run()
    finally:
        session.close()
    return 0
