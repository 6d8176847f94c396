"""Command-line entry point: picks the sub-command and hands it its arguments (design.md §6)."""

from __future__ import annotations

import importlib
import sys

from espconsole import __version__

# sub-command → module in espconsole.commands that provides `run(argv) -> int`
COMMANDS = {
    "luac": ("luac", "luac.cross-compatible Lua 5.1 compiler and LFS image writer"),
    "lfs": ("lfs", "read and validate LFS images (lfs inspect IMAGE)"),
    "build": ("build", "build the project's LFS image"),
    "ports": ("ports", "list serial ports"),
    "emulate": ("emulate", "run the emulated NodeMCU node (--pty serves it on a pseudo-terminal)"),
    "node": ("node", "headless node commands: exec, upload, download, ls, rm, info, partitions, lfs-reload, reset"),
}

USAGE = """usage: espconsole [DIR] [--port PORT] [--baud N]    the console on project DIR
       espconsole COMMAND [ARGS...]

commands:
{commands}

Run `espconsole COMMAND --help` for a command's options (luac takes luac's own options).
"""


def usage_text() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in COMMANDS.items()]
    return USAGE.format(commands="\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv and sys.stdin.isatty() and sys.stdout.isatty():
        argv = ["."]                     # the console on the current folder
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(usage_text())
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"espconsole {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        # anything else is the console: a project folder and/or its options
        from espconsole.tui.run import run as run_console
        return run_console(argv)
    module = importlib.import_module(f"espconsole.commands.{COMMANDS[name][0]}")
    return module.run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
