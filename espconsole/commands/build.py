"""`espconsole build [DIR] [-o FILE]`: build the project's LFS image and say what was built and how it fits."""

from __future__ import annotations

import argparse
import sys

from espconsole.build import ProjectBuilder
from espconsole.errors import EspConsoleError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="espconsole build",
                                     description="Build the project's LFS image.")
    parser.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="image file to write (default: lfs.output in espconsole.toml, "
                             "else .espconsole/lfs.img)")
    parser.add_argument("--timestamp", type=int, metavar="N",
                        help="build time stored in the image (reproducible builds)")
    parser.add_argument("--fast", action="store_true",
                        help="compress with zlib: same image once inflated, much faster, but "
                             "not byte-identical to luac.cross's file (lfs.compression = \"fast\")")
    return parser


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        builder = ProjectBuilder(args.dir, output=args.output, timestamp=args.timestamp,
                                 compression="fast" if args.fast else None)
        result = builder.build()
    except EspConsoleError as exc:
        sys.stderr.write(f"espconsole build: {exc}\n")
        return 1
    out = sys.stdout
    for module in result.modules:
        how = "compiled" if module.compiled else "cached  "
        out.write(f"  {how} {module.file} -> {module.name}\n")
    if not result.ok:
        for problem in result.problems:
            sys.stderr.write(f"{problem}\n")
        sys.stderr.write(f"build failed: {_plural(len(result.problems), 'error')}; "
                         f"{result.output} was not changed\n")
        return 1
    used = 100.0 * result.flash_size / result.max_size
    out.write(f"Image size: {result.flash_size} of {result.max_size} bytes ({used:.1f}%), "
              f"{_plural(len(result.modules), 'module')}\n")
    out.write(f"wrote {result.output} ({len(result.data)} bytes) in "
              f"{result.seconds * 1000:.0f} ms\n")
    return 0
