"""Tests for espconsole.session.Session against the emulated node, without a UI: start-up deploy, SPIFFS files, saves, auto-deploy off, restart."""

from __future__ import annotations

import queue
import shutil
import time
from pathlib import Path

import pytest

from espconsole.session import ModuleState, NodeState, Session
from espconsole.session import events as ev

REPO = Path(__file__).resolve().parents[3]
DEADLINE = 30.0


@pytest.fixture
def session(tmp_path):
    project = tmp_path / "blinky"
    shutil.copytree(REPO / "examples" / "blinky", project,
                    ignore=shutil.ignore_patterns(".espconsole"))
    session = Session(project)
    events: queue.Queue = queue.Queue()
    session.subscribe(events.put)
    session.events = events
    session.start().result(DEADLINE)
    assert session.wait_idle(DEADLINE)
    while not events.empty():             # tests look only at what follows their own action
        events.get()
    yield session
    session.close()


def wait_event(session, kind, predicate=lambda e: True):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        try:
            event = session.events.get(timeout=0.2)
        except queue.Empty:
            continue
        if isinstance(event, kind) and predicate(event):
            return event
    raise AssertionError(f"no {kind.__name__} event")


def test_start_up_deploys_and_uploads_init(session):
    assert session.node_state is NodeState.READY
    assert {row.state for row in session.module_rows} == {ModuleState.ON_NODE}
    names = [entry.name for entry in session.list_files().result(DEADLINE)]
    assert "init.lua" in names and "lfs.img" in names
    assert session.capabilities >= {"persistent_state"}


def test_second_session_finds_the_node_current(session):
    root = session.root
    session.close()
    again = Session(root, watch=False)
    deployed = []
    again.subscribe(lambda e: isinstance(e, ev.Deployed) and deployed.append(e))
    try:
        again.start().result(DEADLINE)
        assert again.wait_idle(DEADLINE)
        assert deployed == [] and {r.state for r in again.module_rows} == {ModuleState.ON_NODE}
    finally:
        again.close()


def test_file_operations(session, tmp_path):
    local = tmp_path / "data.bin"
    local.write_bytes(bytes(range(256)) * 3)
    session.upload_file(local).result(DEADLINE)
    session.rename_file("data.bin", "moved.bin").result(DEADLINE)
    back = session.download_file("moved.bin", tmp_path / "back.bin").result(DEADLINE)
    assert back.read_bytes() == local.read_bytes()
    session.remove_file("moved.bin").result(DEADLINE)
    assert "moved.bin" not in [e.name for e in session.list_files().result(DEADLINE)]


def test_saving_a_spiffs_file_uploads_only_it(session):
    init = session.root / "init.lua"
    init.write_text(init.read_text() + "\n-- touched\n")
    wait_event(session, ev.Notice,
               lambda e: e.message == f"uploaded init.lua ({init.stat().st_size} bytes)")
    assert session.wait_idle(DEADLINE)
    sizes = {e.name: e.size for e in session.list_files().result(DEADLINE)}
    assert sizes["init.lua"] == init.stat().st_size


def test_auto_deploy_off_leaves_modules_changed(session):
    session.set_auto_deploy(False)
    config = session.root / "lfs" / "config.lua"
    config.write_text(config.read_text().replace("500", "250"))
    wait_event(session, ev.BuildFinished, lambda e: e.status.ok)
    changed = wait_event(session, ev.ModulesChanged)
    assert {r.name: r.state for r in changed.rows}["config"] is ModuleState.CHANGED
    session.deploy().result(DEADLINE)
    assert {r.state for r in session.module_rows} == {ModuleState.ON_NODE}


def test_restart_comes_back_ready(session):
    session.restart().result(DEADLINE)
    assert session.node_state is NodeState.READY and session.heap


def test_the_repl_shows_the_node_but_not_the_protocol(session, tmp_path):
    texts = []
    session.subscribe(lambda e: isinstance(e, ev.ReplOutput) and texts.append(e.text))
    local = tmp_path / "notes.txt"
    local.write_bytes(b"some notes\n" * 50)
    session.upload_file(local).result(DEADLINE)
    session.list_files().result(DEADLINE)
    session.download_file("notes.txt", tmp_path / "back.txt").result(DEADLINE)
    session.send_line("print('seen' .. 6 * 7)").result(DEADLINE)
    wait_event(session, ev.ReplOutput, lambda e: "seen42" in e.text)
    assert session.wait_idle(DEADLINE)
    session.restart().result(DEADLINE)
    assert session.wait_idle(DEADLINE)
    session.send_line("print('after' .. 1)").result(DEADLINE)
    wait_event(session, ev.ReplOutput, lambda e: "after1" in e.text)
    text = "".join(texts)
    assert "_EC" not in text and "\x02" not in text and "uart.write" not in text
    assert "print('seen' .. 6 * 7)" in text
    assert "[boot noise]" in text and "NodeMCU 3.0.0" in text       # the restart, as it happened


def test_start_up_notes_the_connection_and_shows_a_prompt(session):
    root = session.root
    session.close()
    again = Session(root, watch=False)
    texts = []
    again.subscribe(lambda e: isinstance(e, ev.ReplOutput) and texts.append(e.text))
    try:
        again.start().result(DEADLINE)
        assert again.wait_idle(DEADLINE)
        time.sleep(0.2)
        assert "".join(texts).startswith("[connected to the emulated node]\n> ")
    finally:
        again.close()
