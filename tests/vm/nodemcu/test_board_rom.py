"""The firmware's ROM tables on the board: `_G` backed by the ROTable ROM, read-only module and library tables, `lightfunction` light userdata."""

from __future__ import annotations

import pytest

from tests.vm.nodemcu.board_helpers import booted_board, run


@pytest.fixture
def board():
    b = booted_board()
    yield b
    b.close()


def test_pairs_over_G_at_boot_shows_only_the_ram_entries(board):
    reply = run(board, "local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) print(table.concat(t, ' '))")
    assert reply == b"_G _VERSION __index ipairs module newproxy package pairs require\r\n> "
    assert run(board, "=getmetatable(_G) == _G, rawget(_G, 'print'), _G.print == print, type(__index)") == \
        b"true\tnil\ttrue\ttable\r\n> "
    assert run(board, "=rawget(__index, 'node') == node, __index.string == string") == b"true\ttrue\r\n> "


def test_globals_shadow_rom_and_fall_back_to_it(board):
    assert run(board, "x = 1 print = function(...) uart.write(0, 'P ') end") == b"> "
    assert run(board, "=rawget(_G, 'print') ~= nil") == b"P > "
    run(board, "print = nil")
    assert run(board, "=rawget(_G, 'print'), x") == b"nil\t1\r\n> "
    assert run(board, "n = 0 for k in pairs(_G) do n = n + 1 end print(n)") == b"11\r\n> "


@pytest.mark.parametrize("line", [
    "node.heap = 1", "node.newfield = 1", "wifi.sta.config = nil", "table.insert = nil",
    "math.pi = 3", "tmr.ALARM_AUTO = 5", "__index.print = nil", "net.dns.resolve = print",
])
def test_every_write_to_a_rotable_fails(board, line):
    assert run(board, line).startswith(
        b"Lua error: \tstdin:1: table is readonly\r\nstack traceback:\r\n\tstdin:1: in main chunk\r\n")


def test_rotables_read_iterate_and_ignore_metatables(board):
    assert run(board, "=pcall(rawset, node, 'heap', 1)") == b"false\ttable is readonly\r\n> "
    assert run(board, "=getmetatable(gpio), setmetatable(gpio, {}) == gpio, getmetatable(gpio)") == \
        b"nil\ttrue\tnil\r\n> "
    assert run(board, "=rawget(gpio, 'write') == gpio.write, next(encoder) ~= nil") == b"true\ttrue\r\n> "
    assert run(board, "t = {} for k in pairs(bit) do t[#t + 1] = k end table.sort(t) print(table.concat(t, ','))") == \
        b"arshift,band,bit,bnot,bor,bxor,clear,isclear,isset,lshift,rshift,set\r\n> "
    assert run(board, "=require('node') == node, package.loaded.table == table") == b"true\ttrue\r\n> "


def test_light_userdata_is_reported_as_lightfunction(board):
    assert run(board, "=type(sjson.decode('[null]')[1]), type(print), type(node)") == \
        b"lightfunction\tfunction\ttable\r\n> "
    assert run(board, "=tostring(sjson.decode('[null]')[1]):match('^lightfunction: ') ~= nil") == b"true\r\n> "
