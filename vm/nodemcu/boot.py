"""What a 115200-baud listener receives while the board boots, up to the start-up command; counterpart of app/user/user_main.c and the banner of app/lua53/lua.c (build info from tools/update_buildinfo.sh).

`BoardProfile` holds the emulator profile parameters of spec §0.  `boot_board` runs the
Lua-free part of a boot over the board's partition table and SPIFFS (spec §1.3 steps 1-6):

1. ROM loader text at 74880 baud, 2. the firmware's pre-init text (and, on the very first boot
   after flashing, the partition setup and an immediate reset), both also at 74880 — a 115200
   listener gets them as line noise, computed by `garble` (a UART receiver sampling the slower
   signal), 3. the switch to 115200, 4. the LFS status line supplied by the caller (the LFS
   loader knows it), 5. the file-system mount, formatting with progress dots when nothing
   mounts, 6. the banner.

The Lua side then runs the start-up command (`startup_missing_line` is what a missing
`init.lua` prints) and the first queued blank line prints the first prompt `> `.
The exact ROM loader text is not known [U]; ROM_LOAD_LINES is a plausible stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vm.nodemcu.partitions import DEFAULT_LAYOUT, FirmwareLayout, PartitionTable
from vm.nodemcu.rcr import STARTUP_OPTION_DELAY_MOUNT, STARTUP_OPTION_NO_BANNER
from vm.nodemcu.spiffs import Spiffs
from vm.nodemcu.uart import translate_newlines

ROM_BAUD = 74880
FORMATTING = b"Formatting file system. Please wait...\n"
FORMAT_DONE = b"format done.\n"
FORMAT_FAILED = (b"\n*** ERROR ***: unable to format. FS might be compromised.\n"
                 b"It is advised to re-flash the NodeMCU image.\n")
ROM_LOAD_LINES = (b"load 0x40100000, len 27728, room 16 \r\ntail 0\r\nchksum 0x2a\r\n"
                  b"load 0x3ffe8000, len 2124, room 8 \r\ntail 4\r\nchksum 0x07\r\n"
                  b"load 0x3ffe8850, len 9276, room 4 \r\ntail 8\r\nchksum 0xba\r\ncsum 0xba\r\n")
RST_POWER_ON, RST_RESET, RST_WATCHDOG = 1, 2, 4
DEFAULT_MODULES = ("bit", "encoder", "file", "gpio", "net", "node", "sjson", "tmr", "uart", "wifi")


@dataclass(frozen=True)
class BoardProfile:
    """One emulated board's firmware build and hardware identity (spec §0 defaults)."""

    lua_release: str = "Lua 5.1.4"
    number_type: str = "float"                    # banner "build type"
    sdk_version: str = "3.0.1-dev(fce080e)"
    version: tuple[int, int, int] = (3, 0, 0)
    user_prolog: str = ""
    branch: str = "release"
    commit: str = "36cbf9f017d356319a6369e299765eedff191154"
    release: str = "3.0.0-release_20240225"
    release_dts: str = "202402250804"
    build_date: str = "2024-02-25 09:10"
    ssl: bool = False
    layout: FirmwareLayout = DEFAULT_LAYOUT       # LUA_FLASH_STORE, SPIFFS size, firmware end
    lfs_store_text: str | None = None             # banner text of LUA_FLASH_STORE; None: 0x%x
    modules: tuple[str, ...] = DEFAULT_MODULES
    flash_size: int = 4194304
    flash_size_code: int = 4                      # image header size code ("4MB")
    flash_id: int = 0x1640EF
    chip_id: int = 0xA1B2C3
    flash_mode: int = 0
    flash_speed: int = 40000000
    free_heap: int = 44000
    dsleep_wake: bool = True                      # GPIO16 wired to RST: node.dsleep(us) wakes
    # the emulated network (wifi_station.py, net_module.py)
    wifi_default_mode: int = 2                    # SOFTAP after a full erase [U]
    wifi_networks: tuple = ()                     # (ssid, pwd|None, channel, bssid); (): any
    wifi_connect_delay: float = 2.0               # association takes about this long [U]
    wifi_dhcp_delay: float = 0.5
    sta_ip: str = "192.168.1.100"
    sta_netmask: str = "255.255.255.0"
    sta_gateway: str = "192.168.1.1"
    host_ip: str = "192.168.1.2"                  # how the node sees connections from the host
    dns_hosts: tuple = (("localhost", "127.0.0.1"),)

    @property
    def lfs_store(self) -> int:
        return self.layout.lfs_store

    @property
    def modules_text(self) -> str:
        return ",".join(sorted(self.modules)) if self.modules else "-"

    @property
    def version_text(self) -> str:
        major, minor, revision = self.version
        return f"NodeMCU {major}.{minor}.{revision}.0 {self.user_prolog}"


def banner_text(profile: BoardProfile) -> bytes:
    """The banner as the firmware prints it (before newline translation)."""
    lfs = profile.lfs_store_text if profile.lfs_store_text is not None else f"0x{profile.lfs_store:x}"
    text = (f"\n{profile.version_text}\n"
            f"\tbranch: {profile.branch}\n"
            f"\tcommit: {profile.commit}\n"
            f"\trelease: {profile.release}\n"
            f"\trelease DTS: {profile.release_dts}\n"
            f"\tSSL: {'true' if profile.ssl else 'false'}\n"
            f"\tbuild type: {profile.number_type}\n"
            f"\tLFS: {lfs} bytes total capacity\n"
            f"\tmodules: {profile.modules_text}\n"
            f" build {profile.build_date} powered by {profile.lua_release} on SDK {profile.sdk_version}\n")
    return text.encode("latin-1")


