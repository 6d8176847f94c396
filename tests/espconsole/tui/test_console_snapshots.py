"""Snapshots of the console's main screen in its key states, fed with fixed session events (one snapshot per state)."""

from __future__ import annotations

import os
import time

import pytest

from espconsole.session import Session
from espconsole.session import events as ev
from espconsole.tui.app import ConsoleApp
from espconsole.tui.messages import SessionEvent
from espconsole.tui.screens.files import FileScreen
from espconsole.tui.screens.partition_editor import PartitionEditor

pytest.importorskip("pytest_textual_snapshot")

SIZE = (130, 36)
WHEN = 1767225600.0                     # 2026-01-01 00:00:00 UTC
TABLE = {"lfs_addr": 0x96000, "lfs_size": 0x20000, "spiffs_addr": 0xB6000,
         "spiffs_size": 0x347000}
BOOT = ("NodeMCU 3.0.0.0 \n\tbranch: release\n\tbuild type: float\n\tLFS: 0x20000 bytes total "
        "capacity\n build 2024-02-25 09:10 powered by Lua 5.1.4 on SDK 3.0.1-dev(fce080e)\n> ")
MODULES = [("_init", 1475), ("app", 510), ("config", 217), ("led", 409)]


@pytest.fixture(autouse=True)
def utc():
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def view(image=5412):
    from espconsole.session.views import partition_view
    return partition_view(TABLE, 4 * 1024 * 1024, image)


def rows(state=ev.ModuleState.ON_NODE, special=None):
    out = []
    for name, size in MODULES:
        out.append(ev.ModuleRow(name, size, (special or {}).get(name, state), f"lfs/{name}.lua"))
    return tuple(out)


def ready_events():
    return [
        ev.StatusChanged("emulated", ev.NodeState.READY, 38531, True),
        ev.PartitionsChanged(view()),
        ev.BuildFinished(ev.BuildStatus(True, WHEN, 0.014, (), 5412,
                                        ("_init", "app", "config", "led"))),
        ev.ModulesChanged(rows()),
        ev.ReplOutput(BOOT + "print(6*7)\n42\n> for i = 1, 2 do\n>> print(i) end\n1\n2\n> "),
    ]


def make_app(tmp_path, events, screen=None):
    (tmp_path / "blinky").mkdir()
    app = ConsoleApp(Session(tmp_path / "blinky", watch=False), start_session=False)

    async def feed(pilot):
        for event in events:
            app.post_message(SessionEvent(event))
        if screen is not None:
            await app.push_screen(screen(app))
        await pilot.pause(0.2)
    return app, feed


def test_ready(snap_compare, tmp_path):
    app, feed = make_app(tmp_path, ready_events())
    assert snap_compare(app, terminal_size=SIZE, run_before=feed)


def test_build_failed(snap_compare, tmp_path):
    events = ready_events() + [
        ev.BuildFinished(ev.BuildStatus(False, WHEN, 0.01, (
            "lfs/led.lua:3: unexpected symbol near '='",
            "lfs/app.lua:12: 'end' expected (to close 'function' at line 9) near '<eof>'"))),
        ev.ModulesChanged(rows(special={"led": ev.ModuleState.BUILD_ERROR,
                                        "app": ev.ModuleState.BUILD_ERROR})),
    ]
    app, feed = make_app(tmp_path, events)
    assert snap_compare(app, terminal_size=SIZE, run_before=feed)


def test_deploying(snap_compare, tmp_path):
    events = ready_events() + [
        ev.StatusChanged("emulated", ev.NodeState.BUSY, 38531, True),
        ev.ModulesChanged(rows(special={"config": ev.ModuleState.CHANGED,
                                        "led": ev.ModuleState.NEW})),
        ev.Progress("deploy lfs.img", 2400, 5412),
    ]
    app, feed = make_app(tmp_path, events)
    assert snap_compare(app, terminal_size=SIZE, run_before=feed)


def test_disconnected(snap_compare, tmp_path):
    events = ready_events() + [
        ev.StatusChanged("/dev/ttyUSB0@115200", ev.NodeState.DISCONNECTED, None, False,
                         "/dev/ttyUSB0 vanished"),
    ]
    app, feed = make_app(tmp_path, events)
    assert snap_compare(app, terminal_size=SIZE, run_before=feed)


def test_partition_editor(snap_compare, tmp_path):
    app, feed = make_app(tmp_path, ready_events(),
                         screen=lambda app: PartitionEditor(view()))
    assert snap_compare(app, terminal_size=SIZE, run_before=feed)


def test_file_screen(snap_compare, tmp_path):
    class QuietFileScreen(FileScreen):
        def action_refresh(self):              # no node in this test: show fixed files
            self.show(ev.FilesChanged((ev.FileEntry("init.lua", 780),
                                       ev.FileEntry("lfs.img", 5412)), 6777, 3244928))
    app, feed = make_app(tmp_path, ready_events(),
                         screen=lambda app: QuietFileScreen(app.session))
    assert snap_compare(app, terminal_size=SIZE, run_before=feed)
