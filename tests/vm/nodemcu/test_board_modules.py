"""The firmware modules on the board: node, file, tmr, uart, gpio (host-driven pins), bit, encoder, sjson, and heap accounting."""

from __future__ import annotations

import pytest

from tests.vm.nodemcu.board_helpers import booted_board, run, send


@pytest.fixture
def board():
    b = booted_board()
    yield b
    b.close()


@pytest.mark.parametrize("line, reply", [
    ("=node.chipid(), node.flashid(), node.flashsize()", b"10597059\t1458415\t4194304"),
    ("=node.info('hw').flash_size, node.info('sw_version').node_version_major", b"4096\t3"),
    ("=node.info('build_config').modules", b"bit,encoder,file,gpio,net,node,sjson,tmr,uart,wifi"),
    ("=node.info('x')", b"Lua error: \tstdin:1: bad argument #1 to 'info' (invalid option 'x')"),
    ("=node.getpartitiontable().spiffs_addr", b"745472"),
    ("=bit.bnot(0), bit.lshift(1,31), bit.rshift(-1,1), bit.band(12, 10, 8)", b"-1\t-2147483648\t2147483647\t8"),
    ("=encoder.toBase64('hello'), encoder.toHex('AB'), encoder.fromHex('4a4B')", b"aGVsbG8=\t4142\tJK"),
    ("=pcall(encoder.fromHex, 'abc')", b"false\tInvalid hex string"),
    ("=sjson.encode({1, 2, 'x'})", b'[1,2,"x"]'),
    ("=sjson.decode('{\"a\":[1,2]}').a[2]", b"2"),
    ("=tmr.ALARM_SINGLE, tmr.ALARM_AUTO, tmr.ALARM_SEMI", b"0\t1\t2"),
    ("=uart.setup(0, 9600, 8, 0, 1)", b"9600"),
    ("=pcall(uart.on, 'foo')", b"false\tbad argument #1 to '?' (method not supported)"),
    ("node.foo = 1", b"Lua error: \tstdin:1: table is readonly"),
    ("=node.uptime", b"nil"),
])
def test_module_values(board, line, reply):
    assert run(board, line).startswith(reply)


def test_file_default_file_api(board):
    assert run(board, "=file.open('a.txt', 'w+')").startswith(b"userdata: 0x3ff")
    assert run(board, "=file.write('one\\n'), file.writeline('two')") == b"true\ttrue\r\n> "
    assert run(board, "=file.seek('set'), file.readline(), file.read(), file.read()") == \
        b"0\tone\r\n\ttwo\r\n\tnil\r\n> "
    run(board, "file.close()")
    assert run(board, "=file.read()") == b"nil\r\n> "
    assert run(board, "for k,v in pairs(file.list()) do uart.write(0,k..':'..v..';') end print('')") == \
        b"a.txt:8;\r\n> "
    assert run(board, "=file.fsinfo()") == b"3244426\t502\t3244928\r\n> "
    assert run(board, "=file.rename('a.txt', 'b.txt'), file.exists('a.txt'), file.stat('b.txt').size") == \
        b"true\tfalse\t8\r\n> "
    assert run(board, "=file.open(string.rep('x', 32))").startswith(
        b"Lua error: \tstdin:1: bad argument #1 to 'open' (filename invalid)")


def test_file_format_output(board):
    run(board, "file.putcontents('x', 'y')")
    assert run(board, "file.format()") == b"." * 53 + b"format done.\r\n> "
    assert run(board, "=file.exists('x')") == b"false\r\n> "


def test_timers_fire_between_tasks(board):
    run(board, "n = 0 t = tmr.create() t:alarm(100, tmr.ALARM_AUTO, function(tm) n = n + 1 "
               "if n == 3 then tm:unregister() print('done', tm:state()) end end)")
    board.advance(0.25)
    assert run(board, "=n, t:state()") == b"2\ttrue\t1\r\n> "
    board.advance(0.2)
    assert board.read() == b"done\tnil\r\n"
    assert run(board, "=tmr.time(), tmr.now() > 0") == b"0\ttrue\r\n> "


def test_task_post_and_queue_limit(board):
    assert run(board, "node.task.post(function(p) print('task', p) end)") == b"> task\t1\r\n"
    reply = run(board, "for i = 1, 9 do node.task.post(0, function() end) end")
    assert b"Task queue overflow. Task not posted" in reply


def test_gpio_host_side_pins_and_trig(board):
    run(board, "gpio.mode(1, gpio.INT, gpio.PULLUP) gpio.trig(1, 'down', function(l, w, c) print('edge', l, c) end)")
    assert run(board, "=gpio.read(1)") == b"1\r\n> "
    board.pins.drive(1, 0)
    board.run_until_idle()
    assert board.read() == b"edge\t0\t1\r\n"
    run(board, "gpio.mode(2, gpio.OUTPUT) gpio.write(2, gpio.HIGH)")
    assert board.pins.level(2) == 1
    assert run(board, "gpio.write(13, 1)").startswith(b"Lua error: \tstdin:1: gpio 13 does not exist")


def test_uart_on_count_mode_and_back(board):
    run(board, "uart.on('data', 4, function(d) uart.write(0, '[' .. d .. ']') "
               "if d == 'stop' then uart.on('data') end end, 0)")
    assert send(board, b"abcdefgh") == b"[abcd][efgh]"
    assert send(board, b"stop") == b"[stop]"
    assert send(board, b"print(5)\n") == b"print(5)\r\n5\r\n> "


