"""The flash partition table: build layouts, first-boot setup and node.get/setpartitiontable; counterpart of app/user/user_main.c and the partition part of app/modules/node.c.

The table lives where the firmware keeps it: as record RCR_PT in the reboot-config page
(rcr.py) inside the emulated flash, as a sequence of little-endian (type, addr, size) words.
A freshly "flashed" board holds the compiled-in default table whose last entry is an end
marker (type 0); the first boot replaces it with the computed table and resets (spec §1.3
step 2).  `set_partition_table` validates and stores a new table; like the firmware it does
not change the table in use: that happens at the next boot (`boot()`), spec §3.2.

Layouts (the build constants that shape the default table, spec §3.1):

    repo-default    LUA_FLASH_STORE 0        no LFS partition, SPIFFS 0x096000 + 0x367000
    cloud-lfs128    LUA_FLASH_STORE 0x20000  LFS 0x096000 + 0x20000, SPIFFS 0x0B6000 + 0x347000
    docs-lfs-example LFS 0x10000, SPIFFS fixed at 0x100000 + 0x100000 (docs/lfs.md)

The emulator's default is cloud-lfs128 (LFS is what the console is about).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from vm.nodemcu.flash import MAPPED_BASE, SECTOR_SIZE, Flash
from vm.nodemcu.rcr import RCR_PHY_DATA, RCR_PT, STARTUP_OPTION_NO_BANNER, RebootConfig, record_bytes

CUSTOMER_BEGIN = 100
TYPE_RF_CAL = 4
TYPE_PHY_DATA = 5
TYPE_SYSTEM_PARAMETER = 6
TYPE_EAGLEROM = CUSTOMER_BEGIN + 1
TYPE_IROM0TEXT = CUSTOMER_BEGIN + 2
TYPE_LFS0 = CUSTOMER_BEGIN + 3
TYPE_SPIFFS0 = CUSTOMER_BEGIN + 6

IROM0_ADDR = 0x10000
SYSTEM_PARAMETER_SIZE = 0x3000
PT_CHUNK = 0x2000
ONE_MIB = 0x100000
UNSET = 0xFFFFFFFF              # "maximum" SPIFFS size, and the "not given" marker of setpartitiontable
FIELDS = ("lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size")
ENTRY = struct.Struct("<III")
PHY_INIT_DATA = b"\x05" + b"\x00" * 127


class PartitionError(Exception):
    """A failed partition operation carrying the firmware's exact message.

    `argument` is the Lua argument number when the firmware raises it as an argument error
    (the binding then formats ``bad argument #1 to 'setpartitiontable' (<message>)``); None for
    a plain error such as ``Partition value out of range``.
    """

    def __init__(self, message: str, argument: int | None = None):
        super().__init__(message)
        self.message = message
        self.argument = argument


@dataclass(frozen=True)
class Partition:
    type: int
    addr: int
    size: int

    @property
    def end(self) -> int:
        return self.addr + self.size


@dataclass(frozen=True)
class FirmwareLayout:
    """Build-time constants that determine the compiled-in default table."""

    name: str
    lfs_store: int = 0x20000            # LUA_FLASH_STORE
    spiffs_max_size: int = UNSET        # SPIFFS_MAX_FILESYSTEM_SIZE (UNSET = "maximum")
    firmware_end: int = 0x096000        # flash offset where IROM0 (the firmware code) ends [U]

    @property
    def irom0_size(self) -> int:
        return self.firmware_end - IROM0_ADDR


LAYOUTS = {
    "repo-default": FirmwareLayout("repo-default", lfs_store=0),
    "cloud-lfs128": FirmwareLayout("cloud-lfs128", lfs_store=0x20000),
    "docs-lfs-example": FirmwareLayout("docs-lfs-example", lfs_store=0x10000, spiffs_max_size=0x100000),
}
DEFAULT_LAYOUT = LAYOUTS["cloud-lfs128"]


def pt_align(n: int) -> int:
    return (n + PT_CHUNK - 1) & ~(PT_CHUNK - 1) & UNSET


def encode_entries(entries: list[Partition]) -> bytes:
    return b"".join(ENTRY.pack(p.type, p.addr & UNSET, p.size & UNSET) for p in entries)


def decode_entries(payload: bytes) -> list[Partition]:
    usable = len(payload) - len(payload) % ENTRY.size
    return [Partition(*ENTRY.unpack_from(payload, i)) for i in range(0, usable, ENTRY.size)]


def default_entries(layout: FirmwareLayout) -> list[Partition]:
    """The table compiled into the firmware image, end marker included."""
    return [
        Partition(TYPE_EAGLEROM, 0x00000, 0x0B000),
        Partition(TYPE_RF_CAL, 0x0D000, 0x1000),
        Partition(TYPE_PHY_DATA, 0x0F000, 0x1000),
        Partition(TYPE_IROM0TEXT, IROM0_ADDR, 0),
        Partition(TYPE_LFS0, 0, layout.lfs_store),
        Partition(TYPE_SPIFFS0, 0, layout.spiffs_max_size),
        Partition(TYPE_SYSTEM_PARAMETER, 0, SYSTEM_PARAMETER_SIZE),
        Partition(0, MAPPED_BASE + layout.firmware_end, 0),
    ]


def lua_unsigned(value) -> int:
    """How the firmware turns a Lua number into a 32-bit unsigned value (truncate, wrap)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PartitionError("invalid partition setting", argument=1)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return 0x80000000       # what an out-of-range double-to-integer conversion yields [U]
        value = math.trunc(value)
    return value & UNSET


class FirstBootError(Exception):
    """First-boot setup found a bad partition: the firmware prints `message` (74880 baud) and hangs."""

    def __init__(self, index: int):
        self.index = index
        self.message = f"Partition {index} invalid alignment\n"
        super().__init__(self.message)


def first_time_setup(entries: list[Partition], flash_size: int, irom0_size: int) -> list[Partition]:
    """Compute the real table from the compiled-in one (end marker removed)."""
    result: list[Partition] = []
    last = 0
    for index, p in enumerate(entries):
        kind, addr, size = p.type, p.addr, p.size
        if kind == TYPE_IROM0TEXT and size == 0:
            size = pt_align(irom0_size)
        elif kind == TYPE_LFS0:
            size = pt_align(size)
            if addr == 0:
                addr = last
        elif kind == TYPE_SPIFFS0:
            if size == UNSET:
                if addr == 0:
                    addr = last
                size = (flash_size - SYSTEM_PARAMETER_SIZE - last) & UNSET
            elif size > 0:
                if addr < last:
                    addr = 0
                if addr == 0:
                    addr = ONE_MIB if size <= flash_size - SYSTEM_PARAMETER_SIZE - ONE_MIB else last
        elif kind == TYPE_SYSTEM_PARAMETER:
            addr, size = flash_size - SYSTEM_PARAMETER_SIZE, SYSTEM_PARAMETER_SIZE
        if size == 0:
            continue
        if addr % SECTOR_SIZE or size % SECTOR_SIZE or addr < last or addr + size > flash_size:
            raise FirstBootError(index)
        result.append(Partition(kind, addr, size))
        last = addr + size
    return result


def revise_table(current: list[Partition], settings: dict, flash_size: int) -> list[Partition]:
    """Apply node.setpartitiontable's rules to `current`; raise PartitionError on a bad result."""
    param = dict.fromkeys(FIELDS, UNSET)
    for key, value in settings.items():
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if not isinstance(key, str) or key not in param:
            raise PartitionError("invalid partition setting", argument=1)
        param[key] = lua_unsigned(value)
    pt = [[p.type, p.addr, p.size] for p in current]
    last = 0
    i = 0
    while i < len(pt):
        p = pt[i]
        following = pt[i + 1][0] if i + 1 < len(pt) else 0
        if p[0] == TYPE_IROM0TEXT and following != TYPE_LFS0:
            pt.insert(i + 1, [TYPE_LFS0, (p[1] + p[2]) & UNSET, 0])
        elif p[0] == TYPE_LFS0:
            if param["lfs_addr"] != UNSET:
                p[1] = param["lfs_addr"]
            if param["lfs_size"] != UNSET:
                p[2] = param["lfs_size"]
            if following != TYPE_SPIFFS0:
                pt.insert(i + 1, [TYPE_SPIFFS0, 0, 0])
        elif p[0] == TYPE_SPIFFS0:
            if param["spiffs_size"] != UNSET:
                p[2] = param["spiffs_size"]
                if param["spiffs_addr"] != UNSET:
                    p[1] = param["spiffs_addr"]
                else:
                    room = (flash_size - SYSTEM_PARAMETER_SIZE - ONE_MIB) & UNSET
                    p[1] = ONE_MIB if p[2] <= room else last
            elif param["spiffs_addr"] != UNSET:
                p[1] = param["spiffs_addr"]
        if p[2] == 0:
            del pt[i]                       # zero-size partitions are dropped
            continue
        if p[1] % SECTOR_SIZE or p[2] % SECTOR_SIZE or p[1] < last or (p[1] + p[2]) & UNSET > flash_size:
            raise PartitionError("Partition value out of range")
        last = (p[1] + p[2]) & UNSET
        i += 1
    return [Partition(*p) for p in pt]


def dump_lines(entries: list[Partition]) -> list[str]:
    """The lines setpartitiontable prints (path B) before it hangs, each ending in LF."""
    return [f"Partition {i}: {p.type:04x} {p.addr:06x} {p.size:06x}\n" for i, p in enumerate(entries)]


@dataclass
class PreInitResult:
    """What one boot's pre-init stage did (see PartitionTable.boot)."""

    messages: list[str] = field(default_factory=list)
    reset: bool = False
    hang: bool = False
    entries: list[Partition] = field(default_factory=list)


class PartitionTable:
    """The partition table of one board: stored in its flash, active from boot to boot."""

    def __init__(self, flash: Flash, layout: FirmwareLayout = DEFAULT_LAYOUT, flash_size: int | None = None):
        self.flash = flash
        self.layout = layout
        self.flash_size = flash.size if flash_size is None else flash_size
        self.rcr = RebootConfig(flash)
        self.active: list[Partition] = []

    # -- provisioning and boot -----------------------------------------------------------------

    def is_provisioned(self) -> bool:
        """Whether the flash holds a firmware image's record page (any table record)."""
        return self.rcr.read(RCR_PT) is not None

    def provision(self) -> None:
        """Write the compiled-in table into a fresh record page, as flashing the firmware does."""
        with self.flash.batch():
            self.flash.erase_sector(self.rcr.base)
            self.flash.write(self.rcr.base, record_bytes(RCR_PT, encode_entries(default_entries(self.layout))))

    def stored(self) -> list[Partition]:
        """The table as stored now (possibly newer than the active one, or still the default)."""
        payload = self.rcr.read(RCR_PT)
        return decode_entries(payload) if payload else []

    def needs_first_time_setup(self) -> bool:
        stored = self.stored()
        return bool(stored) and stored[-1].type == 0

    def run_first_time_setup(self) -> list[Partition]:
        """Replace the compiled-in table by the computed one; the caller then resets the chip.

        Raises FirstBootError (firmware: message at 74880 baud, then hangs) for a bad entry.
        """
        entries = first_time_setup(self.stored()[:-1], self.flash_size, self.layout.irom0_size)
        self.rcr.write(RCR_PT, encode_entries(entries))
        return entries

    def boot(self, size_code: int = 4) -> "PreInitResult":
        """Run the firmware's pre-init stage for one boot and register the table it finds.

        Returns the 74880-baud texts printed, whether the chip resets right away (first-time
        setup just stored the computed table) or hangs (bad table), and the active table.
        `size_code` is the flash-size code from the image header (4 = "4MB").
        """
        if not self.is_provisioned():
            self.provision()
        result = PreInitResult()
        if not self.rcr.startup_option() & STARTUP_OPTION_NO_BANNER:
            result.messages.append(f"system SPI FI size:{size_code}, Flash size: {self.flash_size}\n")
        if self.needs_first_time_setup():
            try:
                self.run_first_time_setup()
            except FirstBootError as error:
                result.messages.append(error.message)
                result.hang = True
                return result
            result.reset = True
            return result
        if self.rcr.read(RCR_PHY_DATA) is None:
            self._phy_data_setup(result)
        self.active = self.stored()
        result.entries = list(self.active)
        return result

    def _phy_data_setup(self, result: "PreInitResult") -> None:
        for p in self.stored():
            if p.type == TYPE_PHY_DATA:
                if self.flash.read(p.addr, 1) != b"\x05":
                    self.flash.erase_sector(p.addr)
                    result.messages.append(f"Writing Init Data to 0x{p.addr:08x}\n")
                    # Stand-in for the SDK's RF init data: only its 0x05 version byte is ever checked.
                    self.flash.write(p.addr, PHY_INIT_DATA)
                self.rcr.write(RCR_PHY_DATA, b"")
                return

    # -- queries -------------------------------------------------------------------------------

    def get_partition(self, kind: int) -> tuple[int, int]:
        """(addr, size) of the active partition of type `kind`; (0, 0) when absent."""
        for p in self.active:
            if p.type == kind:
                return p.addr, p.size
        return 0, 0

    def lfs_partition(self) -> tuple[int, int]:
        return self.get_partition(TYPE_LFS0)

    def spiffs_partition(self) -> tuple[int, int]:
        return self.get_partition(TYPE_SPIFFS0)

    def get_partition_table(self) -> dict[str, int]:
        """node.getpartitiontable(): the four integer fields of the active table."""
        lfs_addr, lfs_size = self.lfs_partition()
        spiffs_addr, spiffs_size = self.spiffs_partition()
        return {"lfs_addr": lfs_addr, "lfs_size": lfs_size, "spiffs_addr": spiffs_addr, "spiffs_size": spiffs_size}

    # -- node.setpartitiontable ----------------------------------------------------------------

    def set_partition_table(self, settings: dict) -> list[str]:
        """Validate and store a new table; return the dump lines the firmware prints.

        On success the caller prints the lines on path B and then behaves as the firmware:
        no prompt, the chip hangs until the watchdog resets it; the new table is only used
        from the next `boot()`.  Raises PartitionError with the firmware's message.
        """
        entries = revise_table(self.stored(), settings, self.flash_size)
        self.rcr.write(RCR_PT, encode_entries(entries))
        return dump_lines(entries)