def banner(profile: BoardProfile) -> bytes:
    """The banner bytes on the wire."""
    return translate_newlines(banner_text(profile))


def startup_missing_message(name: bytes = b"init.lua") -> bytes:
    """The error a missing start-up file raises (colon and space: the firmware's empty strerror)."""
    return b"cannot open " + name + b": "


def startup_missing_line(name: bytes = b"init.lua") -> bytes:
    """What the wire shows for it (printed through `print`)."""
    return startup_missing_message(name) + b"\r\n"


def rom_text(rst_cause: int = RST_POWER_ON) -> bytes:
    """The mask ROM's boot text as sent at 74880 baud [U for the load lines]."""
    text = b"\r\n ets Jan  8 2013,rst cause:%d, boot mode:(3,6)\r\n\r\n" % rst_cause
    if rst_cause == RST_WATCHDOG:
        text += b"wdt reset\r\n"
    return text + ROM_LOAD_LINES


def garble(data: bytes, tx_baud: int = ROM_BAUD, rx_baud: int = 115200) -> bytes:
    """The bytes a receiver at `rx_baud` decodes from 8N1 `data` sent back-to-back at `tx_baud`.

    Model: the receiver starts a frame when it sees the line low while idle, samples each bit
    in its middle, and (as a host UART without parity checking does) delivers a byte even when
    its stop bit reads low.  Time is counted in units of 1/(tx_baud*rx_baud) s to stay exact.
    """
    if tx_baud == rx_baud:
        return bytes(data)
    bits = []
    for byte in data:
        bits.append(0)
        bits.extend((byte >> i) & 1 for i in range(8))
        bits.append(1)
    tx_bit, rx_bit = rx_baud, tx_baud             # bit durations in the common time unit
    end = len(bits) * tx_bit

    def level(t: int) -> int:
        k = t // tx_bit
        return bits[k] if k < len(bits) else 1

    out = bytearray()
    ready = 0
    while ready < end:
        if level(ready):
            k = -(-ready // tx_bit)
            while k < len(bits) and bits[k]:
                k += 1
            if k >= len(bits):
                break
            start = k * tx_bit
        else:
            start = ready
        if level(start + rx_bit // 2):            # glitch, not a start bit
            ready = start + rx_bit // 2
            continue
        value = 0
        for i in range(8):
            value |= level(start + (2 * i + 3) * rx_bit // 2) << i
        out.append(value)
        ready = start + 19 * rx_bit // 2          # middle of the stop bit
    return bytes(out)


def rom_noise(rst_cause: int = RST_POWER_ON, listener_baud: int = 115200, extra: bytes = b"") -> bytes:
    """ROM text plus any pre-init text, as a listener at `listener_baud` receives it."""
    return garble(rom_text(rst_cause) + extra, ROM_BAUD, listener_baud)


@dataclass
class BootOutput:
    """Result of the Lua-free part of a boot."""

    wire: bytes = b""                   # everything sent, as the listener receives it
    hung: bool = False                  # a bad partition table stopped the boot
    resets: int = 0                     # extra resets made by first-time partition setup
    mounted: bool = False               # SPIFFS is mounted (possibly after formatting)
    formatted: bool = False
    mount_deferred: bool = False        # start-up option "delay mount": mount on first file use
    pre_init_text: list[str] = field(default_factory=list)


def mount_or_format(spiffs: Spiffs, table: PartitionTable) -> tuple[bytes, bool, bool]:
    """The file module's start-up mount: (debug text, mounted, formatted)."""
    addr, size = table.spiffs_partition()
    if spiffs.mount(addr, size):
        return b"", True, False
    dots = spiffs.format(addr, size)
    if dots is None:
        return FORMATTING + FORMAT_FAILED, False, False
    return FORMATTING + b"." * dots, True, True


def boot_board(profile: BoardProfile, table: PartitionTable, spiffs: Spiffs | None,
               rst_cause: int = RST_POWER_ON, listener_baud: int = 115200,
               lfs_message=None) -> BootOutput:
    """Boot from reset to just before the start-up command; see the module docstring.

    `lfs_message` is the line the LFS check prints (e.g. "No LFS image loaded"), or None when
    there is no LFS partition or a valid image is mapped; or a callable returning it, called
    once the partition table of this boot is active.  Bytes sent at 115200 reach a listener
    at another rate garbled, as on a real port.
    """
    result = BootOutput()
    wire = bytearray()
    cause = rst_cause
    while True:
        pre = table.boot(profile.flash_size_code)
        result.pre_init_text += pre.messages
        wire += rom_noise(cause, listener_baud, "".join(pre.messages).encode("latin-1"))
        if pre.hang:
            result.hung = True
            result.wire = bytes(wire)
            return result
        if not pre.reset:
            break
        result.resets += 1
        cause = RST_RESET                         # the setup jumps back to the reset vector [U]
    at_115200 = bytearray()
    if callable(lfs_message):
        lfs_message = lfs_message()           # the check needs the table this boot activated
    if lfs_message is not None and table.lfs_partition()[1]:
        at_115200 += translate_newlines(lfs_message.encode("latin-1") + b"\n")
    options = table.rcr.startup_option()
    if spiffs is not None:
        if options & STARTUP_OPTION_DELAY_MOUNT:
            result.mount_deferred = True
        else:
            text, result.mounted, result.formatted = mount_or_format(spiffs, table)
            at_115200 += translate_newlines(text)
    if not options & STARTUP_OPTION_NO_BANNER:
        at_115200 += banner(profile)
    wire += garble(bytes(at_115200), 115200, listener_baud)
    result.wire = bytes(wire)
    return result
