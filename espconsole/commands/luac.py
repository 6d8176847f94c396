"""`espconsole luac`: the luac / luac.cross command line — options, messages and exit status as theirs (counterpart of luac.c)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import vm
from vm.bytecode.dump import DumpError
from vm.bytecode.proto import Proto
from vm.errors import LuaError
from vm.loader import load_file_bytes

PROGNAME = "luac"
DEFAULT_OUTPUT = "luac.out"
STOCK_VERSION = "Lua 5.1.5  Copyright (C) 1994-2012 Lua.org, PUC-Rio"
NODEMCU_VERSION = "Lua 5.1.4  Copyright (C) 1994-2011 Lua.org, PUC-Rio"

# luac.cross accepts absolute LFS images only inside the ESP8266's mapped flash window.
IROM0_SEG = 0x40210000
IROM0_SEGMAX = 0x00100000

USAGE = """usage: {prog} [options] [filenames].
Available options are:
  -        process stdin
  -l       list
  -o name  output to file 'name' (default is "luac.out")
  -f       output a flash image file
  -a addr  generate an absolute, rather than position independent flash image file
  -i       generate lookup combination master (default with option -f)
  -m size  maximum LFS image in bytes
  -p       parse only
  -s       strip debug information
  -v       show version information
  --stock  write stock luac 5.1 (x86-64) chunks instead of NodeMCU's
  --int    target the integer firmware build
  --timestamp N  store N as the LFS image build time (reproducible images)
  --       stop handling options
"""


class LuacExit(Exception):
    """Stop with a message on stderr and a status, like luac's fatal() and usage()."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class LuacOptions:
    listing: int = 0
    dumping: bool = True
    stripping: bool = False
    output: str | None = DEFAULT_OUTPUT     # None means stdout (`-o -`)
    version: int = 0
    flash: bool = False                     # -f: write an LFS image
    lookup: bool = False                    # -i: generate the module lookup main function
    address: int | None = None              # -a: absolute image at this flash address
    max_size: int | None = None             # -m: limit on the uncompressed image
    stock: bool = False
    integer: bool = False
    timestamp: int | None = None
    files: list[str] = field(default_factory=list)

    @property
    def chunk_format(self) -> vm.ChunkFormat:
        if self.stock:
            return vm.STOCK
        return vm.NODEMCU_INT if self.integer else vm.NODEMCU


def _usage(message: str) -> LuacExit:
    if message.startswith("-"):
        head = f"{PROGNAME}: unrecognized option '{message}'\n"
    else:
        head = f"{PROGNAME}: {message}\n"
    return LuacExit(head + USAGE.format(prog=PROGNAME).rstrip("\n"))


def _parse_number(text: str | None, option: str) -> int:
    """An integer option value written in C's strtol base-0 notation (decimal, 0x hex, 0 octal)."""
    if text is None:
        raise _usage(f"'{option}' needs argument")
    try:
        value = text.strip().lower()
        sign = -1 if value.startswith("-") else 1
        value = value.lstrip("+-")
        if value.startswith("0x"):
            return sign * int(value[2:], 16)
        if value.startswith("0") and len(value) > 1:
            return sign * int(value[1:], 8)
        return sign * int(value, 10)
    except ValueError:
        raise _usage(f"'{option}' needs a number, got '{text}'") from None


