"""SPIFFS: names, descriptors, modes, read/seek semantics, fsinfo arithmetic, format, persistence."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from vm.nodemcu.spiffs import MAX_OPEN_FILES, Spiffs, file_pages, geometry, resolve, valid_name_argument

CLOUD = (0x0B6000, 0x347000)


@pytest.fixture
def fs():
    volume = Spiffs()
    assert not volume.mount(*CLOUD)
    assert volume.format(*CLOUD) == 53
    return volume


# -- arithmetic (spec §3.3) --------------------------------------------------------------------

@pytest.mark.parametrize("partition, total", [
    ((0x096000, 0x367000), 3369424), ((0x0B6000, 0x347000), 3244928), ((0x100000, 0x100000), 980657),
])
def test_fsinfo_totals_from_spec(partition, total):
    volume = Spiffs()
    volume.format(*partition)
    assert volume.fsinfo() == (total, 0, total)


def test_geometry_alignment_and_small_volumes():
    g = geometry(0x0B6000, 0x347000)
    assert (g.phys_addr, g.phys_size, g.block_size) == (0x0B6000, 0x346000, 0x2000)
    assert geometry(0x0B7000, 0x10000).phys_addr == 0x0B8000
    assert geometry(0x100000, 0x6000).block_size == 0x1000            # under 32 KiB: 4 KiB blocks
    assert geometry(0x100000, 0x3000) is None
    assert geometry(0, 0) is None


def test_page_accounting():
    assert file_pages(0) == 1
    assert file_pages(1) == 2
    assert file_pages(251) == 2 and file_pages(252) == 3
    assert file_pages(105 * 251) == 106
    assert file_pages(105 * 251 + 1) == 108                            # 106 data + header + index
    assert file_pages(229 * 251) == 231 and file_pages(229 * 251 + 1) == 233


def test_used_follows_files(fs):
    fs.write_file(b"a", b"")
    fs.write_file(b"b", b"x" * 300)
    remaining, used, total = fs.fsinfo()
    assert used == (1 + 3) * 251 and remaining == total - used


def test_format_dots_one_per_64k():
    assert geometry(0x100000, 0x100000).format_dots == 16
    assert geometry(0x096000, 0x367000).format_dots == 55


# -- names -------------------------------------------------------------------------------------

def test_name_argument_rules():
    assert valid_name_argument(b"x" * 31) and not valid_name_argument(b"x" * 32)
    assert valid_name_argument(b"dir/" + b"x" * 31)                   # only the basename counts
    assert valid_name_argument(b"c:" + b"x" * 31)
    assert not valid_name_argument(b"a\0b")
    assert not valid_name_argument(b"dir/" + b"x" * 28, whole=True)    # file.stat checks it all


def test_drive_prefix():
    assert resolve(b"/FLASH/init.lua") == b"init.lua"
    assert resolve(b"/FLASHinit.lua") == b"init.lua"
    assert resolve(b"/flash/init.lua") is None
    assert resolve(b"/init.lua") is None
    assert resolve(b"lib/util.lua") == b"lib/util.lua"


def test_long_name_with_short_basename_fails_at_open(fs):
    name = b"a" * 20 + b"/" + b"b" * 20
    assert valid_name_argument(name)
    assert fs.open(name, b"w") is None


def test_slash_is_an_ordinary_character(fs):
    assert fs.write_file(b"lib/util.lua", b"x")
    assert fs.list() == {b"lib/util.lua": 1}
    assert fs.exists(b"/FLASH/lib/util.lua") and not fs.exists(b"lib")


# -- descriptors and modes ---------------------------------------------------------------------

def test_at_most_four_open_files(fs):
    handles = [fs.open(b"f%d" % i, b"w") for i in range(MAX_OPEN_FILES)]
    assert all(handles) and fs.open(b"f9", b"w") is None
    assert fs.open(b"f0", b"r") is None
    fs.remove(b"f1")                                   # needs a free descriptor: silently nothing
    assert fs.exists(b"f1") and not fs.rename(b"f1", b"g")
    handles[0].close()
    assert fs.open(b"f0", b"r") is not None


def test_modes(fs):
    fs.write_file(b"t", b"hello")
    r = fs.open(b"t", b"r")
    assert not r.write(b"x") and r.read() == b"hello"
    r.close()
    w = fs.open(b"t", b"w")
    assert fs.list()[b"t"] == 0 and w.read() is None and w.write(b"ab")
    w.close()
    a = fs.open(b"t", b"a")
    a.seek("set", 0)
    assert a.write(b"cd")
    a.close()
    assert fs.read_file(b"t") == b"abcd"
    rp = fs.open(b"t", b"r+")
    assert rp.write(b"X") and rp.read() == b"bcd"
    rp.close()
    assert fs.read_file(b"t") == b"Xbcd"
    assert fs.open(b"missing", b"r+") is None and fs.open(b"missing", b"r") is None
    ap = fs.open(b"t", b"a+")
    assert ap.read() == b"Xbcd" and ap.write(b"!") and ap.seek("set", 0) == 0 and ap.read() == b"Xbcd!"
    ap.close()
    odd = fs.open(b"t", b"rw")                         # unknown mode strings mean "r"
    assert not odd.write(b"z")
    odd.close()
    wp = fs.open(b"new", b"w+")
    assert wp.write(b"12") and wp.seek("set") == 0 and wp.read() == b"12"
    wp.close()


def test_read_semantics(fs):
    fs.write_file(b"e", b"")
    f = fs.open(b"e")
    assert f.read() is None and f.read(0) == b""       # empty file: nil; n <= 0: ""
    f.close()
    fs.write_file(b"d", b"line1\nline2\nrest")
    f = fs.open(b"d")
    assert f.readline() == b"line1\n"
    assert f.read(3) == b"lin"
    assert f.read(100, ord("\n")) == b"e2\n"
    assert f.read(1024, ord("x")) == b"rest"
    assert f.read() is None and f.readline() is None
    f.close()
    fs.write_file(b"big", b"a" * 3000)
    f = fs.open(b"big")
    assert len(f.read()) == 1024 and len(f.readline()) == 1024 and len(f.read(5000)) == 952
    f.close()


def test_seek_semantics(fs):
    fs.write_file(b"s", b"0123456789")
    f = fs.open(b"s")
    assert f.seek() == 0 and f.seek("end") == 10 and f.seek("set", 4) == 4
    assert f.seek("cur", 2) == 6 and f.read(1) == b"6"
    assert f.seek("cur", -100) is None and f.tell() == 7            # before start: unchanged
    assert f.seek("set", 50) is None and f.tell() == 10             # past end: clamped, nil
    assert f.seek("end", -3) == 7 and f.read() == b"789"
    f.close()


def test_binary_safe_and_shared_view(fs):
    data = bytes(range(256)) * 4
    w = fs.open(b"bin", b"w")
    r = fs.open(b"bin", b"r")
    assert w.write(data) and r.read(2000) == data                   # one inode, two descriptors
    w.close()
    r.close()
    assert fs.read_file(b"bin") == data


def test_remove_rename_stat_exists(fs):
    fs.write_file(b"a", b"1")
    fs.write_file(b"b", b"22")
    assert not fs.rename(b"a", b"b") and not fs.rename(b"zz", b"c")
    assert fs.rename(b"a", b"c") and fs.list() == {b"b": 2, b"c": 1}
    assert fs.stat(b"b") == (b"b", 2) and fs.stat(b"nope") is None
    h = fs.open(b"b")
    fs.remove(b"b")
    assert not fs.exists(b"b") and h.read() is None and not h.valid and fs.open_count() == 0
    h.close()
    fs.remove(b"never")                                              # silently ignored


def test_volume_full(fs):
    small = Spiffs()
    small.format(0x100000, 0x8000)                  # 4 blocks of 8 KiB: (4-2)*31+1 = 63 pages
    remaining, _, total = small.fsinfo()
    assert total == 63 * 251
    f = small.open(b"big", b"w")
    assert not f.write(b"x" * total)                # header page leaves room for 62 data pages
    assert f.size() == 62 * 251
    f.close()
    assert small.fsinfo()[0] == 0 and small.open(b"other", b"w") is None


def test_format_invalidates_and_empties(fs):
    fs.write_file(b"a", b"1")
    h = fs.open(b"a")
    assert fs.format(*CLOUD) == 53
    assert fs.list() == {} and not h.valid and fs.fsinfo()[1] == 0
    assert fs.format(0, 0) is None and not fs.mounted and fs.fsinfo() is None


def test_unmounted_volume():
    volume = Spiffs()
    assert volume.open(b"x", b"w") is None and volume.list() is None and not volume.exists(b"x")


# -- persistence -------------------------------------------------------------------------------

def test_reopen_and_remount_rules(tmp_path):
    fs = Spiffs(tmp_path)
    fs.format(*CLOUD)
    fs.write_file(b"init.lua", b"print(1)\n")
    fs.write_file(b"Lib/Up.lua", b"x")
    fs.unmount()
    again = Spiffs(tmp_path)
    assert again.mount(*CLOUD) and again.list() == {b"Lib/Up.lua": 1, b"init.lua": 9}
    assert again.mount(0x0B6000, 0x348000)          # grown partition, same start: still mounts
    assert again.fscfg() == (0x0B6000, 0x346000)    # ... with the old size until file.format
    assert not again.mount(0x0C0000, 0x300000)      # moved: does not mount (boot formats)
    assert not again.mount(0x0B6000, 0x100000)      # shrunk below the volume: does not mount


def test_unflushed_truncation_keeps_old_content_on_disk(tmp_path):
    fs = Spiffs(tmp_path)
    fs.format(*CLOUD)
    fs.write_file(b"app.lua", b"old content")
    h = fs.open(b"app.lua", b"w")
    h.write(b"new, half written")
    assert (tmp_path / "files" / "app.lua").read_bytes() == b"old content"
    h.flush()
    assert (tmp_path / "files" / "app.lua").read_bytes() == b"new, half written"
    h.close()


KILL_UPLOADER = textwrap.dedent("""
    import sys
    from vm.nodemcu.spiffs import Spiffs
    fs = Spiffs(sys.argv[1])
    if not fs.mount(0x0B6000, 0x347000):
        fs.format(0x0B6000, 0x347000)
    for i in range(5):
        assert fs.write_file(b"done%d.lua" % i, (b"-- file %d\\n" % i) * 200)
    assert fs.write_file(b"victim.lua", b"precious")
    print("ready", flush=True)
    n = 0
    while True:                                   # uploads and churn until killed
        h = fs.open(b"victim.lua", b"w")
        for _ in range(50):
            assert h.write(b"x" * 128)
        fs.write_file(b"churn.lua", b"%d" % n * 1000)
        h.close()
        n += 1
""")


def test_kill_9_during_uploads(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", KILL_UPLOADER, str(tmp_path)],
                            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.4)
    assert proc.poll() is None, "the writer died before it was killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    fs = Spiffs(tmp_path)
    assert fs.mount(*CLOUD)
    listing = fs.list()
    for i in range(5):
        assert fs.read_file(b"done%d.lua" % i) == (b"-- file %d\n" % i) * 200
    victim = fs.read_file(b"victim.lua")
    assert victim == b"precious" or victim == b"x" * 128 * 50   # old or whole new, never torn
    churn = fs.read_file(b"churn.lua")
    if churn is not None:
        assert churn == churn[:len(churn) // 1000] * 1000
    assert not any(p.name.startswith(".tmp") for p in (tmp_path / "files").iterdir())
    assert set(listing) <= {b"done0.lua", b"done1.lua", b"done2.lua", b"done3.lua", b"done4.lua",
                            b"victim.lua", b"churn.lua"}
