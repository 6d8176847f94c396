"""The emulated radio's station side: saved configuration in flash, connect/disconnect as timed steps, the SDK's connection status and its event stream; counterpart of the SDK's station code behind wifi_station_* in user_interface.h (closed source, modelled on its documented behaviour).

Nothing here touches Lua.  `WifiStation.listener(event_id, fields)` learns of every SDK event
(the `wifi.eventmon` numbers and the fields of the table a callback receives).  Steps happen on
the board's scheduler, so a connect started by a chunk completes only after that chunk and its
timing follows the board clock:

* connect: after `profile.wifi_connect_delay` the AP is looked up in `profile.wifi_networks`
  (empty: every SSID is in range and takes any password).  Found with the right password:
  STA_CONNECTED, then after `wifi_dhcp_delay` STA_GOT_IP with the profile's address and status
  5.  Otherwise STA_DISCONNECTED with reason 201 (no AP) or 15 (handshake failed: wrong
  password) and status 3 or 2; with auto-connect the SDK keeps retrying at the same pace.
* disconnect while associated: STA_DISCONNECTED reason 8 (left), status 0.

The configuration the SDK keeps in its system parameter sectors (mode, SSID, password, BSSID,
auto-connect) lives at the start of the system parameter partition as a small record, so it
survives restarts and is lost by an erase, as on the chip.
"""

from __future__ import annotations

import json

from vm.nodemcu.partitions import TYPE_SYSTEM_PARAMETER

NULLMODE, STATION, SOFTAP, STATIONAP = 0, 1, 2, 3
STA_IDLE, STA_CONNECTING, STA_WRONGPWD, STA_APNOTFOUND, STA_FAIL, STA_GOTIP = range(6)
EV_STA_CONNECTED, EV_STA_DISCONNECTED, EV_STA_AUTHMODE_CHANGE, EV_STA_GOT_IP = 0, 1, 2, 3
EV_STA_DHCP_TIMEOUT, EV_AP_STACONNECTED, EV_AP_STADISCONNECTED = 4, 5, 6
EV_AP_PROBEREQRECVED, EV_WIFI_MODE_CHANGED, EVENT_MAX = 7, 8, 9
REASON_ASSOC_LEAVE, REASON_4WAY_HANDSHAKE_TIMEOUT, REASON_NO_AP_FOUND = 8, 15, 201
ZERO_MAC = "00:00:00:00:00:00"
DEFAULT_BSSID = "aa:bb:cc:dd:ee:ff"
DEFAULT_CHANNEL = 6
RECORD_MAGIC = b"EWIFI1\0\0"


