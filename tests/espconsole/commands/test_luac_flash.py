"""`espconsole luac -f / -a / -m / -i`: luac.cross's bytes, output lines and messages."""

import shutil
import struct

import pytest

import vm
import vm.lfs
from espconsole.commands import luac
from tests.oracles import GOLDEN_DIR

TIMESTAMP = "1767225600"
CASES = ("closures", "manyconst", "mod_basic", "strings", "varargs")
COMBINED = ["mod_basic.lua", "closures.lua", "varargs.lua", "strings.lua", "manyconst.lua"]


@pytest.fixture
def golden_dir(tmp_path, monkeypatch):
    for path in GOLDEN_DIR.glob("*.lua"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    status = luac.run(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("case", CASES)
def test_single_file_images(golden_dir, capsys, case):
    status, out, err = run(capsys, "-f", "--timestamp", TIMESTAMP, "-o", "x.img", f"{case}.lua")
    assert (status, err) == (0, "")
    assert out == (GOLDEN_DIR / f"{case}.lfs51.stdout").read_text()
    assert (golden_dir / "x.img").read_bytes() == (GOLDEN_DIR / f"{case}.lfs51.img").read_bytes()


def test_combined_image(golden_dir, capsys):
    status, out, _ = run(capsys, "-f", "--timestamp", TIMESTAMP, "-o", "c.img", *COMBINED)
    assert status == 0 and out == "Image size: 30656\n"
    assert (golden_dir / "c.img").read_bytes() == (GOLDEN_DIR / "combined.lfs51.img").read_bytes()


def test_default_timestamp_is_now(golden_dir, capsys):
    import time
    before = int(time.time())
    run(capsys, "-f", "-o", "x.img", "strings.lua")
    stamp = vm.lfs.read_image((golden_dir / "x.img").read_bytes()).timestamp
    assert before <= stamp <= int(time.time())


def test_size_limit_leaves_an_empty_file(golden_dir, capsys):
    status, out, err = run(capsys, "-m", "4096", "-o", "c.img", *COMBINED)
    assert status == 1
    assert out == "Image size: 30656\n"
    assert err == "luac: The image is too large for specfied LFS size\n"
    assert (golden_dir / "c.img").read_bytes() == b""


def test_size_limit_must_be_a_multiple_of_4096(golden_dir, capsys):
    status, _, err = run(capsys, "-m", "5000", "strings.lua")
    assert status == 1 and err.startswith("luac: '-m' maximum size must be a multiple of 4,096\n")


def test_absolute_image(golden_dir, capsys):
    status, out, _ = run(capsys, "-a", "0x40280000", "--timestamp", TIMESTAMP, "-o", "a.img",
                         "mod_basic.lua")
    assert status == 0 and out == "Image size: 1888\n"
    data = (golden_dir / "a.img").read_bytes()
    assert len(data) == 1888 and struct.unpack_from("<I", data)[0] == 0xFAFAA155
    image = vm.lfs.read_image(data)
    assert image.absolute and image.base == 0x40280000


def test_more_than_50_modules(golden_dir, capsys):
    status, out, err = run(capsys, "-f", *(["strings.lua"] * 51))
    assert status == 1 and out == ""
    assert err.startswith("luac: '-f': Number of modules > 50\nusage: luac")


def test_duplicate_names_are_kept_as_luac_cross_does(golden_dir, capsys):
    (golden_dir / "sub").mkdir()
    shutil.copy(golden_dir / "strings.lua", golden_dir / "sub" / "strings.lua")
    status, _, _ = run(capsys, "-f", "-o", "d.img", "strings.lua", "sub/strings.lua")
    assert status == 0
    names = [m.name for m in vm.lfs.read_image((golden_dir / "d.img").read_bytes()).modules]
    assert names == [b"strings", b"strings"]


def test_syntax_error(golden_dir, capsys):
    (golden_dir / "bad.lua").write_text("x = = 1\n")
    status, out, err = run(capsys, "-f", "-o", "b.img", "bad.lua")
    assert status == 1 and out == ""
    assert err == "luac: bad.lua:1: unexpected symbol near '='\n"


def test_integer_build(golden_dir, capsys):
    status, _, _ = run(capsys, "-f", "--int", "--timestamp", TIMESTAMP, "-o", "i.img",
                       "strings.lua")
    assert status == 0
    image = vm.lfs.read_image((golden_dir / "i.img").read_bytes())
    assert image.variant is vm.lfs.INTEGER and image.timestamp == int(TIMESTAMP)


def test_lookup_main_only(golden_dir, capsys):
    status, _, _ = run(capsys, "-i", "--timestamp", TIMESTAMP, "-o", "m.luac", "strings.lua")
    assert status == 0
    main = vm.undump((golden_dir / "m.luac").read_bytes())
    image = vm.lfs.read_image((GOLDEN_DIR / "strings.lfs51.img").read_bytes())
    assert main == image.main


def test_listing_of_the_lookup_main(golden_dir, capsys):
    status, out, _ = run(capsys, "-f", "-l", "-p", "strings.lua")
    assert status == 0 and out.startswith("\nmain <(luac):0,0> (10 instructions")
    assert not (golden_dir / "luac.out").exists()
