"""`espconsole node [--port PORT] [--baud N] COMMAND ...`: headless node operations (exec, upload, download, ls, rm, info, partitions, lfs-reload, reset) with progress bars and one-line errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from espconsole.errors import EspConsoleError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="espconsole node",
        description="Talk to a NodeMCU node without the console: a serial port, a pyserial URL "
                    "or `emu` (the built-in emulated node of DIR).")
    parser.add_argument("--port", default="emu", help="serial device, COMn, socket://, "
                        "rfc2217:// or emu (default)")
    parser.add_argument("--baud", type=int, default=115200, metavar="N",
                        help="the node's console rate (default 115200)")
    parser.add_argument("--dir", default=".", metavar="DIR",
                        help="project folder; `emu` keeps its flash in DIR/.espconsole/node")
    parser.add_argument("--transfer-baud", type=int, metavar="N",
                        help="switch node and host to N baud for transfers, back afterwards")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="how long code may run (exec), default 10 s")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("exec", help="run Lua code (argument, file or - for stdin)")
    p.add_argument("code", nargs="?", help="Lua code; with -f a file; - reads stdin")
    p.add_argument("-f", "--file", help="run this local file")
    p = sub.add_parser("upload", help="upload local files")
    p.add_argument("files", nargs="+", metavar="FILE[:NAME]")
    p.add_argument("--skip-same", action="store_true",
                   help="skip files the node already holds with the same content")
    p = sub.add_parser("download", help="download a node file")
    p.add_argument("name")
    p.add_argument("dest", nargs="?", help="local path (default: same name; - for stdout)")
    sub.add_parser("ls", help="list files and file-system usage")
    p = sub.add_parser("rm", help="remove node files")
    p.add_argument("names", nargs="+")
    sub.add_parser("info", help="firmware, heap, file system, partitions, LFS")
    p = sub.add_parser("partitions", help="show or set the partition table (setting reboots)")
    for key in ("lfs-addr", "lfs-size", "spiffs-addr", "spiffs-size"):
        p.add_argument(f"--{key}", type=lambda text: int(text, 0), metavar="N")
    p = sub.add_parser("lfs-reload", help="upload an LFS image (or build DIR's) and reload it")
    p.add_argument("image", nargs="?", help="image file (default: build the project in --dir)")
    p.add_argument("--name", default="lfs.img", help="file name on the node (default lfs.img)")
    p.add_argument("--force", action="store_true", help="upload and reload even if unchanged")
    sub.add_parser("reset", help="reboot the node (DTR/RTS, or node.restart() over a pty)")
    return parser


class _Progress:
    """A rich progress bar per transfer, on stderr; silent when stderr is not a terminal."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                   TimeRemainingColumn, TransferSpeedColumn)
        console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                 TransferSpeedColumn(), TimeRemainingColumn(), console=console,
                                 disable=not console.is_terminal, transient=False)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def task(self, description: str, total: int):
        task = self.progress.add_task(description, total=max(1, total))

        def update(done: int, all_: int) -> None:
            self.progress.update(task, completed=done, total=max(1, all_))
        return update


def _open(args):
    from espconsole.link import link_for_port
    from espconsole.node import NodeClient
    link = link_for_port(args.port, args.baud, project_dir=args.dir)
    client = NodeClient(link)
    client.open()
    return client


def _split_target(spec: str) -> tuple[Path, str]:
    local, sep, name = spec.rpartition(":")
    if sep and local and not (len(local) == 1 and local.isalpha()):   # keep C:\ paths whole
        return Path(local), name
    return Path(spec), Path(spec).name


def _exec(client, args) -> int:
    if args.file:
        code = Path(args.file).read_bytes()
    elif args.code in (None, "-"):
        code = sys.stdin.buffer.read()
    else:
        code = args.code.encode()
    out = sys.stdout.buffer

    def show(data: bytes) -> None:
        out.write(data)
        out.flush()
    from espconsole.node import RemoteError
    try:
        client.exec(code, timeout=args.timeout, on_output=show)
    except RemoteError as exc:
        first, _, rest = str(exc).partition("\n")
        sys.stderr.write(f"espconsole node: Lua error: {first}\n{rest}\n" if rest
                         else f"espconsole node: Lua error: {first}\n")
        return 1
    return 0


