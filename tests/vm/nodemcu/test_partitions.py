"""Partition table: layouts, first boot, node.getpartitiontable / setpartitiontable rules."""

import pytest

from vm.nodemcu.flash import Flash
from vm.nodemcu.partitions import (
    LAYOUTS, TYPE_IROM0TEXT, TYPE_LFS0, FirmwareLayout, FirstBootError, Partition,
    PartitionError, PartitionTable, default_entries, dump_lines, first_time_setup, lua_unsigned,
)
from vm.nodemcu.rcr import RCR_PHY_DATA, RCR_STARTUP_OPTION, STARTUP_OPTION_NO_BANNER

SIZE_LINE = "system SPI FI size:4, Flash size: 4194304\n"


def booted(layout_name="cloud-lfs128", flash=None):
    table = PartitionTable(flash or Flash(), LAYOUTS[layout_name])
    first = table.boot()
    assert first.reset and not first.entries
    second = table.boot()
    assert not second.reset
    return table, second


@pytest.mark.parametrize("layout, expected", [          # spec §3.1 example table
    ("repo-default", (0, 0, 0x096000, 0x367000)),
    ("cloud-lfs128", (0x096000, 0x020000, 0x0B6000, 0x347000)),
    ("docs-lfs-example", (0x096000, 0x010000, 0x100000, 0x100000)),
])
def test_layout_profiles_after_first_boot(layout, expected):
    table, _ = booted(layout)
    got = table.get_partition_table()
    assert (got["lfs_addr"], got["lfs_size"], got["spiffs_addr"], got["spiffs_size"]) == expected
    assert list(got) == ["lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size"]


def test_default_layout_is_cloud_lfs128():
    assert PartitionTable(Flash()).layout is LAYOUTS["cloud-lfs128"]


def test_first_boot_sequence_messages():
    table = PartitionTable(Flash())
    first = table.boot()
    assert first.messages == [SIZE_LINE] and first.reset
    second = table.boot()
    assert second.messages == [SIZE_LINE, "Writing Init Data to 0x0000f000\n"]
    assert table.rcr.read(RCR_PHY_DATA) == b""
    third = table.boot()
    assert third.messages == [SIZE_LINE]
    assert table.flash.read(0xF000, 1) == b"\x05"


def test_full_table_after_first_boot():
    table, result = booted()
    assert dump_lines(result.entries) == [
        "Partition 0: 0065 000000 00b000\n",
        "Partition 1: 0004 00d000 001000\n",
        "Partition 2: 0005 00f000 001000\n",
        "Partition 3: 0066 010000 086000\n",
        "Partition 4: 0067 096000 020000\n",
        "Partition 5: 006a 0b6000 347000\n",
        "Partition 6: 0006 3fd000 003000\n",
    ]


def test_no_banner_option_silences_size_line():
    table, _ = booted()
    table.rcr.write(RCR_STARTUP_OPTION, STARTUP_OPTION_NO_BANNER.to_bytes(4, "little"))
    assert table.boot().messages == []


def test_first_boot_rejects_misaligned_layout():
    layout = FirmwareLayout("odd", lfs_store=0x20000, firmware_end=0x096800)
    entries = default_entries(layout)[:-1]
    entries[4] = Partition(TYPE_LFS0, 0x97000, 0x20000)     # overlaps IROM0 (ends 0x98000)
    with pytest.raises(FirstBootError) as info:
        first_time_setup(entries, 0x400000, layout.irom0_size)
    assert info.value.message == "Partition 4 invalid alignment\n"
    table = PartitionTable(Flash(), FirmwareLayout("huge", lfs_store=0x400000))
    result = table.boot()
    assert result.hang and result.messages[-1] == "Partition 4 invalid alignment\n"


def test_state_survives_reopen(tmp_path):
    table, _ = booted(flash=Flash(tmp_path))
    reopened = PartitionTable(Flash(tmp_path))
    result = reopened.boot()
    assert result.messages == [SIZE_LINE] and not result.reset
    assert reopened.get_partition_table() == table.get_partition_table()


def test_set_takes_effect_at_next_boot_only():
    table, _ = booted()
    lines = table.set_partition_table({"lfs_size": 0x10000})
    assert "Partition 4: 0067 096000 010000\n" in lines
    assert table.get_partition_table()["lfs_size"] == 0x20000
    table.boot()
    assert table.get_partition_table()["lfs_size"] == 0x10000
    assert table.get_partition_table()["spiffs_addr"] == 0x0B6000


def test_out_of_range_messages():
    table, _ = booted()
    for settings in ({"lfs_size": 0x40000},                # runs into SPIFFS
                     {"lfs_size": 0x1800},                 # not 4 KiB aligned
                     {"lfs_addr": 0x95000},                # overlaps IROM0
                     {"spiffs_addr": 0x3F0000, "spiffs_size": 0x20000}):   # beyond flash
        with pytest.raises(PartitionError) as info:
            table.set_partition_table(settings)
        assert info.value.message == "Partition value out of range" and info.value.argument is None
    assert table.stored() == table.active                  # nothing stored on failure


@pytest.mark.parametrize("settings", [{"lfs": 1}, {1: 2}, {"lfs_size": "x"}, {"lfs_size": True}])
def test_invalid_setting(settings):
    table, _ = booted()
    with pytest.raises(PartitionError) as info:
        table.set_partition_table(settings)
    assert info.value.message == "invalid partition setting" and info.value.argument == 1


def test_spiffs_address_rule():
    table, _ = booted()
    table.set_partition_table({"spiffs_size": 0x100000})   # fits above 1 MiB: placed at 0x100000
    table.boot()
    assert table.spiffs_partition() == (0x100000, 0x100000)
    table.set_partition_table({"spiffs_size": 0x300000})   # too big for that: after the LFS
    table.boot()
    assert table.spiffs_partition() == (0x0B6000, 0x300000)
    with pytest.raises(PartitionError):
        table.set_partition_table({"spiffs_addr": 0x200000})   # would end past the flash
    table.set_partition_table({"spiffs_size": 0x80000, "spiffs_addr": 0x0B6000})
    table.boot()
    table.set_partition_table({"spiffs_addr": 0x200000})   # address alone keeps the size
    table.boot()
    assert table.spiffs_partition() == (0x200000, 0x80000)


def test_zero_size_deletes_and_missing_entries_are_inserted():
    table, _ = booted("cloud-lfs128")
    table.set_partition_table({"lfs_size": 0})
    table.boot()
    assert TYPE_LFS0 not in [p.type for p in table.active]
    assert table.get_partition_table()["lfs_addr"] == 0
    lines = table.set_partition_table({"lfs_size": 0x20000, "lfs_addr": 0x96000})
    assert lines[4] == "Partition 4: 0067 096000 020000\n"
    table.boot()
    types = [p.type for p in table.active]
    assert types.index(TYPE_LFS0) == types.index(TYPE_IROM0TEXT) + 1
    table.set_partition_table({"spiffs_size": 0})
    table.boot()
    assert table.spiffs_partition() == (0, 0)
    table.set_partition_table({"spiffs_size": 0x10000, "spiffs_addr": 0x0C0000})
    table.boot()
    assert table.spiffs_partition() == (0x0C0000, 0x10000)


def test_number_conversion_like_lua_tounsigned():
    assert lua_unsigned(0x20000) == 0x20000
    assert lua_unsigned(131072.9) == 131072
    assert lua_unsigned(-1) == 0xFFFFFFFF
    table, _ = booted()
    table.set_partition_table({"lfs_size": 4294967295})    # equals the "not given" marker
    table.boot()
    assert table.get_partition_table()["lfs_size"] == 0x20000
