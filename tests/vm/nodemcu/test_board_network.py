"""wifi station and net on the board: events and their timing, saved configuration, TCP client and server over real loopback sockets, and an OTA-style fetch from a local HTTP server into SPIFFS."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import socket
import threading
import time

import pytest

from tests.vm.nodemcu.board_helpers import booted_board, run
from vm.nodemcu.boot import BoardProfile

WAIT = 10.0          # upper bound for socket round trips (never asserted as a timing)


def pump(board, until: bytes, timeout: float = WAIT) -> bytes:
    """Run the caller-driven board until its output contains `until` (network events arrive
    from the socket thread)."""
    out = b""
    deadline = time.monotonic() + timeout
    while until not in out and time.monotonic() < deadline:
        board.run_until_idle()
        out += board.read()
        if until not in out:
            time.sleep(0.005)
    return out


def connected_board(**profile) -> object:
    board = booted_board(profile=dataclasses.replace(BoardProfile(), **profile))
    run(board, "wifi.setmode(wifi.STATION) wifi.sta.config{ssid='home', pwd='secret123'}")
    board.advance(3)
    board.read()
    return board


@pytest.fixture
def board():
    b = booted_board()
    yield b
    b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(tmp_path):
    payload = b"".join(b"print('line %d of the new app')\n" % i for i in range(300))
    (tmp_path / "app.lua").write_bytes(payload)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], payload
    server.shutdown()
    server.server_close()
    thread.join()


# -- wifi ----------------------------------------------------------------------------------------

def test_wifi_defaults_and_globals(board):
    assert run(board, "=type(wifi), type(net), wifi.getmode(), wifi.sta.status(), wifi.sta.getip()") == \
        b"table\ttable\t2\t0\tnil\r\n> "
    assert run(board, "=wifi.STATION, wifi.STA_GOTIP, wifi.eventmon.STA_GOT_IP, wifi.eventmon.reason.NO_AP_FOUND, net.TCP") == \
        b"1\t5\t3\t201\t1\r\n> "
    assert run(board, "=wifi.sta.gethostname(), wifi.sta.getmac(), wifi.ap.getip()") == \
        b"NODE-A1B2C3\t5c:cf:7f:a1:b2:c3\t192.168.4.1\t255.255.255.0\t192.168.4.1\r\n> "


def test_wifi_station_events_in_order(board):
    run(board, "function show(e) return function(t) local k = {} for n, v in pairs(t) do "
               "k[#k + 1] = n .. '=' .. tostring(v) end table.sort(k) print(e, table.concat(k, ' ')) end end")
    run(board, "for _, e in ipairs({'STA_CONNECTED', 'STA_GOT_IP', 'STA_DISCONNECTED', 'WIFI_MODE_CHANGED'}) "
               "do wifi.eventmon.register(wifi.eventmon[e], show(e)) end")
    assert run(board, "=wifi.setmode(wifi.STATION)") == b"1\r\n> WIFI_MODE_CHANGED\tnew_mode=1 old_mode=2\r\n"
    assert run(board, "=wifi.sta.config({ssid='home', pwd='secret123'}), wifi.sta.status()") == b"true\t1\r\n> "
    board.advance(1.0)
    assert board.read() == b""
    board.advance(2.0)
    assert board.read() == (b"STA_CONNECTED\tBSSID=aa:bb:cc:dd:ee:ff SSID=home channel=6\r\n"
                            b"STA_GOT_IP\tIP=192.168.1.100 gateway=192.168.1.1 netmask=255.255.255.0\r\n")
    assert run(board, "=wifi.sta.status(), wifi.sta.getip()") == b"5\t192.168.1.100\t255.255.255.0\t192.168.1.1\r\n> "
    assert run(board, "wifi.sta.disconnect()") == b"> STA_DISCONNECTED\tBSSID=aa:bb:cc:dd:ee:ff SSID=home reason=8\r\n"
    assert run(board, "=wifi.sta.status(), wifi.sta.getip()") == b"0\tnil\r\n> "


def test_wifi_failures_from_the_profile_network_list():
    networks = (("home", "secret123", 11, "02:00:00:00:00:01"),)
    b = booted_board(profile=dataclasses.replace(BoardProfile(), wifi_networks=networks))
    try:
        run(b, "wifi.setmode(wifi.STATION) wifi.eventmon.register(wifi.eventmon.STA_DISCONNECTED, "
               "function(t) print('lost', t.SSID, t.BSSID, t.reason, wifi.sta.status()) end)")
        run(b, "wifi.sta.config{ssid='elsewhere', pwd='x'}")
        b.advance(2.5)
        assert b.read() == b"lost\telsewhere\t00:00:00:00:00:00\t201\t3\r\n"
        run(b, "wifi.sta.config{ssid='home', pwd='wrong'}")
        b.advance(2.5)
        assert b.read() == b"lost\thome\t02:00:00:00:00:01\t15\t2\r\n"
        run(b, "wifi.sta.config{ssid='home', pwd='secret123', got_ip_cb=function(t) print('ip', t.IP) end}")
        b.advance(3)
        assert b.read() == b"ip\t192.168.1.100\r\n"
        assert run(b, "=wifi.getchannel()") == b"11\r\n> "
    finally:
        b.close()


def test_wifi_config_saved_in_flash_and_auto_connect_at_boot(tmp_path):
    b = booted_board(tmp_path)
    try:
        run(b, "wifi.setmode(wifi.STATION) wifi.sta.config{ssid='home', pwd='secret123'}")
        b.reset()
        b.run_until_idle()
        b.read()
        assert run(b, "=wifi.getmode(), wifi.sta.status(), wifi.sta.getconfig()") == \
            b"1\t1\thome\tsecret123\t0\t00:00:00:00:00:00\r\n> "
        b.advance(3)
        assert run(b, "=wifi.sta.getip()") == b"192.168.1.100\t255.255.255.0\t192.168.1.1\r\n> "
        run(b, "wifi.sta.config{ssid='other', save=false, auto=false}")
        assert run(b, "=wifi.sta.getconfig(true).ssid, wifi.sta.getdefaultconfig(true).ssid") == b"other\thome\r\n> "
    finally:
        b.close()
    b = booted_board(tmp_path)                   # the saved record survives a power cycle
    try:
        assert run(b, "=wifi.sta.getdefaultconfig(true).pwd") == b"secret123\r\n> "
        run(b, "node.restore()")
        b.reset()
        b.run_until_idle()
        b.read()
        assert run(b, "=wifi.getmode(), wifi.sta.getconfig()") == b"2\tnil\r\n> "
    finally:
        b.close()


@pytest.mark.parametrize("line, reply", [
    ("wifi.setmode(7)", b"bad argument #1 to 'setmode' (Invalid mode)"),
    ("wifi.sta.config('x')", b"bad argument #1 to 'config' (config table not found!)"),
    ("wifi.sta.config{pwd='x'}", b"bad argument #1 to 'config' (ssid required)"),
    ("wifi.sta.config{ssid=string.rep('s', 33)}", b"bad argument #1 to 'config' (ssid: length:0-32)"),
    ("wifi.sta.config{ssid='a', auto=1}", b"bad argument #1 to 'config' (auto:not boolean)"),
    ("wifi.eventmon.register(12, print)", b"stdin:1: valid wifi events:0-9"),
    ("wifi.sta.sethostname('-x')", b"bad argument #1 to 'sethostname' (Invalid hostname)"),
])
def test_wifi_argument_errors(board, line, reply):
    assert reply in run(board, line)


# -- net -----------------------------------------------------------------------------------------

def test_ota_fetch_from_local_http_server_into_spiffs(http_server):
    port, payload = http_server
    b = connected_board()
    try:
        script = (
            "local head, f = true, file.open('app.lua', 'w')\n"
            "local c = net.createConnection(net.TCP)\n"
            "c:on('receive', function(s, d)\n"
            "  if head then local i = d:find('\\r\\n\\r\\n', 1, true)\n"
            "    if not i then return end head = false d = d:sub(i + 4) end\n"
            "  f:write(d)\n"
            "end)\n"
            "c:on('connection', function(s) print('connected', s:getpeer())\n"
            "  s:send('GET /app.lua HTTP/1.0\\r\\nHost: 192.168.1.1\\r\\n\\r\\n', function() print('sent') end) end)\n"
            "c:on('disconnection', function(s, err) f:close() print('done', err, file.stat('app.lua').size) end)\n"
            "c:connect(%d, '192.168.1.1')\n" % port)
        b.state.spiffs.write_file(b"ota.lua", script.encode())
        assert run(b, "dofile('ota.lua')") == b"> "
        out = pump(b, b"done")
        assert out == b"connected\t%d\t192.168.1.1\r\nsent\r\ndone\t0\t%d\r\n" % (port, len(payload))
        assert b.state.spiffs.read_file(b"app.lua") == payload
        assert run(b, "=file.getcontents('app.lua'):sub(1, 22)") == b"print('line 0 of the n\r\n> "
    finally:
        b.close()


def test_server_reached_from_the_host_through_the_port_map():
    b = connected_board()
    try:
        run(b, "function echo(c) print('accepted', c:getpeer() ~= nil, select(2, c:getpeer())) "
               "c:on('receive', function(s, d) s:send('echo:' .. d, function(s) s:close() end) end) "
               "c:on('disconnection', function() print('gone') end) end")
        run(b, "srv = net.createServer(net.TCP, 30) srv:listen(80, echo)")
        assert 80 in b.port_map
        host_port = b.port_map[80]
        assert run(b, "=srv:getaddr()") == b"80\t0.0.0.0\r\n> "
        with socket.create_connection(("127.0.0.1", host_port), timeout=WAIT) as client:
            assert pump(b, b"accepted") == b"accepted\ttrue\t192.168.1.2\r\n"
            client.sendall(b"ping")
            reply = b""
            while not reply.endswith(b"ping"):
                b.run_until_idle()
                client.settimeout(0.01)
                try:
                    chunk = client.recv(100)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                reply += chunk
            assert reply == b"echo:ping"
        assert b"gone" not in b.read()           # the node closed it itself: no callback
        run(b, "srv:close()")
        assert b.port_map == {}
        assert b"not connected" in run(b, "srv:close()")
    finally:
        b.close()


def test_refused_connection_and_socket_errors():
    b = connected_board()
    try:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
        probe.close()
        run(b, "c = net.createConnection() c:on('reconnection', function(s, e) print('recon', e) end) "
               "c:connect(%d, '127.0.0.1')" % free_port)
        assert pump(b, b"recon") == b"recon\t-9\r\n"
        assert b"stdin:1: invalid callback name" in run(b, "c:on('bogus', print)")
        assert b"stdin:1: not connected" in run(b, "c:send('x')")
        assert b"stdin:1: no data to send" in run(b, "c:send('')")
        assert b"stdin:1: specify port" in run(b, "c:connect(0)")
        assert run(b, "=c:getpeer()") == b"nil\tnil\r\n> "
    finally:
        b.close()


def test_send_buffer_limit_and_dns(http_server):
    port, _ = http_server
    b = connected_board()
    try:
        run(b, "c = net.createConnection() c:on('connection', function(s) print('up') end) "
               "c:connect(%d, 'localhost')" % port)
        assert pump(b, b"up") == b"up\r\n"
        assert b"stdin:1: out of memory" in run(b, "c:send(string.rep('x', 2000)) c:send(string.rep('y', 2000))")
        run(b, "c:close()")
        assert run(b, "net.dns.resolve('localhost', function(s, ip) print('dns', s, ip) end)") == \
            b"> dns\tnil\t127.0.0.1\r\n"
        assert run(b, "net.dns.resolve('10.0.0.7', function(s, ip) print('dns', s, ip) end)") == \
            b"dns\tnil\t10.0.0.7\r\n> "
        assert run(b, "net.dns.resolve('nowhere.invalid', function(s, ip) print('dns', ip) end)") == \
            b"> dns\tnil\r\n"
    finally:
        b.close()


def test_error_in_a_socket_callback_panics_and_resets(http_server):
    port, _ = http_server
    b = connected_board()
    try:
        run(b, "c = net.createConnection() c:on('connection', function(s) error('boom') end) "
               "c:connect(%d, '127.0.0.1')" % port)
        out = pump(b, b"NodeMCU 3.0.0")
        assert b"PANIC: unprotected error in call to Lua API (stdin:1: boom)\r\n" in out
        assert run(b, "=node.bootreason()") == b"4\t1\r\n> "
    finally:
        b.close()
