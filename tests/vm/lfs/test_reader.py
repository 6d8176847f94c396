"""The reader/validator: golden images back to Protos, and every kind of corruption rejected in one line."""

import gzip
import struct
import zlib

import pytest

import vm
import vm.lfs
from tests.oracles import GOLDEN_DIR
from tests.vm.lfs.helpers import (
    ALL_CASES, COMBINED_ORDER, GOLDEN_TIMESTAMP, compile_module, empty_module, golden_modules,
    needs_compiler,
)
from vm.lfs.deflate import gzip_compress
from vm.lfs.errors import LfsImageError
from vm.lfs.lookup import lookup_main
from vm.lfs.writer import layout_image


def golden_image(case: str) -> bytes:
    return (GOLDEN_DIR / f"{case}.lfs51.img").read_bytes()


def raw_payload(case: str = "mod_basic") -> bytes:
    return (GOLDEN_DIR / f"{case}.lfs51.raw").read_bytes()


def rejected(data: bytes, **kwargs) -> LfsImageError:
    with pytest.raises(LfsImageError) as info:
        vm.lfs.read_image(data, **kwargs)
    message = info.value.message
    assert message and "\n" not in message
    return info.value


@pytest.mark.parametrize("case", ALL_CASES)
def test_golden_images_read_back_to_the_compiled_protos(case):
    image = vm.lfs.read_image(golden_image(case))
    assert image.variant is vm.lfs.FLOAT and image.compressed and not image.absolute
    assert image.timestamp == GOLDEN_TIMESTAMP
    modules = golden_modules(case)
    assert [m.name for m in image.modules] == [m.source[1:-4] for m in modules]
    assert [m.proto for m in image.modules] == modules
    assert image.flash_size == int((GOLDEN_DIR / f"{case}.lfs51.stdout").read_text().split()[-1])


@needs_compiler
@pytest.mark.parametrize("name", COMBINED_ORDER)
def test_listing_of_read_protos_equals_compiler_listing(name):
    image = vm.lfs.read_image(golden_image("combined"))
    module = next(m for m in image.modules if m.name == name.encode())
    source = (GOLDEN_DIR / f"{name}.lua").read_bytes()
    compiled = compile_module(source, f"{name}.lua")
    assert vm.listing(module.proto, full=True) == vm.listing(compiled, full=True)


def test_absolute_image_reads_back():
    raw = layout_image(lookup_main(golden_modules("combined"), GOLDEN_TIMESTAMP))
    data = raw.absolute(0x40280000)
    image = vm.lfs.read_image(data)
    assert image.absolute and image.base == 0x40280000 and not image.compressed
    assert [m.proto for m in image.modules] == golden_modules("combined")
    error = rejected(data, require_relocatable=True)
    assert "absolute image" in error.message


def test_absolute_image_truncated():
    raw = layout_image(lookup_main(golden_modules("mod_basic"), GOLDEN_TIMESTAMP))
    error = rejected(raw.absolute(0x40280000)[:-8])
    assert "truncated" in error.message


def test_uncompressed_relocatable_payload_is_not_an_image_file():
    assert "gunzipped" in rejected(raw_payload()).message


@pytest.mark.parametrize("cut", [1, 4, 9, 100])
def test_truncated_file(cut):
    data = golden_image("closures")
    error = rejected(data[:-cut])
    assert error.device_message in ("read error on LFS image file",
                                    "checksum error on LFS image file")


def test_tiny_file():
    error = rejected(golden_image("closures")[:150])
    assert "200 bytes" in error.message and error.device_message == "read error on LFS image file"


def test_not_gzip():
    error = rejected(b"\x00" * 300)
    assert error.message


def test_bad_gzip_header():
    data = bytearray(golden_image("closures"))
    data[2] = 7
    assert rejected(bytes(data)).device_message == "read error on LFS image file"
    data[2] = 8
    data[3] = 0x80
    assert "reserved" in rejected(bytes(data)).message


def test_crc_mismatch():
    data = bytearray(golden_image("closures"))
    data[-8] ^= 1
    error = rejected(bytes(data))
    assert error.device_message == "checksum error on LFS image file"
    assert "CRC" in error.message


def test_window_violation():
    payload = raw_payload("combined")
    assert payload[1000:2000] in payload[20000:] or True
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + 15)
    # A payload whose only repeat is 20 KiB back: zlib (32 KiB window) refers to it.
    block = bytes(range(256)) * 8
    tricky = payload[:32] + bytes((i * 7919) % 251 for i in range(20000)) + block
    data = stream.compress(tricky + block) + stream.flush()
    error = rejected(data)
    assert error.device_message in ("invalid dictionary offset on inflate",
                                    "incorrect LFS header signature", "LFS length mismatch")


