"""The board's Lua Flash Store: boot-time mapping of the LFS partition, node.LFS.get/list/time/config and the two-pass reload into flash; counterpart of app/lua/lflash.c (with the LFS part of app/modules/node.c).

Everything is read from and written to the emulated flash bytes: at boot the partition is
checked (`boot_message`, the line the firmware prints) and decoded by the vm.lfs reader into
Protos; `get(name)` calls the image's lookup main function, as the firmware does.

`reload(name)` follows lfs-image-format.md §2.2: pass 1 validates the whole file (vm.lfs
`reload_image`, which inflates under the device's window and checks header, lengths and CRC),
pass 2 erases the sectors the image needs and programs it in 2 KiB blocks with the header's
IN_PROGRESS bit set, then programs the signature word again without it.  The board's
`power_cut_hook(offset)` (tests) is called before each block write and may cut the power.
"""

from __future__ import annotations

import struct

from vm.lfs import FLOAT, LfsImageError, boot_check, map_region, reload_image
from vm.lfs.image_format import SIG_IN_PROGRESS
from vm.nodemcu.flash import MAPPED_BASE, SECTOR_SIZE
from vm.runtime.table import Table

BLOCK = 2048
RELOAD_BUFFERS = 9 * 2048 + 2048 + 1024     # the inflate ring, work buffer and input buffer
UPDATED = b"LFS region updated.  Restarting."
MEMORY_ERROR = "Memory allocation error"
NO_PARTITION = "No LFS partition allocated"
FILE_NOT_FOUND = "LFS image file not found"


def proto_strings(proto, found: set) -> None:
    """Every string an image's ROM string table holds for `proto` and its children."""
    if proto.source:
        found.add(bytes(proto.source))
    for k in proto.constants:
        if isinstance(k, bytes):
            found.add(k)
    for local in getattr(proto, "locvars", ()) or ():
        name = getattr(local, "varname", None) or (local[0] if isinstance(local, tuple) else None)
        if isinstance(name, bytes):
            found.add(name)
    for name in getattr(proto, "upvalues", ()) or ():
        if isinstance(name, bytes):
            found.add(name)
    for child in proto.protos:
        proto_strings(child, found)


class LfsRegion:
    """The LFS partition of one board, as the Lua world of the current boot sees it."""

    variant = FLOAT

    def __init__(self, board):
        self.board = board
        self.image = None
        self._main = None

    # -- the partition ---------------------------------------------------------------------------

    def partition(self) -> tuple[int, int]:
        return self.board.state.table.lfs_partition()

    def _region(self) -> tuple[bytes, int] | None:
        addr, size = self.partition()
        if size == 0:
            return None
        return self.board.state.flash.read(addr, size), MAPPED_BASE + addr

    def boot_message(self) -> str | None:
        """The line the firmware prints at boot for this partition (None: image mapped, or no LFS)."""
        region = self._region()
        if region is None:
            return None
        return boot_check(region[0], region[1], self.variant)

    def map_at_boot(self) -> None:
        self.image = None
        self._main = None
        region = self._region()
        if region is None or boot_check(region[0], region[1], self.variant) is not None:
            return
        try:
            self.image = map_region(region[0], region[1], self.variant)
        except LfsImageError:
            self.image = None            # a real chip would crash on such an image; here LFS is off

    # -- lookups ---------------------------------------------------------------------------------

    def _lookup(self):
        if self.image is None:
            return None
        if self._main is None:
            self._main = self.board.lua.load(self.image.main)
        return self._main

    def get(self, name) -> object | None:
        """node.LFS.get: a new closure of module `name`, or None."""
        main = self._lookup()
        if main is None or not isinstance(name, bytes):
            return None
        from vm.runtime.calls import ccall  # noqa: PLC0415
        result = ccall(main, name)
        fn = result[0] if result else None
        from vm.runtime.values import is_function  # noqa: PLC0415
        return fn if is_function(fn) else None

    def list(self) -> Table | None:
        if self.image is None:
            return None
        names = sorted(module.name for module in self.image.modules)
        table = Table()
        table.set_array(list(names))
        return table

    def time(self):
        if self.image is None:
            return None
        return float(self.image.timestamp) if self.image.timestamp is not None else None

    def config(self) -> dict:
        addr, size = self.partition()
        used = self.image.flash_size if self.image is not None else 0
        mapped = MAPPED_BASE + addr if size else 0
        return {"lfs_mapped": mapped, "lfs_base": addr, "lfs_size": size, "lfs_used": used}

    def rom_strings(self) -> list[bytes] | None:
        if self.image is None:
            return None
        found: set = set()
        proto_strings(self.image.main, found)
        return sorted(found)

    # -- reload ----------------------------------------------------------------------------------

    def reload(self, filename: bytes) -> str:
        """node.LFS.reload: the firmware's error string, or (success) print, reset: no return."""
        board = self.board
        addr, size = self.partition()
        if size == 0:
            return NO_PARTITION
        spiffs = board.state.spiffs
        data = spiffs.read_file(filename) if spiffs.mounted else None
        if data is None:
            return FILE_NOT_FOUND
        heap = getattr(board, "free_heap", None)
        if heap is not None and heap() < RELOAD_BUFFERS:
            return MEMORY_ERROR
        try:
            image = reload_image(data, size, MAPPED_BASE + addr, self.variant)
        except LfsImageError as error:
            return error.device_message or "Unknown Error"
        self._write(addr, image)
        board.uart.debug(UPDATED)
        board.hang_until_watchdog()
        return ""                                    # not reached

    def _write(self, addr: int, image: bytes) -> None:
        flash = self.board.state.flash
        hook = self.board.power_cut_hook
        sig = struct.unpack_from("<I", image, 0)[0]
        with flash.batch():
            for sector in range(0, len(image), SECTOR_SIZE):
                if hook is not None:
                    hook("erase", sector)
                flash.erase_sector(addr + sector)
            for offset in range(0, len(image), BLOCK):
                block = bytearray(image[offset:offset + BLOCK])
                if offset == 0:
                    struct.pack_into("<I", block, 0, sig | SIG_IN_PROGRESS)
                if hook is not None:
                    hook("write", offset)
                flash.write(addr + offset, bytes(block))
            if hook is not None:
                hook("finish", len(image))
            flash.write(addr, struct.pack("<I", sig))
