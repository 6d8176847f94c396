"""`espconsole lfs inspect`: what an image holds, and clear one-line rejections."""

import json
import shutil

import pytest

from espconsole.commands import lfs
from tests.oracles import GOLDEN_DIR


def run(capsys, *argv):
    status = lfs.run(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_text_report(capsys):
    status, out, err = run(capsys, "inspect", str(GOLDEN_DIR / "combined.lfs51.img"),
                           "--partition", "32K")
    assert (status, err) == (0, "")
    assert "Lua 5.1 float firmware (position independent, gzip, signature 0xFAFAA154)" in out
    assert "image size:  30656 bytes (+ 960-byte relocation bitmap)" in out
    assert "2026-01-01 00:00:00 UTC (timestamp 1767225600)" in out
    assert "strings:     388 in 512 buckets" in out
    assert "partition:   32768 bytes: fits, 2112 bytes free" in out
    assert "modules:     5" in out
    assert "    manyconst             1172        738          1" in out


def test_json_report(capsys):
    status, out, _ = run(capsys, "inspect", str(GOLDEN_DIR / "mod_basic.lfs51.img"), "--json",
                         "-p", "0x10000")
    info = json.loads(out)
    assert status == 0 and info["valid"]
    assert info["variant"] == "float" and info["timestamp"] == 1767225600
    assert info["image_size"] == 1888 and info["file_size"] == 1000
    assert info["modules"] == [{"name": "mod_basic", "instructions": 60, "constants": 29,
                                "functions": 4}]
    assert info["partition"] == {"size": 65536, "fits": True, "free": 65536 - 1888}


def test_does_not_fit(capsys):
    status, out, err = run(capsys, "inspect", str(GOLDEN_DIR / "combined.lfs51.img"), "-p", "16K")
    assert status == 1 and "does NOT fit" in out
    assert "does not fit the 16384-byte LFS partition" in err


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d[:-10], "bad gzip data"),
    (lambda d: d[:150], "200 bytes"),
    (lambda d: b"\x00" * 400, "signature"),
    (lambda d: d[:-8] + bytes([d[-8] ^ 1]) + d[-7:], "CRC-32"),
])
def test_rejections_are_one_line(tmp_path, capsys, mutate, words):
    data = (GOLDEN_DIR / "closures.lfs51.img").read_bytes()
    path = tmp_path / "bad.img"
    path.write_bytes(mutate(data))
    status, out, err = run(capsys, "inspect", str(path))
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_rejection_as_json(tmp_path, capsys):
    path = tmp_path / "raw.img"
    shutil.copy(GOLDEN_DIR / "closures.lfs51.raw", path)
    status, out, _ = run(capsys, "inspect", str(path), "--json")
    info = json.loads(out)
    assert status == 1 and not info["valid"] and "gunzipped" in info["error"]


def test_wrong_variant_and_absolute(tmp_path, capsys):
    status, _, err = run(capsys, "inspect", str(GOLDEN_DIR / "closures.lfs51.img"),
                         "--variant", "integer")
    assert status == 1 and "not the integer one" in err


def test_missing_file(capsys):
    status, _, err = run(capsys, "inspect", "/nonexistent/x.img")
    assert status == 1 and err.startswith("espconsole lfs: cannot open /nonexistent/x.img")
