"""NodeMCU Lua 5.1 LFS images: the writer (byte-identical to luac.cross -f), the reader/validator and the device-compatible gzip encoder (counterpart of app/lua/luac_cross/lflashimg.c and app/lua/lflash.c).

Building:
    build_image(modules, timestamp, variant=FLOAT, address=None, max_size=...) -> BuiltImage
    lookup_main(modules, timestamp, integer) -> Proto; layout_image(main, variant) -> RawImage;
    gzip_compress(payload) -> bytes (luac.cross's exact file); gzip_compress_fast(payload) (zlib); module_name(source) -> bytes
Reading and validating (raise LfsImageError, one-line `message`, firmware `device_message`):
    read_image(data, variant=None, partition_size=None, require_relocatable=False) -> LfsImage
    decode_flash(image, variant=None, base=None, bitmap=None) -> LfsImage
    gunzip_for_device(data) -> payload bytes
The emulated board (vm.lfs.device_load):
    reload_image(file_data, partition_size, mapped_address, variant) -> partition bytes
    boot_check(region, mapped_address, variant) -> None or console line
    map_region(region, mapped_address, variant) -> LfsImage
"""

from __future__ import annotations

from dataclasses import dataclass

from vm.bytecode.proto import Proto
from vm.lfs.deflate import gzip_compress, gzip_compress_fast
from vm.lfs.device_load import boot_check, map_region, reload_image
from vm.lfs.errors import LfsBuildError, LfsImageError
from vm.lfs.image_format import (
    DEFAULT_MAX_SIZE, FLOAT, FLOAT_UNPACKED, INTEGER, MAX_MODULES, VARIANTS, Variant,
)
from vm.lfs.inflate import gunzip_for_device
from vm.lfs.lookup import duplicate_names, lookup_main, module_name
from vm.lfs.reader import LfsImage, LfsModule, decode_flash, read_image
from vm.lfs.writer import RawImage, check_absolute_address, layout_image

__all__ = [
    "BuiltImage", "DEFAULT_MAX_SIZE", "FLOAT", "FLOAT_UNPACKED", "INTEGER", "LfsBuildError",
    "LfsImage", "LfsImageError", "LfsModule", "MAX_MODULES", "RawImage", "VARIANTS", "Variant",
    "boot_check", "build_image", "check_max_size", "decode_flash", "duplicate_names",
    "gunzip_for_device", "gzip_compress", "gzip_compress_fast", "image_file_bytes", "layout_image", "lookup_main",
    "map_region", "module_name", "read_image", "reload_image",
]

TOO_LARGE = "The image is too large for specfied LFS size"   # luac.cross's spelling


@dataclass
class BuiltImage:
    raw: RawImage
    data: bytes              # the file: gzip member, or the absolute image

    @property
    def flash_size(self) -> int:
        return self.raw.flash_size


def check_max_size(flash_size: int, max_size: int | None) -> None:
    if flash_size > (DEFAULT_MAX_SIZE if max_size is None else max_size):
        raise LfsBuildError(TOO_LARGE)


def image_file_bytes(raw: RawImage, address: int | None = None, fast: bool = False) -> bytes:
    """The file luac.cross writes for `raw`: gzip of image and bitmap, or the absolute image.

    `fast` compresses with zlib instead (same inflated bytes, device-safe, not luac.cross's file).
    """
    if address is not None:
        return raw.absolute(address)
    return (gzip_compress_fast if fast else gzip_compress)(raw.payload())


def build_image(modules: list[Proto], timestamp: int, variant: Variant = FLOAT,
                address: int | None = None, max_size: int | None = None,
                fast: bool = False) -> BuiltImage:
    """An image of `modules` (file main Protos, names already stripped) as luac.cross -f builds it.

    With `fast` the gzip container comes from zlib (see gzip_compress_fast).
    """
    if address is not None:
        check_absolute_address(address)
    raw = layout_image(lookup_main(modules, timestamp, variant.integer), variant)
    check_max_size(raw.flash_size, max_size)
    return BuiltImage(raw, image_file_bytes(raw, address, fast))