def ip_to_int(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    try:
        values = [int(p) for p in parts]
    except ValueError:
        return None
    if any(not 0 <= v <= 255 for v in values):
        return None
    return (values[0] << 24) | (values[1] << 16) | (values[2] << 8) | values[3]


def int_to_ip(value: int) -> str:
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def default_config(profile) -> dict:
    return {"mode": profile.wifi_default_mode, "ssid": "", "pwd": "", "bssid_set": False,
            "bssid": ZERO_MAC, "auto": True}


class WifiStation:
    """Station state of one boot; `board` supplies profile, scheduler and flash."""

    def __init__(self, board):
        self.board = board
        self.profile = board.profile
        self.listener = None
        self.saved = self._load()
        self.config = dict(self.saved)
        self.status = STA_IDLE
        self.ip: tuple[str, str, str] | None = None
        self.static_ip: tuple[str, str, str] | None = None
        self.associated: tuple[str, str, int] | None = None     # (ssid, bssid, channel)
        self.hostname = "NODE-%06X" % (self.profile.chip_id & 0xFFFFFF)
        self._timer = None
        if self.config["mode"] & STATION and self.config["auto"] and self.config["ssid"]:
            self.connect()

    # -- persistence ---------------------------------------------------------------------------

    def _record_addr(self) -> int | None:
        addr, size = self.board.state.table.get_partition(TYPE_SYSTEM_PARAMETER)
        return addr if size else None

    def _load(self) -> dict:
        config = default_config(self.profile)
        addr = self._record_addr()
        if addr is None:
            return config
        flash = self.board.state.flash
        head = flash.read(addr, 12)
        if head[:8] != RECORD_MAGIC:
            return config
        length = int.from_bytes(head[8:12], "little")
        try:
            stored = json.loads(flash.read(addr + 12, min(length, 1024)).decode("utf-8"))
            config.update({k: stored[k] for k in config if k in stored})
        except (ValueError, UnicodeDecodeError):
            pass
        return config

    def save(self) -> None:
        addr = self._record_addr()
        if addr is None:
            return
        body = json.dumps(self.saved, sort_keys=True).encode("utf-8")
        flash = self.board.state.flash
        flash.erase_sector(addr)
        flash.write(addr, RECORD_MAGIC + len(body).to_bytes(4, "little") + body)
        flash.flush()

    def restore(self) -> None:
        """node.restore(): back to the SDK's defaults (in flash; the radio keeps running)."""
        self.saved = default_config(self.profile)
        addr = self._record_addr()
        if addr is not None:
            self.board.state.flash.erase_sector(addr)
            self.board.state.flash.flush()

    # -- identity ------------------------------------------------------------------------------

    def mac(self, ap: bool = False) -> str:
        chip = self.profile.chip_id & 0xFFFFFF
        first = 0x5E if ap else 0x5C
        return "%02x:cf:7f:%02x:%02x:%02x" % (first, chip >> 16, (chip >> 8) & 0xFF, chip & 0xFF)

    # -- mode ----------------------------------------------------------------------------------

    def set_mode(self, mode: int, save: bool) -> None:
        old = self.config["mode"]
        self.config["mode"] = mode
        if save:
            self.saved["mode"] = mode
            self.save()
        if old == mode:
            return
        self._event(EV_WIFI_MODE_CHANGED, {"old_mode": old, "new_mode": mode})
        if not mode & STATION:
            self.disconnect()
        elif not old & STATION and self.config["auto"] and self.config["ssid"]:
            self.connect()

    # -- configuration -------------------------------------------------------------------------

    def configure(self, ssid: str, pwd: str, bssid: str | None, auto: bool, save: bool) -> bool:
        self.disconnect()
        fields = {"ssid": ssid, "pwd": pwd, "bssid_set": bssid is not None,
                  "bssid": bssid.lower() if bssid else ZERO_MAC, "auto": auto}
        self.config.update(fields)
        if save:
            self.saved.update(fields)
            self.save()
        if auto:
            self.connect()
        return True

    def set_auto(self, auto: bool) -> None:
        self.config["auto"] = auto
        self.saved["auto"] = auto
        self.save()

    def clear(self) -> bool:
        self.disconnect()
        for store in (self.config, self.saved):
            store.update(ssid="", pwd="", bssid_set=False, bssid=ZERO_MAC)
        self.save()
        return True

    # -- connection ----------------------------------------------------------------------------

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancelled = True
            self._timer = None

    def _arm(self, delay: float, step) -> None:
        self._cancel()
        self._timer = self.board.scheduler.arm(delay, step)

    def connect(self) -> bool:
        if not self.config["mode"] & STATION or self.status in (STA_CONNECTING, STA_GOTIP):
            return False
        if not self.config["ssid"]:
            return False
        self.status = STA_CONNECTING
        self._arm(self.profile.wifi_connect_delay, self._associate)
        return True

    def find_network(self, ssid: str, bssid: str | None):
        """(password or None for any, channel, bssid) of a network in range, or None."""
        networks = self.profile.wifi_networks
        if not networks:
            return None, DEFAULT_CHANNEL, bssid or DEFAULT_BSSID
        for entry in networks:
            name, password = entry[0], entry[1]
            channel = entry[2] if len(entry) > 2 else DEFAULT_CHANNEL
            mac = (entry[3] if len(entry) > 3 else DEFAULT_BSSID).lower()
            if name == ssid and (bssid is None or bssid == mac):
                return password, channel, mac
        return False

    def _associate(self) -> None:
        self._timer = None
        ssid = self.config["ssid"]
        wanted = self.config["bssid"] if self.config["bssid_set"] else None
        found = self.find_network(ssid, wanted)
        if found is False:
            self._fail(STA_APNOTFOUND, REASON_NO_AP_FOUND, ZERO_MAC)
            return
        password, channel, bssid = found
        if password is not None and password != self.config["pwd"]:
            self._fail(STA_WRONGPWD, REASON_4WAY_HANDSHAKE_TIMEOUT, bssid)
            return
        self.associated = (ssid, bssid, channel)
        self._event(EV_STA_CONNECTED, {"SSID": ssid, "BSSID": bssid, "channel": channel})
        self._arm(self.profile.wifi_dhcp_delay, self._got_ip)

    def _fail(self, status: int, reason: int, bssid: str) -> None:
        self.status = status
        self._event(EV_STA_DISCONNECTED, {"SSID": self.config["ssid"], "BSSID": bssid,
                                          "reason": reason})
        if self.config["auto"]:
            self._timer = self.board.scheduler.arm(self.profile.wifi_connect_delay, self._retry)

    def _retry(self) -> None:
        self._timer = None
        if self.status in (STA_APNOTFOUND, STA_WRONGPWD, STA_FAIL):
            self._associate()

    def _got_ip(self) -> None:
        self._timer = None
        self.ip = self.static_ip or (self.profile.sta_ip, self.profile.sta_netmask,
                                     self.profile.sta_gateway)
        self.status = STA_GOTIP
        ip, mask, gw = self.ip
        self._event(EV_STA_GOT_IP, {"IP": ip, "netmask": mask, "gateway": gw})

    def disconnect(self) -> None:
        self._cancel()
        was = self.associated
        self.associated = None
        self.ip = None
        self.status = STA_IDLE
        if was is not None:
            self._event(EV_STA_DISCONNECTED, {"SSID": was[0], "BSSID": was[1],
                                              "reason": REASON_ASSOC_LEAVE})

    def shutdown(self) -> None:
        self._cancel()
        self.listener = None

    # -- addressing ----------------------------------------------------------------------------

    def in_subnet(self, address: int) -> bool:
        if self.ip is None:
            return False
        ip, mask = ip_to_int(self.ip[0]), ip_to_int(self.ip[1])
        return (address & mask) == (ip & mask)

    def _event(self, event: int, fields: dict) -> None:
        if self.listener is not None:
            self.listener(event, fields)
