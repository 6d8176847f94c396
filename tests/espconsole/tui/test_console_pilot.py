"""Acceptance: the real console app driven by the Pilot against the emulated node (REPL, save → deploy, build errors, partition table)."""

from __future__ import annotations

import asyncio

import pytest

from espconsole.session import ModuleState, NodeState, Session
from espconsole.tui.app import ConsoleApp
from espconsole.tui.widgets.modules import ModuleTable
from espconsole.tui.widgets.partitions import PartitionPane
from espconsole.tui.widgets.repl import ReplPane
from tests.espconsole.tui.conftest import wait_for

SIZE = (140, 40)


def ready_and_deployed(app: ConsoleApp) -> bool:
    session = app.session
    rows = app.query_one(ModuleTable).rows_shown
    return (not session.busy and session.node_state is NodeState.READY and rows
            and all(row.state is ModuleState.ON_NODE for row in rows))


async def type_line(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


@pytest.fixture
def app(blinky):
    session = Session(blinky)
    yield ConsoleApp(session)
    session.close()


def test_type_lua_and_see_the_output(app):
    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready_and_deployed(app), "start-up deploy")
            await type_line(pilot, "print(6*7, 'x'..'y')")
            repl = app.query_one(ReplPane)
            await wait_for(pilot, lambda: "42\txy" in repl.text, "the REPL output")
            assert "print(6*7, 'x'..'y')\n42" in repl.text          # the node's echo, then the output

    asyncio.run(scenario())


def test_multi_line_statement_uses_the_continuation_prompt(app):
    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready_and_deployed(app), "start-up deploy")
            await type_line(pilot, "for i = 1, 3 do")
            await wait_for(pilot, lambda: app.session.prompt == ">> ", "the continuation prompt")
            await type_line(pilot, "print(i * 11) end")
            repl = app.query_one(ReplPane)
            await wait_for(pilot, lambda: "33" in repl.text and app.session.prompt == "> ",
                           "the loop's output")

    asyncio.run(scenario())


def test_saved_module_is_deployed_and_live(app, blinky):
    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready_and_deployed(app), "start-up deploy")
            first_time = app.session.info.lfs_time
            config = blinky / "lfs" / "config.lua"
            config.write_text(config.read_text().replace('"blinky ready"', '"blinky v2 here"'))
            new_size = config.stat().st_size
            table = app.query_one(ModuleTable)

            def config_row_live():
                row = next((r for r in table.rows_shown if r.name == "config"), None)
                return (row is not None and row.size == new_size and ready_and_deployed(app)
                        and app.session.info.lfs_time != first_time)
            await wait_for(pilot, config_row_live, "the automatic deploy of config.lua")
            await type_line(pilot, "print('got:'..require('config').greeting)")
            repl = app.query_one(ReplPane)
            await wait_for(pilot, lambda: "got:blinky v2 here" in repl.text, "the new value")

    asyncio.run(scenario())


def test_syntax_error_shows_and_node_keeps_the_last_good_image(app, blinky):
    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready_and_deployed(app), "start-up deploy")
            good_time = app.session.info.lfs_time
            (blinky / "lfs" / "led.lua").write_text("local M = {}\nfunction M.set(on)\n  x = = 1\nend\n"
                                                    "return M\n")
            status = app.query_one("#build-status")
            await wait_for(pilot, lambda: status.status is not None and not status.status.ok,
                           "the failed build")
            assert any(p.startswith("lfs/led.lua:3:") for p in status.status.problems)
            assert "lfs/led.lua:3:" in str(status.render())
            table = app.query_one(ModuleTable)
            assert table.state_of("led") is ModuleState.BUILD_ERROR
            await type_line(pilot, "print('lfs:'..node.LFS.time..':'..#node.LFS.list())")
            repl = app.query_one(ReplPane)
            await wait_for(pilot, lambda: f"lfs:{good_time}:4" in repl.text,
                           "the node still running the good image")

    asyncio.run(scenario())


def test_partition_table_edit_updates_the_pane(app):
    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready_and_deployed(app), "start-up deploy")
            await pilot.press("f4")
            editor = await wait_for(pilot, lambda: app.screen if app.screen.id != "_default"
                                    and app.screen.query("#lfs-size") else None, "the editor")
            field = editor.query_one("#lfs-size")
            field.value = "0x30000"
            field.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen.query("#yes"), "the confirmation")
            await pilot.press("y")
            pane = app.query_one(PartitionPane)

            def lfs_resized():
                view = app.session.partition_view
                return view is not None and view.find("LFS").size == 0x30000
            await wait_for(pilot, lfs_resized, "the new partition table")
            await wait_for(pilot, lambda: ready_and_deployed(app), "the node back at its prompt")
            cells = [str(c) for c in pane.query_one("#partition-table").get_row_at(1)]
            assert cells[0] == "LFS" and cells[2] == "192.0 KiB"

    asyncio.run(scenario())
