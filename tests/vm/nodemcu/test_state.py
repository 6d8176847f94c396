"""State folder: parts opened together, lock, reflash."""

import os
import subprocess
import sys

import pytest

from vm.nodemcu.boot import BoardProfile, boot_board
from vm.nodemcu.partitions import LAYOUTS
from vm.nodemcu.state import BoardState, default_state_dir


def test_layout_of_state_folder(tmp_path):
    state_dir = default_state_dir(tmp_path)
    assert state_dir == tmp_path / ".espconsole" / "node"
    with BoardState(state_dir) as state:
        boot_board(BoardProfile(), state.table, state.spiffs)
        state.spiffs.write_file(b"init.lua", b"print(1)")
    assert sorted(p.name for p in state_dir.iterdir()) == ["flash", "lock", "spiffs"]
    assert (state_dir / "spiffs" / "files" / "init.lua").read_bytes() == b"print(1)"
    with BoardState(state_dir) as state:
        result = boot_board(BoardProfile(), state.table, state.spiffs, rst_cause=2)
        assert result.resets == 0 and not result.formatted
        assert state.spiffs.read_file(b"init.lua") == b"print(1)"


@pytest.mark.skipif(os.name != "posix", reason="advisory lock is POSIX-only")
def test_second_process_is_locked_out(tmp_path):
    with BoardState(tmp_path):
        code = ("import sys\nfrom vm.nodemcu.state import BoardState, StateLocked\n"
                "try:\n    BoardState(sys.argv[1])\nexcept StateLocked:\n    sys.exit(3)\n")
        proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)],
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert proc.returncode == 3
    BoardState(tmp_path).close()                   # free again after close


def test_reflash_wipes_and_reprovisions(tmp_path):
    with BoardState(tmp_path, LAYOUTS["repo-default"]) as state:
        boot_board(BoardProfile(layout=state.layout), state.table, state.spiffs)
        state.spiffs.write_file(b"a", b"1")
        state.reflash()
        assert state.table.needs_first_time_setup()
        result = boot_board(BoardProfile(layout=state.layout), state.table, state.spiffs)
        assert result.resets == 1 and result.formatted and state.spiffs.list() == {}


def test_memory_state():
    state = BoardState(None)
    boot_board(BoardProfile(), state.table, state.spiffs)
    assert state.table.get_partition_table()["lfs_size"] == 0x20000
