"""The `wifi` module: modes, the station API (config, connect, status, addresses), a soft-AP that only reports its address, and `wifi.eventmon`; counterpart of app/modules/wifi.c and app/modules/wifi_eventmon.c.

The radio itself is `vm.nodemcu.wifi_station.WifiStation`.  Events reach Lua as the firmware
delivers them: an event is queued only if a callback is registered for it when it happens, and
the queue is worked off one event per LOW-priority task, the callback (looked up then) getting
the event's table through the protected-call path (errors go to `node.onerror`).
"""

from __future__ import annotations

from collections import deque

from vm.nodemcu import wifi_station as ws
from vm.nodemcu.modules.support import arg_error, error, lua_function, lua_table, module_table
from vm.nodemcu.scheduler import LOW
from vm.runtime.table import Table
from vm.runtime.values import is_function
from vm.stdlib.auxlib import check_int, check_string, type_error

AP_IP = ("192.168.4.1", "255.255.255.0", "192.168.4.1")
REASONS = {
    "UNSPECIFIED": 1, "AUTH_EXPIRE": 2, "AUTH_LEAVE": 3, "ASSOC_EXPIRE": 4, "ASSOC_TOOMANY": 5,
    "NOT_AUTHED": 6, "NOT_ASSOCED": 7, "ASSOC_LEAVE": 8, "ASSOC_NOT_AUTHED": 9,
    "DISASSOC_PWRCAP_BAD": 10, "DISASSOC_SUPCHAN_BAD": 11, "IE_INVALID": 13, "MIC_FAILURE": 14,
    "4WAY_HANDSHAKE_TIMEOUT": 15, "GROUP_KEY_UPDATE_TIMEOUT": 16, "IE_IN_4WAY_DIFFERS": 17,
    "GROUP_CIPHER_INVALID": 18, "PAIRWISE_CIPHER_INVALID": 19, "AKMP_INVALID": 20,
    "UNSUPP_RSN_IE_VERSION": 21, "INVALID_RSN_IE_CAP": 22, "802_1X_AUTH_FAILED": 23,
    "CIPHER_SUITE_REJECTED": 24, "BEACON_TIMEOUT": 200, "NO_AP_FOUND": 201, "AUTH_FAIL": 202,
    "ASSOC_FAIL": 203, "HANDSHAKE_TIMEOUT": 204,
}
CONFIG_CALLBACKS = (("connect_cb", ws.EV_STA_CONNECTED), ("disconnect_cb", ws.EV_STA_DISCONNECTED),
                    ("authmode_change_cb", ws.EV_STA_AUTHMODE_CHANGE),
                    ("got_ip_cb", ws.EV_STA_GOT_IP), ("dhcp_timeout_cb", ws.EV_STA_DHCP_TIMEOUT))


def _field(table: Table, name: str):
    return table.rawget(name.encode())


