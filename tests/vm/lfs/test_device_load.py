"""The firmware's reload and boot behaviour, as the emulated board uses it (spec §2)."""

import struct

import pytest

import vm.lfs
from tests.oracles import GOLDEN_DIR
from tests.vm.lfs.helpers import GOLDEN_TIMESTAMP, golden_modules
from vm.lfs.deflate import gzip_compress
from vm.lfs.device_load import boot_check, map_region, reload_image
from vm.lfs.errors import LfsImageError
from vm.lfs.lookup import lookup_main
from vm.lfs.writer import layout_image

MAPPED = 0x40280000


def golden(case="combined") -> bytes:
    return (GOLDEN_DIR / f"{case}.lfs51.img").read_bytes()


def device_error(*args, **kwargs) -> str:
    with pytest.raises(LfsImageError) as info:
        reload_image(*args, **kwargs)
    return info.value.device_message


def test_reload_equals_absolute_image_without_the_absolute_bit():
    raw = layout_image(lookup_main(golden_modules("combined"), GOLDEN_TIMESTAMP))
    region = reload_image(golden(), 0x10000, MAPPED)
    absolute = bytearray(raw.absolute(MAPPED))
    absolute[0] &= ~1
    assert region == bytes(absolute)


def test_boot_and_map():
    region = reload_image(golden(), 0x10000, MAPPED) + b"\xff" * 64
    assert boot_check(region, MAPPED) is None
    image = map_region(region, MAPPED)
    assert [m.proto for m in image.modules] == golden_modules("combined")
    assert image.timestamp == GOLDEN_TIMESTAMP


def test_boot_messages():
    assert boot_check(b"\xff" * 64, MAPPED) == "No LFS image loaded"
    assert boot_check(bytes(64), MAPPED) == "No LFS image loaded"
    region = bytearray(reload_image(golden(), 0x10000, MAPPED))
    assert boot_check(bytes(region), MAPPED + 0x10000).startswith("Flash size check failed: ")
    region[0] |= 0x08
    assert boot_check(bytes(region), MAPPED) == "Flash sig not correct: 0xfafaa15c vs 0xfafaa154"


@pytest.mark.parametrize("kwargs, message", [
    (dict(partition_size=0), "No LFS partition allocated"),
    (dict(partition_size=0x4000), "LFS Image too big for configured LFS region"),
    (dict(partition_size=0x10000, variant=vm.lfs.INTEGER), "Incorrect LFS build type"),
])
def test_reload_errors(kwargs, message):
    kwargs.setdefault("partition_size", 0x10000)
    assert device_error(golden(), mapped_address=MAPPED, **kwargs) == message


def test_reload_small_or_corrupt_files():
    data = golden("mod_basic")
    assert device_error(data[:200], 0x10000, MAPPED) == "read error on LFS image file"
    corrupt = bytearray(data)
    corrupt[-8] ^= 0xFF
    assert device_error(bytes(corrupt), 0x10000, MAPPED) == "checksum error on LFS image file"


def test_header_checked_before_a_later_window_violation():
    # A wrong signature in the first 2 KiB is reported even though the stream is bad later.
    payload = bytearray(gzip_decompress_golden())
    payload[0:4] = struct.pack("<I", 0xFAFAA054)
    data = gzip_compress(bytes(payload))
    assert device_error(data, 0x10000, MAPPED) == "Incorrect LFS header version"


def test_length_mismatch():
    payload = bytearray(gzip_decompress_golden())
    size = struct.unpack_from("<I", payload, 4)[0]
    struct.pack_into("<I", payload, 4, size - 256)
    assert device_error(gzip_compress(bytes(payload)), 0x10000, MAPPED) == "LFS length mismatch"


def gzip_decompress_golden() -> bytes:
    return (GOLDEN_DIR / "combined.lfs51.raw").read_bytes()
