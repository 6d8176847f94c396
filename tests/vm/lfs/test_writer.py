"""The image writer against spec §6.5/§6.6 and the golden luac.cross images (byte for byte)."""

import gzip
import struct
import zlib

import pytest

import vm.lfs
from tests.oracles import GOLDEN_DIR
from tests.vm.lfs.helpers import GOLDEN_CASES, GOLDEN_TIMESTAMP, empty_module, golden_modules, hi_module
from tests.vm.lfs.spec_vectors import EMPTY_FILE, EMPTY_PAYLOAD, SPEC_TIMESTAMP, TWO_MODULE_MAIN_CODE
from vm.lfs.image_format import FLOAT, FLOAT_UNPACKED, INTEGER
from vm.lfs.lookup import lookup_main
from vm.lfs.writer import layout_image

ALL_CASES = GOLDEN_CASES + ("combined",)


def test_empty_module_payload():
    raw = layout_image(lookup_main([empty_module()], SPEC_TIMESTAMP))
    assert raw.flash_size == 376
    assert (raw.string_count, raw.bucket_count) == (4, 8)
    assert raw.payload() == EMPTY_PAYLOAD


def test_empty_module_file():
    built = vm.lfs.build_image([empty_module()], SPEC_TIMESTAMP)
    assert built.data == EMPTY_FILE
    assert zlib.crc32(EMPTY_PAYLOAD) == 0xAB24AC6E


def test_empty_module_integer_build():
    raw = layout_image(lookup_main([empty_module()], SPEC_TIMESTAMP, integer=True), INTEGER)
    image = raw.image
    assert image[:4] == bytes.fromhex("52a1fafa")
    assert raw.flash_size == 368
    assert struct.unpack_from("<I", image, 8)[0] == 0x4A
    assert image[12:0xF0] == EMPTY_PAYLOAD[12:0xF0]
    assert image[0xF0 + 8:0xF0 + 16] == bytes.fromhex("00105e5f03000000")


def test_unpacked_variant_signature_and_slots():
    raw = layout_image(lookup_main([empty_module()], SPEC_TIMESTAMP), FLOAT_UNPACKED)
    assert raw.image[:4] == struct.pack("<I", 0xFAFAA150)
    # Two 16-byte constants instead of two 12-byte ones.
    assert raw.flash_size == 376 + 8


def test_two_modules_main_and_shared_bucket():
    raw = layout_image(lookup_main([empty_module(), hi_module()], SPEC_TIMESTAMP))
    image = vm.lfs.decode_flash(raw.image, bitmap=raw.bitmap())
    assert image.main.code == TWO_MODULE_MAIN_CODE
    assert (raw.string_count, raw.bucket_count) == (8, 16)
    assert [m.name for m in image.modules] == [b"empty", b"hi"]


def test_main_proto_is_last_record_and_header_invariants():
    raw = layout_image(lookup_main(golden_modules("combined"), GOLDEN_TIMESTAMP))
    sig, size, main_at, hash_at = struct.unpack_from("<4I", raw.image)
    assert (sig, size, hash_at) == (0xFAFAA154, raw.flash_size, 8)
    assert main_at == raw.flash_size // 4 - 18


@pytest.mark.parametrize("case", ALL_CASES)
def test_golden_raw_payload(case):
    raw = layout_image(lookup_main(golden_modules(case), GOLDEN_TIMESTAMP))
    assert raw.payload() == (GOLDEN_DIR / f"{case}.lfs51.raw").read_bytes()


@pytest.mark.parametrize("case", ALL_CASES)
def test_golden_image_file(case):
    built = vm.lfs.build_image(golden_modules(case), GOLDEN_TIMESTAMP)
    assert built.data == (GOLDEN_DIR / f"{case}.lfs51.img").read_bytes()
    stdout = (GOLDEN_DIR / f"{case}.lfs51.stdout").read_text()
    assert stdout == f"Image size: {built.flash_size}\n"


@pytest.mark.parametrize("case", ALL_CASES)
def test_python_decompressors_accept_our_images(case):
    built = vm.lfs.build_image(golden_modules(case), GOLDEN_TIMESTAMP)
    payload = built.raw.payload()
    assert gzip.decompress(built.data) == payload
    assert zlib.decompress(built.data, 16 + 14) == payload


def test_absolute_image():
    raw = layout_image(lookup_main(golden_modules("mod_basic"), GOLDEN_TIMESTAMP))
    address = 0x40280000
    data = vm.lfs.image_file_bytes(raw, address)
    assert len(data) == raw.flash_size
    sig, _, main_at, hash_at = struct.unpack_from("<4I", data)
    assert sig == 0xFAFAA155
    assert hash_at == address + 32
    assert main_at == address + 4 * (raw.flash_size // 4 - 18)
    words = struct.unpack(f"<{raw.flash_size // 4}I", raw.image)
    abs_words = struct.unpack(f"<{raw.flash_size // 4}I", data)
    flagged = set(raw.flagged)
    for w in range(1, len(words)):
        assert abs_words[w] == (4 * words[w] + address if w in flagged else words[w])


@pytest.mark.parametrize("address", [0x40210000 - 4, 0x40310004, 0])
def test_absolute_address_range(address):
    with pytest.raises(vm.lfs.LfsBuildError, match="absolute address must be valid flash address"):
        vm.lfs.build_image([empty_module()], 0, address=address)


def test_size_limit():
    modules = golden_modules("combined")
    with pytest.raises(vm.lfs.LfsBuildError, match="^The image is too large for specfied LFS size$"):
        vm.lfs.build_image(modules, 0, max_size=0x4000)
    assert vm.lfs.build_image(modules, 0, max_size=0x8000).flash_size == 30656


def test_out_of_flash_memory():
    huge = empty_module()
    huge.constants = [bytes([i % 256, i // 256, 7]) * 30 for i in range(3000)]
    with pytest.raises(vm.lfs.LfsBuildError, match="^Out of Flash memory$"):
        layout_image(lookup_main([huge], 0))


def test_strings_with_embedded_nul_and_empty_string():
    module = empty_module()
    module.constants = [b"", b"a\x00b", b"\x00"]
    raw = layout_image(lookup_main([module], 0))
    image = vm.lfs.decode_flash(raw.image, bitmap=raw.bitmap())
    assert image.modules[0].proto.constants == [b"", b"a\x00b", b"\x00"]


def test_deterministic():
    a = vm.lfs.build_image(golden_modules("combined"), 42).data
    b = vm.lfs.build_image(golden_modules("combined"), 42).data
    assert a == b