def test_window_violation_is_found_before_header_problems_are_irrelevant():
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + 15)
    noise = bytes((i * 7919 + (i >> 8)) % 251 for i in range(20000))
    data = stream.compress(noise + noise[:3000]) + stream.flush()
    with pytest.raises(LfsImageError) as info:
        vm.lfs.gunzip_for_device(data)
    assert info.value.device_message == "invalid dictionary offset on inflate"
    assert "16 KiB window" in info.value.message


def _recompressed(payload: bytes) -> bytes:
    return gzip_compress(payload)


def test_wrong_signature():
    payload = bytearray(raw_payload())
    payload[0:4] = struct.pack("<I", 0x12345678)
    error = rejected(_recompressed(bytes(payload)))
    assert "signature" in error.message


@pytest.mark.parametrize("variant, device", [
    (vm.lfs.INTEGER, "Incorrect LFS build type"),
    (vm.lfs.FLOAT_UNPACKED, "Incorrect LFS build type"),
])
def test_wrong_variant(variant, device):
    error = rejected(golden_image("closures"), variant=variant)
    assert "float" in error.message and error.device_message == device


def test_integer_image_read_with_expected_variant():
    raw = layout_image(lookup_main([empty_module()], 1600000000, integer=True), vm.lfs.INTEGER)
    data = gzip_compress(raw.payload())
    image = vm.lfs.read_image(data, variant=vm.lfs.INTEGER)
    assert image.timestamp == 1600000000 and image.variant is vm.lfs.INTEGER
    assert rejected(data, variant=vm.lfs.FLOAT).device_message == "Incorrect LFS build type"


def test_in_progress_bit():
    payload = bytearray(raw_payload())
    payload[0] |= 0x08
    assert "in-progress" in rejected(_recompressed(bytes(payload))).message


def test_compressed_image_with_absolute_flag():
    payload = bytearray(raw_payload())
    payload[0] |= 0x01
    assert "absolute" in rejected(_recompressed(bytes(payload))).message


def test_oversized_for_partition():
    data = golden_image("combined")
    error = rejected(data, partition_size=0x4000)
    assert error.device_message == "LFS Image too big for configured LFS region"
    assert "30656" in error.message and "16384" in error.message
    vm.lfs.read_image(data, partition_size=0x8000)


def test_size_mismatch():
    payload = bytearray(raw_payload())
    size = struct.unpack_from("<I", payload, 4)[0]
    struct.pack_into("<I", payload, 4, size - 4)
    error = rejected(_recompressed(bytes(payload)))
    assert error.device_message == "LFS length mismatch"


def test_payload_with_extra_bytes():
    error = rejected(_recompressed(raw_payload() + bytes(4)))
    assert "too long" in error.message


@pytest.mark.parametrize("word", [2, 3, 40])
def test_bad_relocation_bitmap(word):
    payload = bytearray(raw_payload())
    flash_size = struct.unpack_from("<I", payload, 4)[0]
    payload[flash_size + (word >> 3)] ^= 1 << (word & 7)
    error = rejected(_recompressed(bytes(payload)))
    assert "relocation" in error.message


def test_pointer_out_of_range():
    payload = bytearray(raw_payload())
    struct.pack_into("<I", payload, 8, 0x7FFFFF)
    assert "bad relocation" in rejected(_recompressed(bytes(payload))).message


def test_string_hash_corrupted():
    raw = layout_image(lookup_main([empty_module()], 0))
    image = bytearray(raw.image)
    image[0x48] ^= 0xFF          # hash of the first string record
    with pytest.raises(LfsImageError, match="hash"):
        vm.lfs.decode_flash(bytes(image), bitmap=raw.bitmap())


def test_flipped_payload_bytes_never_crash():
    payload = raw_payload("closures")
    flash_size = struct.unpack_from("<I", payload, 4)[0]
    for position in range(0, flash_size, 3):
        for mask in (0x01, 0x80):
            corrupt = bytearray(payload)
            corrupt[position] ^= mask
            image, bitmap = bytes(corrupt[:flash_size]), bytes(corrupt[flash_size:])
            try:
                vm.lfs.decode_flash(image, base=0, bitmap=bitmap)
            except LfsImageError as exc:
                assert "\n" not in exc.message


def test_flipped_file_bytes_are_rejected():
    data = golden_image("mod_basic")
    payload = gzip.decompress(data)
    for position in range(10, len(data)):
        corrupt = bytearray(data)
        corrupt[position] ^= 0x10
        try:
            vm.lfs.read_image(bytes(corrupt))
        except LfsImageError:
            continue
        # Some flips (e.g. a distance now pointing at other zero bytes) decode to the same
        # payload: the image is still intact.
        assert gzip.decompress(bytes(corrupt)) == payload


def test_gzip_member_from_python_is_accepted():
    # Other encoders are fine as long as they respect the device window.
    payload = raw_payload("combined")
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + 14)
    data = stream.compress(payload) + stream.flush()
    assert gzip.decompress(data) == payload
    assert len(vm.lfs.read_image(data).modules) == 5