def _upload(client, args) -> int:
    jobs = [_split_target(spec) for spec in args.files]
    for local, _ in jobs:
        if not local.is_file():
            raise EspConsoleError(f"no such file: {local}")
    with _Progress() as bars:
        for local, name in jobs:
            data = local.read_bytes()
            result = client.upload(data, name, bars.task(f"{name}", len(data)),
                                   skip_if_same=args.skip_same)
            note = "unchanged, skipped" if result.skipped else f"{result.rate / 1024:.1f} KiB/s"
            print(f"{local} -> {name}: {len(data)} bytes ({note})")
    return 0


def _download(client, args) -> int:
    with _Progress() as bars:
        data = client.download(args.name, bars.task(args.name, 0))
    if args.dest == "-":
        sys.stdout.buffer.write(data)
        return 0
    dest = Path(args.dest or Path(args.name).name)
    dest.write_bytes(data)
    print(f"{args.name} -> {dest}: {len(data)} bytes")
    return 0


def _ls(client, args) -> int:
    listing = client.list_files()
    width = max([len(name) for name in listing.files] + [4])
    for name, size in listing.files.items():
        print(f"{name.ljust(width)}  {size:>8}")
    print(f"{len(listing.files)} files; {listing.used} bytes used, {listing.remaining} free of "
          f"{listing.total}")
    return 0


def _rm(client, args) -> int:
    for name in args.names:
        client.remove(name)
    return 0


def _info(client, args) -> int:
    info = client.info()
    rows = [("firmware", f"NodeMCU {info.version} ({info.branch}, {info.number_type})"),
            ("chip id", info.chip_id), ("flash", f"{info.flash_size_kib} KiB"),
            ("heap", info.heap),
            ("file system", f"{info.fs_used} used, {info.fs_remaining} free of {info.fs_total}"),
            ("modules", ",".join(info.firmware_modules))]
    if info.partitions is not None:
        t = info.partitions
        rows.append(("partitions", f"LFS {t.lfs_addr:#x}+{t.lfs_size:#x}, "
                                   f"SPIFFS {t.spiffs_addr:#x}+{t.spiffs_size:#x}"))
    rows.append(("LFS", "no image loaded" if info.lfs_modules is None else
                 f"{len(info.lfs_modules)} modules, timestamp {info.lfs_time}: "
                 f"{', '.join(info.lfs_modules)}"))
    for key, value in rows:
        print(f"{key:12} {value}")
    return 0


def _partitions(client, args) -> int:
    values = {key: getattr(args, key) for key in ("lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size")
              if getattr(args, key) is not None}
    table = client.set_partitions(**values) if values else client.partitions()
    for key, value in table.as_dict().items():
        print(f"{key:12} {value:#08x}  ({value})")
    return 0


def _lfs_reload(client, args) -> int:
    if args.image:
        image = Path(args.image).read_bytes()
    else:
        from espconsole.build import ProjectBuilder
        result = ProjectBuilder(Path(args.dir)).build()
        if not result.ok:
            raise EspConsoleError("build failed: " + "; ".join(str(p) for p in result.problems))
        image = result.data
    with _Progress() as bars:
        result = client.deploy_lfs(image, bars.task(args.name, len(image)), name=args.name,
                                   force=args.force)
    state = "reloaded" if result.reloaded else "already running"
    print(f"LFS {state}: {len(result.modules)} modules, timestamp {result.timestamp}")
    return 0


def _reset(client, args) -> int:
    how = client.reset()
    print(f"node restarted ({how})")
    return 0


COMMANDS = {"exec": _exec, "upload": _upload, "download": _download, "ls": _ls, "rm": _rm,
            "info": _info, "partitions": _partitions, "lfs-reload": _lfs_reload, "reset": _reset}
TRANSFERS = ("upload", "download")     # a reload reboots the node to its boot rate


def run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    client = None
    try:
        client = _open(args)
        switched = False
        if args.transfer_baud and args.command in TRANSFERS and args.transfer_baud != args.baud:
            client.switch_baud(args.transfer_baud)
            switched = True
        try:
            return COMMANDS[args.command](client, args)
        finally:
            if switched:
                client.switch_baud(args.baud)
    except EspConsoleError as exc:
        sys.stderr.write(f"espconsole node: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"espconsole node: {exc.strerror or exc}: {exc.filename or ''}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("espconsole node: interrupted\n")
        return 130
    finally:
        if client is not None:
            client.close()
        sys.stdout.flush()