def test_heap_falls_as_lua_allocates_and_recovers(board):
    heap = int(run(board, "=node.heap()").split(b"\r\n")[0])
    assert 42000 < heap <= 44000
    run(board, "big = {} for i = 1, 500 do big[i] = 'item' .. i end")
    lower = int(run(board, "=node.heap()").split(b"\r\n")[0])
    assert lower < heap - 5000
    run(board, "big = nil")
    assert int(run(board, "=node.heap()").split(b"\r\n")[0]) > lower
    assert run(board, "t = {} for i = 1, 100000 do t[i] = i end") == b"Lua error: \tnot enough memory\r\n> "


def test_startup_options_and_command(board):
    run(board, "node.startup({banner=false, command='print(\"from INIT\")'})")
    reply = run(board, "node.restart()")
    assert b"NodeMCU 3.0.0.0" not in reply and reply.endswith(b"from INIT\r\n> ")
    assert run(board, "=node.startup().command") == b'print("from INIT")\r\n> '
    run(board, "node.startup({})")


def test_setpartitiontable_prints_and_reboots(board):
    reply = run(board, "node.setpartitiontable({lfs_size=0x10000})")
    assert b"Partition 4: 0067 096000 010000\r\n" in reply and reply.endswith(b"> ")
    assert run(board, "=node.getpartitiontable().lfs_size") == b"65536\r\n> "
    assert run(board, "node.setpartitiontable({lfs_addr=1})").startswith(
        b"Lua error: \tstdin:1: Partition value out of range")


def test_files_persist_across_boards(tmp_path):
    first = booted_board(tmp_path)
    run(first, "file.putcontents('init.lua', 'print(\"init ran\")')")
    first.close()
    second = booted_board(tmp_path)
    try:
        assert second.boot_output.endswith(b"init ran\r\n> ")
    finally:
        second.close()


def test_gpio_level_interrupt_rearms_after_each_callback(board):
    run(board, "n = 0 gpio.mode(2, gpio.INT, gpio.PULLUP) gpio.trig(2, 'low', function(level, when, count) n = n + 1 "
               "print('low', level, count) if n == 3 then gpio.trig(2, 'none') end end)")
    board.pins.drive(2, 0)
    board.run_until_idle()
    assert board.read() == b"low\t0\t1\r\n" * 3       # held low: fires again after each callback
    board.pins.drive(2, 1)
    board.run_until_idle()
    assert run(board, "gpio.trig(2, 'high', function(level) print('high', level) gpio.trig(2, 'none') end)") == \
        b"> high\t1\r\n"                                 # already at the level when enabled
    assert b"invalid callback type" in run(board, "gpio.trig(3, 'up', 5)")


def test_gpio_edges_queued_before_the_callback_runs_are_counted_once(board):
    run(board, "gpio.mode(1, gpio.INT) gpio.trig(1, 'both', function(l, w, c) print('edge', l, c) end)")
    for level in (1, 0, 1):
        board.pins.drive(1, level)
    board.run_until_idle()
    assert board.read() == b"edge\t1\t3\r\n"


def test_uart_end_character_mode_flushes_a_full_256_byte_buffer(board):
    run(board, "uart.on('data', '\\n', function(d) uart.write(0, '[' .. #d .. ']') end, 0)")
    board.feed(b"x" * 300 + b"\n")
    board.run_until_idle()
    assert board.read() == b"[256][45]"


def test_dsleep_wakes_after_the_time_with_the_deep_sleep_reason(board):
    assert run(board, "node.dsleep(5000000) print('still running this chunk')") == \
        b"still running this chunk\r\n> "
    board.advance(4.9)
    assert board.read() == b""
    board.advance(0.2)
    out = board.read()
    assert b"NodeMCU 3.0.0.0" in out and out.endswith(b"cannot open init.lua: \r\n> ")
    assert run(board, "=node.bootreason()") == b"5\t5\r\n> "


def test_dsleep_without_the_wake_wire_sleeps_until_reset():
    import dataclasses  # noqa: PLC0415
    from vm.nodemcu.boot import BoardProfile  # noqa: PLC0415
    b = booted_board(profile=dataclasses.replace(BoardProfile(), dsleep_wake=False))
    try:
        run(b, "node.dsleep(1000)")
        b.advance(60)
        assert b.read() == b""
        b.reset()
        b.run_until_idle()
        assert b.read().endswith(b"> ")
        assert run(b, "=node.bootreason()") == b"2\t6\r\n> "
    finally:
        b.close()


def test_gpio_serout_sync_and_async(board):
    seen = []
    board.pins.listeners.append(lambda pin, level: seen.append((pin, level, board.clock.now())))
    run(board, "gpio.mode(4, gpio.OUTPUT) gpio.serout(4, gpio.HIGH, {1000, 2000}, 2)")
    assert [(p, lv) for p, lv, _ in seen] == [(4, 1), (4, 0), (4, 1), (4, 0)]
    assert [round(t - seen[0][2], 6) for _, _, t in seen] == [0.0, 0.001, 0.003, 0.004]
    seen.clear()
    assert run(board, "gpio.serout(4, gpio.LOW, {50000, 50000}, 1, function() print('serout done') end)") == b"> "
    board.advance(0.2)
    assert board.read() == b"serout done\r\n"
    assert [lv for _, lv, _ in seen] == [1]             # the pin was low already: one transition
    assert b"Invalid delay_times" in run(board, "gpio.serout(4, 1, 5)")
