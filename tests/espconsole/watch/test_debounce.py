"""Tests for espconsole.watch.debounce with a hand-driven clock."""

from espconsole.watch.debounce import Debouncer
from espconsole.watch.rules import Change, ChangeKind


def change(path, kind=ChangeKind.MODULE):
    return Change(kind, path)


def test_nothing_pending():
    d = Debouncer(quiet=0.1, longest=1.0)
    assert d.deadline() is None and d.take(100.0) is None and not d.pending


def test_a_burst_becomes_one_batch():
    d = Debouncer(quiet=0.1, longest=1.0)
    for t, path in [(0.0, "lfs/a.lua"), (0.02, "lfs/a.lua"), (0.05, "lfs/b.lua")]:
        d.add(change(path), t)
    assert d.take(0.1) is None                  # 0.05 + 0.1 not reached
    batch = d.take(0.16)
    assert sorted(batch.changes) == ["lfs/a.lua", "lfs/b.lua"]
    assert not d.pending and d.take(10.0) is None


def test_continuous_changes_are_capped():
    d = Debouncer(quiet=0.1, longest=0.5)
    t = 0.0
    while t < 0.45:
        d.add(change("lfs/a.lua"), t)
        t += 0.05
    assert d.deadline() == 0.5
    assert d.take(0.5) is not None


def test_latest_state_of_a_path_wins():
    d = Debouncer(quiet=0.1)
    d.add(Change(ChangeKind.SPIFFS, "init.lua"), 0.0)
    d.add(Change(ChangeKind.SPIFFS, "init.lua", deleted=True), 0.01)
    assert d.take(1.0).changes["init.lua"].deleted
