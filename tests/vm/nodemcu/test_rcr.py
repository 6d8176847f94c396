"""Reboot-config records: append, replace-with-delete, compaction when the page fills."""

from vm.nodemcu.flash import Flash
from vm.nodemcu.rcr import (
    RCR_ADDR, RCR_DELETED, RCR_INITSTR, RCR_PT, RCR_STARTUP_OPTION, RebootConfig, record_bytes,
)


def test_empty_page_has_no_records():
    rcr = RebootConfig(Flash())
    assert rcr.read(RCR_PT) is None
    assert rcr.startup_option() == 0
    assert not rcr.delete(RCR_PT)


def test_write_read_pads_to_words():
    flash = Flash()
    rcr = RebootConfig(flash)
    assert rcr.write(RCR_INITSTR, b"@init.lua\0") == 12
    assert rcr.read(RCR_INITSTR) == b"@init.lua\0\0\0"
    assert flash.read(RCR_ADDR, 4) == bytes((3, RCR_INITSTR, 0, 0))


def test_replace_appends_and_marks_old_deleted():
    flash = Flash()
    rcr = RebootConfig(flash)
    rcr.write(RCR_STARTUP_OPTION, (1).to_bytes(4, "little"))
    rcr.write(RCR_STARTUP_OPTION, (5).to_bytes(4, "little"))
    assert rcr.startup_option() == 5
    assert flash.read(RCR_ADDR, 4) == bytes((1, RCR_DELETED, 0, 0))
    assert flash.read(RCR_ADDR + 8, 4) == bytes((1, RCR_STARTUP_OPTION, 0, 0))
    before = flash.image()
    rcr.write(RCR_STARTUP_OPTION, (5).to_bytes(4, "little"))   # same value: nothing written
    assert flash.image() == before


def test_full_page_is_compacted():
    flash = Flash()
    rcr = RebootConfig(flash)
    rcr.write(RCR_PT, b"\x01" * 84)
    for i in range(200):                       # 200 x 2 words > 1024 words: forces compaction
        assert rcr.write(RCR_STARTUP_OPTION, i.to_bytes(4, "little")) == 4
    assert rcr.startup_option() == 199
    assert rcr.read(RCR_PT) == b"\x01" * 84


def test_size_is_an_8_bit_byte_count():
    rcr = RebootConfig(Flash())
    assert rcr.write(RCR_INITSTR, b"x" * 255) == 256       # 64 words: the largest record
    # Replacing a 64-word record: the firmware's 8-bit size makes the "deleted" header length 0,
    # which breaks the chain (a faithful quirk; no firmware record is that long).
    assert rcr.write(RCR_INITSTR, b"y" * 300) == 44        # 300 & 0xFF bytes
    assert rcr.read(RCR_INITSTR) is None
    fresh = RebootConfig(Flash())
    fresh.write(RCR_INITSTR, b"y" * 300)
    assert fresh.read(RCR_INITSTR) == b"y" * 44
    assert record_bytes(7, b"ab") == b"\x01\x07\x00\x00ab\x00\x00"
