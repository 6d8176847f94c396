"""Reboot configuration records (the write-once record page at flash 0x10000); counterpart of the RCR part of app/platform/platform.c.

The first 4 KiB page of the firmware's IROM0 area holds a chain of word-aligned records that
survive restarts: the partition table, the PHY-data-done flag, the pending LFS reload, the
start-up command and the start-up options (spec §2.1).  Each record starts with a 32-bit
header whose byte 0 is the payload length in words and byte 1 the record id; bytes 2-3 are 0.
An erased header (id 0xFF) ends the chain.  Records are only ever appended (NOR programming);
replacing one appends the new copy and then clears the old header's id to 0 ("deleted").  When
the page is full the live records are compacted into a freshly erased page.

Quirks kept on purpose: the payload size is an 8-bit byte count, a record may be at most 64
words, and the "deleted" header rewrite uses the 8-bit size the firmware computes.
"""

from __future__ import annotations

from vm.nodemcu.flash import SECTOR_SIZE, Flash

RCR_ADDR = 0x10000
WORD = 4
PAGE_WORDS = SECTOR_SIZE // WORD
MAX_RECORD_WORDS = 65            # a record needs fewer words than this

RCR_DELETED = 0x00
RCR_PT = 0x01
RCR_PHY_DATA = 0x02
RCR_REFLASH = 0x03
RCR_FLASHLFS = 0x04
RCR_INITSTR = 0x05
RCR_STARTUP_OPTION = 0x06
RCR_FREE = 0xFF

STARTUP_OPTION_NO_BANNER = 1 << 0
STARTUP_OPTION_CPU_FREQ_MAX = 1 << 1
STARTUP_OPTION_DELAY_MOUNT = 1 << 2


def record_bytes(rec_id: int, payload: bytes) -> bytes:
    """Header plus payload padded with zero bytes to whole words, as stored in the page."""
    words = (len(payload) + WORD - 1) // WORD
    return bytes((words, rec_id, 0, 0)) + payload + b"\x00" * (words * WORD - len(payload))


class RebootConfig:
    """The record page of one flash chip."""

    def __init__(self, flash: Flash, base: int = RCR_ADDR):
        self.flash = flash
        self.base = base

    def _page(self) -> bytes:
        return self.flash.read(self.base, SECTOR_SIZE)

    def _find(self, rec_id: int, page: bytes | None = None) -> tuple[int, int] | None:
        """(word index of the header, payload words) of the first record with `rec_id`."""
        page = self._page() if page is None else page
        index = 0
        while index < PAGE_WORDS:
            length, ident = page[index * WORD], page[index * WORD + 1]
            if ident == rec_id:
                return index, length
            if ident == RCR_FREE:
                return None
            index += 1 + length
        return None

    def read(self, rec_id: int) -> bytes | None:
        """The payload of the live record `rec_id` (whole words), or None if there is none."""
        page = self._page()
        found = self._find(rec_id, page)
        if found is None:
            return None
        index, length = found
        start = (index + 1) * WORD
        return page[start:start + length * WORD]

    def write(self, rec_id: int, payload: bytes) -> int | None:
        """Store `payload` as record `rec_id`; return its stored size in bytes, None on failure."""
        size = len(payload) & 0xFF                      # the firmware takes an 8-bit byte count
        payload = payload[:size]
        words = (size + WORD - 1) // WORD
        if words >= MAX_RECORD_WORDS:
            return None
        record = record_bytes(rec_id, payload)
        page = self._page()
        previous = self._find(rec_id, page)
        if previous is not None:
            start = previous[0] * WORD
            if page[start:start + len(record)] == record:
                return size                             # unchanged: nothing written
        free = self._find(RCR_FREE, page)
        free_index = free[0] if free is not None else PAGE_WORDS
        free_words = PAGE_WORDS - (free_index + 1)
        if words < free_words:                          # strict: keep one erased word as terminator
            self.flash.write(self.base + free_index * WORD, record)
            if previous is not None:
                old_size = (previous[1] * WORD) & 0xFF  # 8-bit, as in the firmware
                self.flash.write(self.base + previous[0] * WORD, bytes((old_size // WORD, RCR_DELETED, 0, 0)))
            return words * WORD
        return self._compact_and_write(rec_id, record, page, free_index)

    def _compact_and_write(self, rec_id: int, record: bytes, page: bytes, end: int) -> int | None:
        kept = bytearray()
        index = 0
        while index < end:
            length, ident = page[index * WORD], page[index * WORD + 1]
            if ident == RCR_FREE:
                break
            if ident not in (RCR_DELETED, rec_id):
                kept += page[index * WORD:(index + 1 + length) * WORD]
            index += 1 + length
        kept += record
        if len(kept) // WORD >= PAGE_WORDS:
            return None
        with self.flash.batch():
            self.flash.erase_sector(self.base)
            self.flash.write(self.base, bytes(kept))
        return (len(record) - WORD)

    def delete(self, rec_id: int) -> bool:
        """Mark the live record `rec_id` deleted; False if there was none."""
        found = self._find(rec_id)
        if found is None:
            return False
        self.flash.write(self.base + found[0] * WORD, bytes((found[1], RCR_DELETED, 0, 0)))
        return True

    def startup_option(self) -> int:
        """The start-up option bits (banner off, 160 MHz, delayed mount); 0 when unset."""
        payload = self.read(RCR_STARTUP_OPTION)
        if payload is None or len(payload) != WORD:
            return 0
        return int.from_bytes(payload, "little")
