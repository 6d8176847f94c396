"""`espconsole luac -f / -a / -m / -i`: LFS images and the lookup main function, with luac.cross's output lines and messages (counterpart of the -f path of app/lua/luac_cross/luac.c and dumpToFlashImage in lflashimg.c)."""

from __future__ import annotations

import sys
import time

import vm
import vm.lfs
from espconsole.commands.luac import PROGNAME, LuacExit, LuacOptions, _usage, load_inputs
from vm.lfs.lookup import check_module_count, lookup_main


def image_variant(opts: LuacOptions) -> vm.lfs.Variant:
    if opts.integer:
        return vm.lfs.INTEGER
    return vm.lfs.FLOAT_UNPACKED if getattr(opts, "unpacked", False) else vm.lfs.FLOAT


def _open_output(opts: LuacOptions):
    if opts.output is None:
        return sys.stdout.buffer
    try:
        return open(opts.output, "wb")
    except OSError as exc:
        raise LuacExit(f"{PROGNAME}: cannot open {opts.output}: {exc.strerror}") from None


def run_flash(opts: LuacOptions) -> int:
    """Build what `luac.cross` builds for -f (image), -a (absolute image) or -i (lookup main only)."""
    modules = load_inputs(opts)
    try:
        check_module_count(len(modules))
    except vm.lfs.LfsBuildError as exc:
        raise _usage(exc.message) from None
    timestamp = int(time.time()) if opts.timestamp is None else opts.timestamp
    variant = image_variant(opts)
    main = lookup_main(modules, timestamp, variant.integer)
    if opts.listing:
        sys.stdout.write(vm.listing(main, full=opts.listing > 1))
        sys.stdout.flush()
    if not opts.dumping:
        return 0
    if not opts.flash:
        # -i alone: the lookup main in the ordinary NodeMCU chunk format.
        data = vm.dump(main, opts.chunk_format, strip=opts.stripping)
        handle = _open_output(opts)
        try:
            handle.write(data)
        finally:
            if handle is not sys.stdout.buffer:
                handle.close()
        return 0
    # luac.cross opens (and so truncates) the output before it lays out the image: a failed
    # build leaves an empty file behind, as there.
    handle = _open_output(opts)
    try:
        try:
            raw = vm.lfs.layout_image(main, variant)
        except vm.lfs.LfsBuildError as exc:
            raise LuacExit(f"{PROGNAME}: {exc.message}") from None
        sys.stdout.write(f"Image size: {raw.flash_size}\n")
        sys.stdout.flush()
        try:
            vm.lfs.check_max_size(raw.flash_size, opts.max_size)
        except vm.lfs.LfsBuildError as exc:
            raise LuacExit(f"{PROGNAME}: {exc.message}") from None
        handle.write(vm.lfs.image_file_bytes(raw, opts.address))
        handle.flush()
    finally:
        if handle is not sys.stdout.buffer:
            handle.close()
    return 0