def parse_args(argv: list[str]) -> LuacOptions:
    """Read options the way luac does: they end at the first non-option, `-` or `--`."""
    opts = LuacOptions()
    i = 0
    n = len(argv)
    while i < n:
        arg = argv[i]
        if not arg.startswith("-"):
            break
        if arg == "--":
            i += 1
            if opts.version:
                opts.version += 1
            break
        if arg == "-":
            break
        if arg == "-l":
            opts.listing += 1
        elif arg == "-o":
            i += 1
            if i >= n or not argv[i]:
                raise _usage("'-o' needs argument")
            opts.output = None if argv[i] == "-" else argv[i]
        elif arg == "-p":
            opts.dumping = False
        elif arg == "-s":
            opts.stripping = True
        elif arg == "-v":
            opts.version += 1
        elif arg == "-f":
            opts.flash = opts.lookup = True
        elif arg == "-i":
            opts.lookup = True
        elif arg == "-a":
            i += 1
            opts.flash = opts.lookup = True
            opts.address = _parse_number(argv[i] if i < n else None, "-a")
            if not 0 <= opts.address - IROM0_SEG <= IROM0_SEGMAX:
                raise _usage("'-a' absolute address must be valid flash address")
        elif arg == "-m":
            i += 1
            opts.flash = opts.lookup = True
            opts.max_size = _parse_number(argv[i] if i < n else None, "-m")
            if opts.max_size & 0xFFF:
                raise _usage("'-m' maximum size must be a multiple of 4,096")
        elif arg == "--stock":
            opts.stock = True
        elif arg == "--int":
            opts.integer = True
        elif arg == "--timestamp":
            i += 1
            opts.timestamp = _parse_number(argv[i] if i < n else None, "--timestamp")
        elif arg in ("-h", "--help"):
            raise LuacExit(USAGE.format(prog=PROGNAME).rstrip("\n"), status=0)
        else:
            raise _usage(arg)
        i += 1
    files = argv[i:]
    if not files and (opts.listing or not opts.dumping):
        # luac lists or checks its own default output when given no file.
        opts.dumping = False
        files = [DEFAULT_OUTPUT]
    opts.files = files
    if opts.stock and (opts.flash or opts.lookup):
        raise _usage("'--stock' cannot be combined with LFS images (-f, -a, -i, -m)")
    if opts.stock and opts.integer:
        raise _usage("'--stock' and '--int' exclude each other")
    return opts


def load_input(path: str, integer: bool = False) -> Proto:
    """Compile (or undump) one input file as luaL_loadfile would; `-` is standard input."""
    if path == "-":
        data = sys.stdin.buffer.read()
        chunkname = b"=stdin"
    else:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise LuacExit(f"{PROGNAME}: cannot open {path}: {exc.strerror}") from None
        chunkname = b"@" + os.fsencode(path)
    try:
        return load_file_bytes(data, chunkname, integer=integer)
    except LuaError as exc:
        raise LuacExit(f"{PROGNAME}: {exc.message}") from None


def load_inputs(opts: LuacOptions) -> list[Proto]:
    """Every input file compiled; in NodeMCU formats without local and upvalue names, as luac.cross does."""
    protos = [load_input(path, integer=opts.integer) for path in opts.files]
    if not opts.stock:
        for proto in protos:
            proto.strip_names()
    return protos


def combine(protos: list[Proto]) -> Proto:
    """One main function that runs each file's chunk in turn (luac's rule for several inputs)."""
    if len(protos) == 1:
        return protos[0]
    from vm.bytecode.opcodes import OP_CALL, OP_CLOSURE, OP_RETURN, create_abc, create_abx  # noqa: PLC0415

    code: list[int] = []
    for index in range(len(protos)):
        code.append(create_abx(OP_CLOSURE, 0, index))
        code.append(create_abc(OP_CALL, 0, 1, 1))
    code.append(create_abc(OP_RETURN, 0, 1, 0))
    return Proto(source=b"=(" + PROGNAME.encode() + b")", maxstacksize=1, code=code,
                 protos=list(protos))


def write_output(opts: LuacOptions, data: bytes) -> None:
    if opts.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(opts.output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise LuacExit(f"{PROGNAME}: cannot open {opts.output}: {exc.strerror}") from None


def _run(argv: list[str]) -> int:
    opts = parse_args(argv)
    if opts.version:
        print(STOCK_VERSION if opts.stock else NODEMCU_VERSION)
        if opts.version == len(argv):
            return 0
    if not opts.files:
        raise _usage("no input files given")
    if opts.flash or opts.lookup:
        from espconsole.commands.luac_flash import run_flash  # noqa: PLC0415

        return run_flash(opts)
    protos = load_inputs(opts)
    main_proto = combine(protos)
    if opts.listing:
        sys.stdout.write(vm.listing(main_proto, full=opts.listing > 1))
        sys.stdout.flush()
    if opts.dumping:
        try:
            data = vm.dump(main_proto, opts.chunk_format, strip=opts.stripping)
        except DumpError as exc:
            raise LuacExit(f"{PROGNAME}: {exc.message}") from None
        write_output(opts, data)
    return 0


def run(argv: list[str]) -> int:
    try:
        return _run(argv)
    except LuacExit as exc:
        stream = sys.stdout if exc.status == 0 else sys.stderr
        stream.write(exc.message + "\n")
        return exc.status
