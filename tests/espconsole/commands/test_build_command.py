"""`espconsole build [DIR] [-o FILE]`: what it prints, exit status, and a failed build leaving the image alone."""

import shutil

import pytest

import vm.lfs
from espconsole.commands import build
from tests.oracles import REPO_DIR


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "blinky"
    shutil.copytree(REPO_DIR / "examples" / "blinky", root,
                    ignore=shutil.ignore_patterns(".espconsole"))
    return root


def run(capsys, *argv):
    status = build.run(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_build_prints_modules_and_size(project, capsys):
    status, out, err = run(capsys, str(project), "--timestamp", "1767225600")
    assert (status, err) == (0, "")
    assert "  compiled lfs/led.lua -> led\n" in out
    assert "of 262144 bytes" in out and "4 modules" in out
    image = vm.lfs.read_image((project / ".espconsole" / "lfs.img").read_bytes())
    assert image.timestamp == 1767225600


def test_output_option(project, tmp_path, capsys):
    target = tmp_path / "out.img"
    status, out, _ = run(capsys, str(project), "-o", str(target))
    assert status == 0 and f"wrote {target}" in out and target.exists()


def test_failed_build(project, tmp_path, capsys):
    target = tmp_path / "out.img"
    assert run(capsys, str(project), "-o", str(target))[0] == 0
    before = target.read_bytes()
    (project / "lfs" / "bad.lua").write_text("x = = 1\n")
    status, _, err = run(capsys, str(project), "-o", str(target))
    assert status == 1
    assert err.splitlines()[0] == "lfs/bad.lua:1: unexpected symbol near '='"
    assert "was not changed" in err and target.read_bytes() == before


def test_bad_config(project, capsys):
    (project / "espconsole.toml").write_text("[lfs]\nmax_size = 12\n")
    status, _, err = run(capsys, str(project))
    assert status == 1 and "multiple of 4096" in err
