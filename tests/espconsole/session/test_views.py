"""Tests for espconsole.session.views, repl_stream and the partition planner: the pure parts of the session."""

import pytest

from espconsole.errors import EspConsoleError
from espconsole.session.actions import plan_partitions
from espconsole.session.events import ModuleState
from espconsole.session.repl_stream import ReplStream
from espconsole.session.views import (ProjectModule, flash_bar, human_size, module_rows,
                                      partition_view)

TABLE = {"lfs_addr": 0x96000, "lfs_size": 0x20000, "spiffs_addr": 0xB6000,
         "spiffs_size": 0x347000}
FLASH = 4 * 1024 * 1024


def test_module_rows_states():
    project = [ProjectModule("a", "lfs/a.lua", 10, "k1"), ProjectModule("b", "lfs/b.lua", 20, "k2"),
               ProjectModule("c", "lfs/c.lua", 30, None), ProjectModule("d", "lfs/d.lua", 5, "k4")]
    rows = module_rows(project, {"a": "k1", "b": "old", "gone": "x"}, ["a", "b", "gone"])
    assert [(r.name, r.state) for r in rows] == [
        ("a", ModuleState.ON_NODE), ("b", ModuleState.CHANGED), ("c", ModuleState.BUILD_ERROR),
        ("d", ModuleState.NEW), ("gone", ModuleState.NODE_ONLY)]


def test_module_rows_without_a_record_are_changed():
    rows = module_rows([ProjectModule("a", "lfs/a.lua", 1, "k")], None, ["a"])
    assert rows[0].state is ModuleState.CHANGED


def test_partition_view_and_bar():
    view = partition_view(TABLE, FLASH, 5412)
    assert [p.name for p in view.partitions] == ["firmware", "LFS", "SPIFFS", "system"]
    assert view.lfs_capacity == 0x20000 and view.lfs_image_size == 5412
    bar = flash_bar(view, 50)
    assert sum(cells for _, cells in bar) == 50 and all(cells >= 1 for _, cells in bar)


def test_partition_view_gap_is_free():
    view = partition_view({"lfs_addr": 0x96000, "lfs_size": 0x10000, "spiffs_addr": 0x100000,
                           "spiffs_size": 0x100000}, FLASH, None)
    names = [p.name for p in view.partitions]
    assert names == ["firmware", "LFS", "free", "SPIFFS", "free", "system"]


def test_human_size():
    assert human_size(None) == "—" and human_size(512) == "512 B"
    assert human_size(0x20000) == "128.0 KiB" and human_size(0x347000) == "3.28 MiB"


def test_plan_partitions_moves_spiffs_only_when_lfs_grows_into_it():
    grown = plan_partitions(TABLE, FLASH, 0x30000, 0)
    assert grown == {"lfs_addr": 0x96000, "lfs_size": 0x30000, "spiffs_addr": 0xC6000,
                     "spiffs_size": FLASH - 0x3000 - 0xC6000}
    shrunk = plan_partitions(TABLE, FLASH, 0x10000, 0)
    assert shrunk["spiffs_addr"] == 0xB6000


@pytest.mark.parametrize("lfs, spiffs", [(0x12345, 0), (0x100000, 0), (0x20000, 0x400000)])
def test_plan_partitions_rejects(lfs, spiffs):
    with pytest.raises(EspConsoleError):
        plan_partitions(TABLE, FLASH, lfs, spiffs)


def test_repl_stream_line_ends_prompts_and_split_utf8():
    stream = ReplStream()
    assert stream.feed(b"print(1)\r\n1\r") == ("print(1)\n1", None)
    assert stream.feed(b"\n> ") == ("\n> ", "> ")
    stream.typed("for i=1,2 do")
    text, prompt = stream.feed(b"for i=1,2 do\r\n>> ")
    assert prompt == ">> " and text == "for i=1,2 do\n>> "
    stream.typed("éx")
    assert stream.feed("é".encode()[:1]) == ("", ">> ")          # still waiting
    assert stream.feed("é".encode()[1:] + b"\x00\x07x") == ("éx", None)
    assert stream.at_prompt is None
