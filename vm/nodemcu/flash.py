"""The board's 4 MiB SPI NOR flash, persisted sparsely and atomically; counterpart of app/platform/flash_api.c.

Semantics (as the real chip and the firmware's flash layer):

* `read(addr, n)` returns bytes; erased flash reads 0xFF.
* `write(addr, data)` *programs*: every byte becomes ``old & new``.  A write can only clear bits;
  setting a bit back to 1 needs `erase_sector`.  This is what lets the firmware keep write-once
  records (the reboot-config page, §2.1) and a two-phase "image in progress" flag in the LFS
  header: write the header with the flag bit set, write the body, then program the same word
  again with the flag bit cleared.
* `erase_sector(addr)` sets the whole 4 KiB sector containing `addr` to 0xFF.

Address map of the 4 MiB part (spec §3.1) is owned by partitions.py; this module is just bytes.

On-disk layout (under the state folder, default ``DIR/.espconsole/node/flash/``)::

    flash/<AAAAAA>.bin    one file per 64 KiB block that is not fully erased; AAAAAA is the
                          block's start address in 6 lower-case hex digits (e.g. 010000.bin);
                          each file is exactly 65536 bytes.  A missing file means "all 0xFF".

Every mutating call is write-through: when it returns, the touched blocks are on disk (atomic
replace, see storage.py), so a kill -9 leaves the flash as it was after some prefix of the
calls.  Inside ``with flash.batch():`` persistence is deferred to the end of the outermost batch
(used for multi-sector jobs such as writing an LFS image, where rewriting a block per 256-byte
program would be wasteful).  A file of the wrong length is treated as erased.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from vm.nodemcu.storage import atomic_write, clean_temporaries, durable_remove

FLASH_SIZE = 0x400000          # 4 MiB, spec §0
SECTOR_SIZE = 0x1000           # INTERNAL_FLASH_SECTOR_SIZE
BLOCK_SIZE = 0x10000           # persistence unit on the host, not a chip property
MAPPED_BASE = 0x40200000       # first MiB of flash is memory-mapped here (spec §3.1)
MAPPED_LIMIT = 0x100000
ERASED = 0xFF


class FlashError(Exception):
    """An access outside the flash array (the firmware would fault or return an error)."""


class Flash:
    """Byte-addressable NOR flash with sector erase, optionally persisted under `directory`."""

    def __init__(self, directory: Path | str | None = None, size: int = FLASH_SIZE, durable: bool = True):
        if size % BLOCK_SIZE:
            raise ValueError("flash size must be a multiple of 64 KiB")
        self.size = size
        self.directory = Path(directory) if directory is not None else None
        self.durable = durable
        self._data = bytearray(b"\xff" * size)
        self._dirty: set[int] = set()
        self._batch_depth = 0
        self._lock = threading.RLock()
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            clean_temporaries(self.directory)
            self._load()

    # -- persistence ---------------------------------------------------------------------------

    def _block_path(self, block: int) -> Path:
        return self.directory / f"{block * BLOCK_SIZE:06x}.bin"

    def _load(self) -> None:
        for entry in self.directory.glob("*.bin"):
            try:
                start = int(entry.stem, 16)
            except ValueError:
                continue
            if start % BLOCK_SIZE or start >= self.size or len(entry.stem) != 6:
                continue
            content = entry.read_bytes()
            if len(content) == BLOCK_SIZE:
                self._data[start:start + BLOCK_SIZE] = content

    def _touch(self, addr: int, length: int) -> None:
        if length <= 0:
            return
        first, last = addr // BLOCK_SIZE, (addr + length - 1) // BLOCK_SIZE
        self._dirty.update(range(first, last + 1))
        if self._batch_depth == 0:
            self.flush()

    def flush(self) -> None:
        """Write every changed block to disk now (no-op for a RAM-only flash)."""
        with self._lock:
            if self.directory is None:
                self._dirty.clear()
                return
            for block in sorted(self._dirty):
                start = block * BLOCK_SIZE
                content = self._data[start:start + BLOCK_SIZE]
                if content.count(ERASED) == BLOCK_SIZE:
                    durable_remove(self._block_path(block), self.durable)
                else:
                    atomic_write(self._block_path(block), content, self.durable)
            self._dirty.clear()

    @contextmanager
    def batch(self):
        """Defer persistence of all changes made inside the block to its end."""
        with self._lock:
            self._batch_depth += 1
            try:
                yield self
            finally:
                self._batch_depth -= 1
                if self._batch_depth == 0:
                    self.flush()

    # -- access --------------------------------------------------------------------------------

    def _check(self, addr: int, length: int) -> None:
        if addr < 0 or length < 0 or addr + length > self.size:
            raise FlashError(f"flash access 0x{addr:x}+{length} outside 0x{self.size:x} bytes")

    def read(self, addr: int, length: int) -> bytes:
        """`length` bytes starting at `addr`."""
        with self._lock:
            self._check(addr, length)
            return bytes(self._data[addr:addr + length])

    def read_mapped(self, mapped_addr: int, length: int) -> bytes:
        """Read through the 0x40200000 window, which only covers the first MiB (LFS lives there)."""
        offset = mapped_addr - MAPPED_BASE
        if offset < 0 or offset + length > MAPPED_LIMIT:
            raise FlashError(f"address 0x{mapped_addr:08x} is not in the mapped flash window")
        return self.read(offset, length)

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        """Program `data` at `addr` with NOR semantics (bits can only go from 1 to 0)."""
        data = bytes(data)
        with self._lock:
            self._check(addr, len(data))
            if not data:
                return
            old = self._data[addr:addr + len(data)]
            # AND via big integers: one C-level operation instead of a per-byte Python loop.
            merged = (int.from_bytes(old, "little") & int.from_bytes(data, "little")).to_bytes(len(data), "little")
            if merged != old:
                self._data[addr:addr + len(data)] = merged
                self._touch(addr, len(data))

    def erase_sector(self, addr: int) -> None:
        """Erase (set to 0xFF) the 4 KiB sector that contains `addr`."""
        with self._lock:
            self._check(addr, 1)
            start = addr - addr % SECTOR_SIZE
            if self._data.count(ERASED, start, start + SECTOR_SIZE) != SECTOR_SIZE:
                self._data[start:start + SECTOR_SIZE] = b"\xff" * SECTOR_SIZE
                self._touch(start, SECTOR_SIZE)

    def erase_range(self, addr: int, length: int) -> int:
        """Erase every sector in [addr, addr+length), both sector-aligned; return the sector count."""
        if addr % SECTOR_SIZE or length % SECTOR_SIZE:
            raise FlashError("erase range must be sector aligned")
        self._check(addr, length)
        with self.batch():
            for start in range(addr, addr + length, SECTOR_SIZE):
                self.erase_sector(start)
        return length // SECTOR_SIZE

    def is_erased(self, addr: int, length: int) -> bool:
        """Whether every byte in the range reads 0xFF."""
        with self._lock:
            self._check(addr, length)
            return self._data.count(ERASED, addr, addr + length) == length

    def image(self) -> bytes:
        """The whole flash as one bytes object (for dumps and tests)."""
        with self._lock:
            return bytes(self._data)

    def stored_blocks(self) -> list[int]:
        """Start addresses of the 64 KiB blocks currently kept on disk (not fully erased)."""
        with self._lock:
            return [b * BLOCK_SIZE for b in range(self.size // BLOCK_SIZE)
                    if self._data.count(ERASED, b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE) != BLOCK_SIZE]
