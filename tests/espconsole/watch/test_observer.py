"""Tests for espconsole.watch.observer: real watchdog events on a temporary project become one batch per save."""

import os
import queue

import pytest

from espconsole.config import load_config
from espconsole.watch import Debouncer, ProjectRules, ProjectWatcher


@pytest.fixture
def project(tmp_path):
    (tmp_path / "lfs").mkdir()
    (tmp_path / "lfs" / "app.lua").write_text("return 1\n")
    return tmp_path


@pytest.fixture
def watched(project):
    batches = queue.Queue()
    watcher = ProjectWatcher(ProjectRules(load_config(project)), batches.put,
                             debouncer=Debouncer(quiet=0.2, longest=2.0)).start()
    yield project, batches
    watcher.close()


def test_atomic_save_gives_one_batch(watched):
    project, batches = watched
    # what vim/VS Code do: probe file, temporary file, rename over the original
    (project / "lfs" / "4913").write_text("")
    os.remove(project / "lfs" / "4913")
    tmp = project / "lfs" / ".app.lua.tmp"
    tmp.write_text("return 2\n")
    os.replace(tmp, project / "lfs" / "app.lua")
    (project / "init.lua").write_text("print(1)\n")
    batch = batches.get(timeout=10)
    assert sorted(batch.changes) == ["init.lua", "lfs/app.lua"]
    assert batch.needs_build and batch.spiffs_uploads == ["init.lua"]
    with pytest.raises(queue.Empty):
        batches.get(timeout=0.5)


def test_state_folder_is_ignored(watched):
    project, batches = watched
    (project / ".espconsole").mkdir()
    (project / ".espconsole" / "lfs.img").write_bytes(b"x")
    (project / "lfs" / "new.lua").write_text("return 3\n")
    batch = batches.get(timeout=10)
    assert list(batch.changes) == ["lfs/new.lua"]


def test_notice_while_paused_is_dropped(project):
    batches = queue.Queue()
    watcher = ProjectWatcher(ProjectRules(load_config(project)), batches.put,
                             debouncer=Debouncer(quiet=0.05))
    watcher.paused = True
    watcher.notice(str(project / "lfs" / "app.lua"))
    assert not watcher.debouncer.pending