def open(board, lua) -> Table:  # noqa: A001
    station = ws.WifiStation(board)
    board.modules["wifi"] = station
    callbacks: dict[int, object] = {}
    queue: deque = deque()
    phy = {"mode": 3, "sleep": 0}

    def on_event(event: int, fields: dict) -> None:
        if event not in callbacks:
            return
        queue.append((event, fields))
        if len(queue) == 1:
            board.scheduler.post(LOW, process)

    def process() -> None:
        if not queue:
            return
        event, fields = queue.popleft()
        if queue:
            board.scheduler.post(LOW, process)
        fn = callbacks.get(event)
        if fn is not None:
            board.call_callback(fn, lua_table(fields))

    station.listener = on_event

    def register(event: int, fn) -> None:
        if is_function(fn):
            callbacks[event] = fn
        else:
            callbacks.pop(event, None)

    # -- wifi ----------------------------------------------------------------------------------

    @lua_function("setmode")
    def setmode(*args):
        mode = check_int(args, 0)
        if mode not in (ws.NULLMODE, ws.STATION, ws.SOFTAP, ws.STATIONAP):
            arg_error(1, b"Invalid mode")
        save = True
        if len(args) > 1 and args[1] is not None:
            if not isinstance(args[1], bool):
                type_error(args, 1, b"boolean")
            save = args[1]
        station.set_mode(mode, save)
        return (float(station.config["mode"]),)

    @lua_function("getmode")
    def getmode(*args):
        return (float(station.config["mode"]),)

    @lua_function("getdefaultmode")
    def getdefaultmode(*args):
        return (float(station.saved["mode"]),)

    @lua_function("getchannel")
    def getchannel(*args):
        return (float(station.associated[2] if station.associated else 1),)

    @lua_function("setphymode")
    def setphymode(*args):
        mode = check_int(args, 0)
        if mode not in (1, 2, 3):
            error(b"wrong arg type")
        phy["mode"] = mode
        return (float(mode),)

    @lua_function("getphymode")
    def getphymode(*args):
        return (float(phy["mode"]),)

    @lua_function("setmaxtxpower")
    def setmaxtxpower(*args):
        power = check_int(args, 0)
        if not 0 < power < 83:
            arg_error(1, b"tx power out of range (0->82)")
        return (float(power),)

    @lua_function("sleeptype")
    def sleeptype(*args):
        if args and isinstance(args[0], float):
            kind = int(args[0])
            if kind not in (0, 1, 2):
                arg_error(1, b"range:0-2")
            phy["sleep"] = kind
        return (float(phy["sleep"]),)

    @lua_function("nullmodesleep")
    def nullmodesleep(*args):
        return (True,)

    # -- wifi.sta ------------------------------------------------------------------------------

    @lua_function("config")
    def sta_config(*args):
        cfg = args[0] if args else None
        if type(cfg) is not Table:
            arg_error(1, b"config table not found!")
        ssid = _field(cfg, "ssid")
        if ssid is None:
            arg_error(1, b"ssid required")
        if not isinstance(ssid, (bytes, float)):
            arg_error(1, b"ssid:not string")
        ssid = check_string((ssid,), 0)
        if len(ssid) > 32:
            arg_error(1, b"ssid: length:0-32")
        pwd = _field(cfg, "pwd")
        if pwd is not None:
            if not isinstance(pwd, (bytes, float)):
                arg_error(1, b"pwd:not string")
            pwd = check_string((pwd,), 0)
            if len(pwd) > 64:
                arg_error(1, b"pwd: length:0-64")
        bssid = _field(cfg, "bssid")
        if bssid is not None:
            if not isinstance(bssid, (bytes, float)):
                arg_error(1, b"bssid:not string")
            bssid = check_string((bssid,), 0)
            if len(bssid) != 17:
                arg_error(1, b"bssid: FF:FF:FF:FF:FF:FF")
        flags = {}
        for name in ("auto", "save"):
            value = _field(cfg, name)
            if value is not None and not isinstance(value, bool):
                arg_error(1, name.encode() + b":not boolean")
            flags[name] = True if value is None else value
        for name, event in CONFIG_CALLBACKS:
            fn = _field(cfg, name)
            if fn is None:
                continue
            if not is_function(fn):
                label = b"gotip_cb" if name == "got_ip_cb" else name.encode()
                arg_error(1, label + b":not function")
            register(event, fn)
        text = lambda b: b.decode("latin-1") if b is not None else None  # noqa: E731
        ok = station.configure(text(ssid), text(pwd) or "", text(bssid), flags["auto"], flags["save"])
        return (ok,)

    @lua_function("connect")
    def sta_connect(*args):
        if args and is_function(args[0]):
            register(ws.EV_STA_CONNECTED, args[0])
        station.connect()
        return ()

    @lua_function("disconnect")
    def sta_disconnect(*args):
        if args and is_function(args[0]):
            register(ws.EV_STA_DISCONNECTED, args[0])
        station.disconnect()
        return ()

    @lua_function("autoconnect")
    def sta_autoconnect(*args):
        value = check_int(args, 0)
        if value not in (0, 1):
            arg_error(1, b"0 or 1")
        station.set_auto(bool(value))
        return ()

    @lua_function("status")
    def sta_status(*args):
        return (float(station.status),)

    @lua_function("getip")
    def sta_getip(*args):
        if station.ip is None:
            return (None,)
        return tuple(s.encode() for s in station.ip)

    @lua_function("getbroadcast")
    def sta_getbroadcast(*args):
        if station.ip is None:
            return (None,)
        ip, mask = ws.ip_to_int(station.ip[0]), ws.ip_to_int(station.ip[1])
        return (ws.int_to_ip(ip | (~mask & 0xFFFFFFFF)).encode(),)

    @lua_function("setip")
    def sta_setip(*args):
        cfg = args[0] if args else None
        if type(cfg) is not Table:
            error(b"wrong arg type")
        values = []
        for name in ("ip", "netmask", "gateway"):
            value = _field(cfg, name)
            text = value.decode("latin-1") if isinstance(value, bytes) else None
            values.append(text if text and ws.ip_to_int(text) is not None else "0.0.0.0")
        station.static_ip = tuple(values)
        if station.ip is not None:
            station.ip = station.static_ip
        return (True,)

    def config_values(store: dict, as_table: bool):
        if not store["ssid"]:
            return (None,)
        if as_table:
            t = lua_table({"ssid": store["ssid"], "bssid_set": store["bssid_set"],
                           "bssid": store["bssid"]})
            if store["pwd"]:
                t.rawset(b"pwd", store["pwd"].encode("latin-1"))
            return (t,)
        return (store["ssid"].encode("latin-1"), store["pwd"].encode("latin-1"),
                float(store["bssid_set"]), store["bssid"].encode())

    @lua_function("getconfig")
    def sta_getconfig(*args):
        return config_values(station.config, bool(args) and args[0] is True)

    @lua_function("getdefaultconfig")
    def sta_getdefaultconfig(*args):
        return config_values(station.saved, bool(args) and args[0] is True)

    @lua_function("clearconfig")
    def sta_clearconfig(*args):
        return (station.clear(),)

    @lua_function("getmac")
    def sta_getmac(*args):
        return (station.mac().encode(),)

    @lua_function("setmac")
    def sta_setmac(*args):
        if len(check_string(args, 0)) != 17:
            arg_error(1, b"wrong arg type")
        return (True,)

    @lua_function("gethostname")
    def sta_gethostname(*args):
        return (station.hostname.encode(),)

    @lua_function("sethostname")
    def sta_sethostname(*args):
        name = check_string(args, 0)
        ok = 0 < len(name) <= 32 and name[:1].isalnum() and name[-1:].isalnum() and \
            all(c in b"-" or bytes([c]).isalnum() for c in name)
        if not ok:
            arg_error(1, b"Invalid hostname")
        station.hostname = name.decode("latin-1")
        return (True,)

    @lua_function("getrssi")
    def sta_getrssi(*args):
        return (-60.0,) if station.associated else (None,)

    @lua_function("getap")
    def sta_getap(*args):
        fn = next((a for a in args if is_function(a)), None)
        if fn is None:
            error(b"wrong arg type")
        if station.config["mode"] == ws.SOFTAP:
            error(b"Can't list ap in SOFTAP mode")
        found = Table()
        for entry in board.profile.wifi_networks:
            channel = entry[2] if len(entry) > 2 else ws.DEFAULT_CHANNEL
            auth = 0 if not entry[1] else 3
            found.rawset(entry[0].encode("latin-1"),
                         b"%d,-60,%s,%d" % (auth, (entry[3] if len(entry) > 3 else ws.DEFAULT_BSSID).encode(), channel))
        board.scheduler.post(LOW, lambda: board.call_callback(fn, found))
        return ()

    sta = module_table({
        "autoconnect": sta_autoconnect, "clearconfig": sta_clearconfig, "config": sta_config,
        "connect": sta_connect, "disconnect": sta_disconnect, "getap": sta_getap,
        "getbroadcast": sta_getbroadcast, "getconfig": sta_getconfig,
        "getdefaultconfig": sta_getdefaultconfig, "gethostname": sta_gethostname,
        "getip": sta_getip, "getmac": sta_getmac, "getrssi": sta_getrssi,
        "sethostname": sta_sethostname, "setip": sta_setip, "setmac": sta_setmac,
        "sleeptype": sleeptype, "status": sta_status})

    # -- wifi.ap (address only) ----------------------------------------------------------------

    @lua_function("getip")
    def ap_getip(*args):
        if not station.config["mode"] & ws.SOFTAP:
            return (None,)
        return tuple(s.encode() for s in AP_IP)

    @lua_function("getmac")
    def ap_getmac(*args):
        return (station.mac(ap=True).encode(),)

    @lua_function("config")
    def ap_config(*args):
        if not args or type(args[0]) is not Table:
            error(b"wrong arg type")
        return (True,)

    @lua_function("getclient")
    def ap_getclient(*args):
        if station.config["mode"] == ws.STATION:
            error(b"Can't list clients in STATION mode")
        return (Table(),)

    ap = module_table({"getip": ap_getip, "getmac": ap_getmac, "config": ap_config,
                       "getclient": ap_getclient})

    # -- wifi.eventmon -------------------------------------------------------------------------

    @lua_function("register")
    def ev_register(*args):
        event = check_int(args, 0) & 0xFF
        if event > ws.EVENT_MAX:
            error(b"valid wifi events:0-%d" % ws.EVENT_MAX)
        register(event, args[1] if len(args) > 1 else None)
        return ()

    eventmon = module_table({"register": ev_register, "unregister": ev_register}, {
        "STA_CONNECTED": ws.EV_STA_CONNECTED, "STA_DISCONNECTED": ws.EV_STA_DISCONNECTED,
        "STA_AUTHMODE_CHANGE": ws.EV_STA_AUTHMODE_CHANGE, "STA_GOT_IP": ws.EV_STA_GOT_IP,
        "STA_DHCP_TIMEOUT": ws.EV_STA_DHCP_TIMEOUT, "AP_STACONNECTED": ws.EV_AP_STACONNECTED,
        "AP_STADISCONNECTED": ws.EV_AP_STADISCONNECTED,
        "AP_PROBEREQRECVED": ws.EV_AP_PROBEREQRECVED,
        "WIFI_MODE_CHANGED": ws.EV_WIFI_MODE_CHANGED, "EVENT_MAX": ws.EVENT_MAX})
    eventmon.rawset(b"reason", module_table({}, REASONS))

    table = module_table({
        "setmode": setmode, "getmode": getmode, "getdefaultmode": getdefaultmode,
        "getchannel": getchannel, "setphymode": setphymode, "getphymode": getphymode,
        "setmaxtxpower": setmaxtxpower, "sleeptype": sleeptype, "nullmodesleep": nullmodesleep,
    }, {
        "NULLMODE": ws.NULLMODE, "STATION": ws.STATION, "SOFTAP": ws.SOFTAP,
        "STATIONAP": ws.STATIONAP, "PHYMODE_B": 1, "PHYMODE_G": 2, "PHYMODE_N": 3,
        "NONE_SLEEP": 0, "LIGHT_SLEEP": 1, "MODEM_SLEEP": 2, "OPEN": 0, "WPA_PSK": 2,
        "WPA2_PSK": 3, "WPA_WPA2_PSK": 4, "STA_IDLE": ws.STA_IDLE,
        "STA_CONNECTING": ws.STA_CONNECTING, "STA_WRONGPWD": ws.STA_WRONGPWD,
        "STA_APNOTFOUND": ws.STA_APNOTFOUND, "STA_FAIL": ws.STA_FAIL, "STA_GOTIP": ws.STA_GOTIP,
        "COUNTRY_AUTO": 0, "COUNTRY_MANUAL": 1,
    })
    table.rawset(b"sta", sta)
    table.rawset(b"ap", ap)
    table.rawset(b"eventmon", eventmon)
    return table
