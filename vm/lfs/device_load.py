"""What the firmware does with an LFS image: node.LFS.reload's two inflate passes into the partition, and the boot-time check of the region (counterpart of app/lua/lflash.c).

For the emulated board. `reload_image` turns an image file into the bytes the firmware would
write to the LFS partition, or raises LfsImageError whose `device_message` is the string
node.LFS.reload returns. `boot_check` gives the console line the firmware prints at boot for
a region, and `map_region` decodes a mapped region into Protos (spec §2).
"""

from __future__ import annotations

import struct

from vm.lfs.errors import LfsImageError
from vm.lfs.image_format import (
    FLOAT, HEADER_SIZE, MIN_FILE_SIZE, SIG_ABSOLUTE, WORD, Variant,
)
from vm.lfs.inflate import READ_ERROR, inflate_gzip
from vm.lfs.reader import LENGTH_ERROR, LfsImage, check_header, decode_flash

NO_PARTITION = "No LFS partition allocated"
FILE_NOT_FOUND = "LFS image file not found"
FIRST_BLOCK = 2048            # the firmware checks the header once this much is inflated


def reload_image(file_data: bytes, partition_size: int, mapped_address: int,
                 variant: Variant = FLOAT) -> bytes:
    """The partition contents node.LFS.reload writes for `file_data` (flash_size bytes).

    Follows the firmware: file size, inflate with its window, header checks once the first
    2 KiB are out, CRC, then relocation of every flagged word to `mapped_address`. The bitmap
    itself is trusted as the firmware trusts it; run `decode_flash` on the result to validate
    the Protos. Raises LfsImageError (its `device_message` is reload's return string).
    """
    if partition_size <= 0:
        raise LfsImageError("the firmware has no LFS partition", NO_PARTITION)
    if len(file_data) < MIN_FILE_SIZE:
        raise LfsImageError(f"image file is only {len(file_data)} bytes; the firmware refuses "
                            "files of 200 bytes or less", READ_ERROR)
    expected_len = int.from_bytes(file_data[-4:], "little")
    payload, error = inflate_gzip(file_data)
    if len(payload) >= min(FIRST_BLOCK, expected_len) and len(payload) >= HEADER_SIZE:
        sig, flash_size = struct.unpack_from("<2I", payload, 0)
        check_header(sig, flash_size, variant, partition_size)
        bitmap_len = (expected_len - flash_size) & 0xFFFFFFFF
        if bitmap_len // WORD != 1 + (flash_size // WORD - 1) // 32:
            raise LfsImageError(f"the gzip trailer's length {expected_len} does not fit an image "
                                f"of {flash_size} bytes plus its relocation bitmap", LENGTH_ERROR)
    if error is not None:
        raise error
    sig, flash_size = struct.unpack_from("<2I", payload, 0)
    nwords = flash_size // WORD
    words = list(struct.unpack_from(f"<{nwords}I", payload, 0))
    bitmap = payload[flash_size:]
    for w in range(nwords):
        if bitmap[w >> 3] >> (w & 7) & 1:
            words[w] = (WORD * words[w] + mapped_address) & 0xFFFFFFFF
    words[0] = sig
    return struct.pack(f"<{nwords}I", *words)


def boot_check(region: bytes, mapped_address: int, variant: Variant = FLOAT) -> str | None:
    """None when the firmware would map the image in `region` at boot, else the line it prints."""
    if len(region) < HEADER_SIZE:
        return "No LFS image loaded"
    sig, flash_size, main_proto, hash_at = struct.unpack_from("<4I", region, 0)
    if sig in (0, 0xFFFFFFFF):
        return "No LFS image loaded"
    if sig & ~SIG_ABSOLUTE != variant.signature:
        return f"Flash sig not correct: 0x{sig & ~SIG_ABSOLUTE:08x} vs 0x{variant.signature:08x}"
    offset = (main_proto - mapped_address) & 0xFFFFFFFF
    if hash_at == 0xFFFFFFFF or offset >= flash_size:
        return (f"Flash size check failed: 0x{hash_at:08x} vs 0xFFFFFFFF; "
                f"0x{offset:08x} >= 0x{flash_size:08x}")
    return None


def map_region(region: bytes, mapped_address: int, variant: Variant = FLOAT) -> LfsImage:
    """Decode the image in a mapped LFS region (addresses absolute at `mapped_address`) into Protos.

    `region` may be the whole partition; only the header's flash_size bytes are read.
    Raises LfsImageError when the region does not hold a consistent image.
    """
    if len(region) < HEADER_SIZE:
        raise LfsImageError("LFS region is smaller than an image header")
    flash_size = struct.unpack_from("<I", region, 4)[0]
    if flash_size > len(region):
        raise LfsImageError(f"image of {flash_size} bytes is larger than the {len(region)}-byte "
                            "LFS region")
    return decode_flash(bytes(region[:flash_size]), variant, base=mapped_address)
