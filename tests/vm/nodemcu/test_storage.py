"""Atomic state files."""

from vm.nodemcu.storage import TEMP_PREFIX, atomic_write, clean_temporaries, durable_remove, durable_rename


def test_atomic_write_replaces_and_creates_parents(tmp_path):
    target = tmp_path / "a" / "b.bin"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["b.bin"]


def test_remove_rename_and_cleanup(tmp_path):
    atomic_write(tmp_path / "x", b"1")
    durable_rename(tmp_path / "x", tmp_path / "y")
    assert durable_remove(tmp_path / "y") and not durable_remove(tmp_path / "y")
    (tmp_path / f"{TEMP_PREFIX}9-z").write_bytes(b"")
    assert clean_temporaries(tmp_path) == 1 and clean_temporaries(tmp_path / "none") == 0
