"""Tests for espconsole.watch.rules: which paths are modules, SPIFFS files, settings or nothing."""

from pathlib import PurePosixPath

import pytest

from espconsole.config import load_config
from espconsole.watch.rules import ChangeBatch, ChangeKind, ProjectRules, is_editor_litter


@pytest.fixture
def rules(tmp_path):
    (tmp_path / "lfs").mkdir()
    return ProjectRules(load_config(tmp_path))


@pytest.mark.parametrize("path, kind", [
    ("lfs/app.lua", ChangeKind.MODULE),
    ("init.lua", ChangeKind.SPIFFS),
    ("data.json", ChangeKind.SPIFFS),
    ("espconsole.toml", ChangeKind.CONFIG),
])
def test_project_files(rules, path, kind):
    change = rules.classify_relative(PurePosixPath(path))
    assert change.kind is kind and change.path == path


@pytest.mark.parametrize("path", [
    "lfs/4913", "lfs/.app.lua.swp", "lfs/app.lua~", "lfs/.#app.lua", "lfs/#app.lua#",
    "lfs/app.lua.tmp", ".espconsole/lfs.img", ".espconsole/node/flash.bin", ".git/index",
    "lfs/notes.txt", "lfs/sub/x.lua", "README.md", "docs/x.lua", "espconsole.toml~",
    "a_file_name_longer_than_31_bytes.lua",
])
def test_ignored(rules, path):
    assert rules.classify_relative(PurePosixPath(path)) is None


def test_outside_the_project(rules, tmp_path):
    assert rules.classify(tmp_path.parent / "elsewhere.lua") is None
    assert rules.classify(tmp_path / "lfs" / "led.lua").kind is ChangeKind.MODULE


def test_single_file_source(tmp_path):
    (tmp_path / "espconsole.toml").write_text('[lfs]\nsources = ["lib/one.lua"]\n')
    rules = ProjectRules(load_config(tmp_path))
    assert rules.classify_relative(PurePosixPath("lib/one.lua")).kind is ChangeKind.MODULE
    assert rules.classify_relative(PurePosixPath("lib/two.lua")) is None


def test_spiffs_files_listing(rules, tmp_path):
    for name in ("init.lua", "README.md", "espconsole.toml", "cfg.json", ".hidden"):
        (tmp_path / name).write_text("x")
    assert rules.spiffs_files() == ["cfg.json", "init.lua"]


def test_batch_summary(rules):
    batch = ChangeBatch()
    assert not batch and not batch.needs_build
    batch.add(rules.classify_relative(PurePosixPath("init.lua")))
    assert batch.spiffs_uploads == ["init.lua"] and not batch.needs_build
    batch.add(rules.classify_relative(PurePosixPath("lfs/a.lua"), deleted=True))
    assert batch.needs_build
    batch.add(rules.classify_relative(PurePosixPath("init.lua"), deleted=True))
    assert batch.spiffs_uploads == []


def test_editor_litter():
    assert is_editor_litter("4913") and is_editor_litter("x.lua___jb_tmp___")
    assert not is_editor_litter("x.lua")
