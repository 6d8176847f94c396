"""`espconsole lfs inspect IMAGE [--json]`: read and validate an LFS image and describe it (the host-side view of app/lua/lflash.c's checks)."""

from __future__ import annotations

import argparse
import datetime
import json
import sys

import vm.lfs
from espconsole.config import parse_size
from vm.bytecode.proto import Proto
from vm.lfs.image_format import bitmap_words

VARIANT_BY_NAME = {"float": vm.lfs.FLOAT, "integer": vm.lfs.INTEGER,
                   "float-unpacked": vm.lfs.FLOAT_UNPACKED}


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="espconsole lfs",
                                     description="Read and validate NodeMCU LFS images.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inspect = commands.add_parser("inspect", help="validate an image and show what it holds")
    inspect.add_argument("image", metavar="IMAGE")
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")
    inspect.add_argument("--partition", "-p", type=_size, metavar="SIZE",
                         help="LFS partition size to check the image against (e.g. 0x20000, 128K)")
    inspect.add_argument("--variant", choices=sorted(VARIANT_BY_NAME),
                         help="reject images for any other firmware build")
    inspect.add_argument("--relocatable", action="store_true",
                         help="reject absolute images (node.LFS.reload needs a gzip image)")
    return parser


def _text(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


def _tree_counts(proto: Proto) -> tuple[int, int, int]:
    instructions = constants = functions = 0
    for p in proto.walk():
        instructions += len(p.code)
        constants += len(p.constants)
        functions += 1
    return instructions, constants, functions - 1


def describe(image: vm.lfs.LfsImage, path: str, partition: int | None) -> dict:
    timestamp = image.timestamp
    when = None
    try:
        when = datetime.datetime.fromtimestamp(float(timestamp), datetime.timezone.utc)
        when = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError, TypeError):
        pass
    modules = []
    for module in image.modules:
        instructions, constants, functions = _tree_counts(module.proto)
        modules.append({"name": _text(module.name), "instructions": instructions,
                        "constants": constants, "functions": functions})
    info = {
        "file": path, "valid": True, "variant": image.variant.name,
        "signature": f"0x{image.variant.signature | int(image.absolute):08X}",
        "absolute": image.absolute, "address": image.base if image.absolute else None,
        "compressed": image.compressed, "file_size": image.file_size,
        "image_size": image.flash_size,
        "bitmap_size": bitmap_words(image.flash_size) * 4 if image.compressed else 0,
        "timestamp": int(timestamp) if float(timestamp).is_integer() else timestamp,
        "built": when, "strings": image.string_count, "buckets": image.bucket_count,
        "modules": modules,
    }
    if partition is not None:
        info["partition"] = {"size": partition, "fits": image.flash_size <= partition,
                             "free": partition - image.flash_size}
    return info


def _format_text(info: dict) -> str:
    kind = (f"absolute, linked for 0x{info['address']:08X}" if info["absolute"]
            else "position independent, gzip")
    lines = [
        f"{info['file']}: LFS image for the Lua 5.1 {info['variant']} firmware "
        f"({kind}, signature {info['signature']})",
        f"  file size:   {info['file_size']} bytes",
        f"  image size:  {info['image_size']} bytes"
        + (f" (+ {info['bitmap_size']}-byte relocation bitmap)" if info["bitmap_size"] else ""),
        f"  built:       {info['built'] or '?'} (timestamp {info['timestamp']})",
        f"  strings:     {info['strings']} in {info['buckets']} buckets",
    ]
    part = info.get("partition")
    if part:
        used = 100.0 * info["image_size"] / part["size"] if part["size"] else float("inf")
        verdict = (f"fits, {part['free']} bytes free ({used:.1f}% used)" if part["fits"]
                   else f"does NOT fit: {-part['free']} bytes too large")
        lines.append(f"  partition:   {part['size']} bytes: {verdict}")
    modules = info["modules"]
    lines.append(f"  modules:     {len(modules)}")
    if modules:
        width = max(12, max(len(m["name"]) for m in modules))
        lines.append(f"    {'name'.ljust(width)}  instructions  constants  functions")
        for m in modules:
            lines.append(f"    {m['name'].ljust(width)}  {m['instructions']:>12}  "
                         f"{m['constants']:>9}  {m['functions']:>9}")
    return "\n".join(lines) + "\n"


def inspect(args) -> int:
    try:
        with open(args.image, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        sys.stderr.write(f"espconsole lfs: cannot open {args.image}: {exc.strerror}\n")
        return 1
    try:
        image = vm.lfs.read_image(data, variant=VARIANT_BY_NAME.get(args.variant),
                                  require_relocatable=args.relocatable)
    except vm.lfs.LfsImageError as exc:
        if args.json:
            sys.stdout.write(json.dumps({"file": args.image, "valid": False, "error": exc.message,
                                         "device_message": exc.device_message}, indent=2) + "\n")
        else:
            sys.stderr.write(f"espconsole lfs: {args.image}: {exc.message}\n")
        return 1
    info = describe(image, args.image, args.partition)
    fits = info.get("partition", {}).get("fits", True)
    if not fits:
        info["valid"] = False
        info["error"] = (f"image of {image.flash_size} bytes does not fit the "
                         f"{args.partition}-byte LFS partition")
        info["device_message"] = "LFS Image too big for configured LFS region"
    sys.stdout.write(json.dumps(info, indent=2) + "\n" if args.json else _format_text(info))
    if not fits:
        if not args.json:
            sys.stderr.write(f"espconsole lfs: {args.image}: {info['error']}\n")
        return 1
    return 0


def run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return inspect(args)
