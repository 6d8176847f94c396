"""Flash: NOR programming, sector erase, sparse atomic persistence, kill -9 safety."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from vm.nodemcu.flash import BLOCK_SIZE, FLASH_SIZE, SECTOR_SIZE, Flash, FlashError
from vm.nodemcu.storage import TEMP_PREFIX


def test_fresh_flash_is_erased():
    flash = Flash()
    assert flash.size == FLASH_SIZE == 4 * 1024 * 1024
    assert flash.read(0, 16) == b"\xff" * 16
    assert flash.is_erased(0, FLASH_SIZE)


def test_write_only_clears_bits():
    flash = Flash()
    flash.write(0x1000, b"\xf0\x0f\xff")
    flash.write(0x1000, b"\x3c\xff\x00")
    assert flash.read(0x1000, 3) == b"\x30\x0f\x00"


def test_two_phase_flag_via_nor_rewrite():
    # The LFS loader's pattern: header with an "in progress" bit set, body, then clear the bit.
    flash = Flash()
    flash.write(0x96000, (0xFAFAFAFB).to_bytes(4, "little"))
    flash.write(0x96004, b"body")
    flash.write(0x96000, (0xFAFAFAFA).to_bytes(4, "little"))
    assert int.from_bytes(flash.read(0x96000, 4), "little") == 0xFAFAFAFA


def test_erase_sector_restores_ones_only_in_that_sector():
    flash = Flash()
    flash.write(SECTOR_SIZE - 2, b"\x00" * 4)           # straddles two sectors
    flash.erase_sector(SECTOR_SIZE + 100)                # any address inside the second sector
    assert flash.read(SECTOR_SIZE - 2, 4) == b"\x00\x00\xff\xff"


def test_erase_range_alignment_and_bounds():
    flash = Flash()
    with pytest.raises(FlashError):
        flash.erase_range(0x800, SECTOR_SIZE)
    with pytest.raises(FlashError):
        flash.read(FLASH_SIZE - 1, 2)
    with pytest.raises(FlashError):
        flash.write(-1, b"x")
    flash.write(0x20000, b"\x00" * 3 * SECTOR_SIZE)
    assert flash.erase_range(0x20000, 2 * SECTOR_SIZE) == 2
    assert flash.is_erased(0x20000, 2 * SECTOR_SIZE)
    assert not flash.is_erased(0x22000, SECTOR_SIZE)


def test_mapped_window_covers_first_mib_only():
    flash = Flash()
    flash.write(0x96000, b"LFS!")
    assert flash.read_mapped(0x40296000, 4) == b"LFS!"
    with pytest.raises(FlashError):
        flash.read_mapped(0x40300000, 4)


def test_persistence_is_sparse_per_64k_block(tmp_path):
    flash = Flash(tmp_path)
    assert list(tmp_path.iterdir()) == []
    flash.write(0x10004, b"\x00")
    flash.write(0x3FD000, b"\x12\x34")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["010000.bin", "3f0000.bin"]
    assert all(p.stat().st_size == BLOCK_SIZE for p in tmp_path.iterdir())
    reopened = Flash(tmp_path)
    assert reopened.image() == flash.image()
    flash.erase_sector(0x3FD000)                         # block fully erased again: file goes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["010000.bin"]


def test_batch_defers_persistence(tmp_path):
    flash = Flash(tmp_path)
    with flash.batch():
        flash.write(0x96000, b"\x00" * 100)
        assert not (tmp_path / "090000.bin").exists()
    assert (tmp_path / "090000.bin").exists()


def test_wrong_sized_or_foreign_files_are_ignored(tmp_path):
    (tmp_path / "000000.bin").write_bytes(b"short")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / f"{TEMP_PREFIX}1-010000.bin").write_bytes(b"x")
    flash = Flash(tmp_path)
    assert flash.is_erased(0, BLOCK_SIZE)
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())


KILL_WRITER = textwrap.dedent("""
    import sys
    from vm.nodemcu.flash import Flash
    flash = Flash(sys.argv[1])
    flash.write(0x000000, b"\\x00" * 16)
    flash.write(0x0A0000, bytes(range(256)) * 16)
    print("ready", flush=True)
    n = 0
    while True:                                  # keep rewriting a block until killed
        flash.erase_sector(0x200000)
        flash.write(0x200000, n.to_bytes(4, "little") * 1024)
        n += 1
""")


def test_kill_9_leaves_consistent_blocks(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", KILL_WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    assert proc.poll() is None, "the writer died before it was killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    flash = Flash(tmp_path)
    assert flash.read(0, 16) == b"\x00" * 16
    assert flash.read(0x0A0000, 4096) == bytes(range(256)) * 16
    block = flash.read(0x200000, SECTOR_SIZE)
    # Either erased or one whole generation of the counter, never a mix.
    assert block == b"\xff" * SECTOR_SIZE or block == block[:4] * 1024
