"""Boot output: banner text, missing init.lua, ROM noise, first boot with format (spec §0, §1.3)."""

from dataclasses import replace

from vm.nodemcu.boot import (
    FORMATTING, BoardProfile, banner, banner_text, boot_board, garble, rom_noise, rom_text,
    startup_missing_line,
)
from vm.nodemcu.flash import Flash
from vm.nodemcu.partitions import LAYOUTS, FirmwareLayout, PartitionTable
from vm.nodemcu.rcr import (
    RCR_STARTUP_OPTION, STARTUP_OPTION_DELAY_MOUNT, STARTUP_OPTION_NO_BANNER,
)
from vm.nodemcu.spiffs import Spiffs

SPEC_BANNER = (
    b"\r\nNodeMCU 3.0.0.0 \r\n"
    b"\tbranch: release\r\n"
    b"\tcommit: 36cbf9f017d356319a6369e299765eedff191154\r\n"
    b"\trelease: 3.0.0-release_20240225\r\n"
    b"\trelease DTS: 202402250804\r\n"
    b"\tSSL: false\r\n"
    b"\tbuild type: float\r\n"
    b"\tLFS: 0x20000 bytes total capacity\r\n"
    b"\tmodules: bit,encoder,file,gpio,net,node,sjson,tmr,uart,wifi\r\n"
    b" build 2024-02-25 09:10 powered by Lua 5.1.4 on SDK 3.0.1-dev(fce080e)\r\n"
)


def board(layout="cloud-lfs128", flash=None, spiffs=None):
    profile = BoardProfile(layout=LAYOUTS[layout])
    return profile, PartitionTable(flash or Flash(), profile.layout), spiffs or Spiffs()


def test_banner_bytes():
    assert banner(BoardProfile()) == SPEC_BANNER


def test_banner_follows_profile():
    profile = BoardProfile(layout=LAYOUTS["repo-default"],
                           user_prolog="built on nodemcu-build.com provided by frightanic.com",
                           modules=("wifi", "node", "file"), ssl=True, lua_release="Lua 5.3.6")
    text = banner_text(profile)
    assert text.startswith(b"\nNodeMCU 3.0.0.0 built on nodemcu-build.com provided by frightanic.com\n")
    assert b"\tLFS: 0x0 bytes total capacity\n" in text and b"\tSSL: true\n" in text
    assert b"\tmodules: file,node,wifi\n" in text and b"powered by Lua 5.3.6 on SDK" in text
    assert b"\tLFS: 131072 bytes" in banner_text(replace(BoardProfile(), lfs_store_text="131072"))


def test_missing_init_lua_line():
    assert startup_missing_line() == b"cannot open init.lua: \r\n"


def test_rom_text_and_noise():
    assert rom_text(2).startswith(b"\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n")
    assert b"wdt reset" in rom_text(4)
    noise = rom_noise(1)
    assert noise == rom_noise(1) and noise != rom_text(1)            # deterministic line noise
    assert b"\n>" not in noise and b"> " not in noise                # never looks like a prompt
    assert rom_noise(1, listener_baud=74880) == rom_text(1)         # a 74880 listener reads it


def test_garble_model():
    assert garble(b"abc", 115200, 115200) == b"abc"
    # Each 0xFF frame: the long start bit is still low when bit 0 is sampled.
    assert garble(b"\xff" * 10, 74880, 115200) == b"\xfe" * 10
    assert len(garble(b"U" * 20, 74880, 115200)) > 20                # faster receiver: more frames
    assert garble(b"hello", 115200, 9600) != b"hello"


def test_canonical_boot_tail_without_lfs(tmp_path):
    profile, table, spiffs = board("repo-default", spiffs=Spiffs(tmp_path))
    first = boot_board(profile, table, spiffs)
    assert first.resets == 1 and first.formatted and first.mounted
    again = boot_board(profile, table, spiffs, rst_cause=2, lfs_message="No LFS image loaded")
    assert not again.formatted and again.resets == 0
    expected_banner = SPEC_BANNER.replace(b"0x20000", b"0x0")
    assert again.wire.endswith(expected_banner)
    noise = again.wire[:-len(expected_banner)]
    assert noise == rom_noise(2, extra=b"system SPI FI size:4, Flash size: 4194304\n")
    tail = again.wire + startup_missing_line() + b"> "              # what the Lua side adds
    assert tail.endswith(b"SDK 3.0.1-dev(fce080e)\r\ncannot open init.lua: \r\n> ")


def test_first_boot_formats_with_dots_and_lfs_message():
    profile, table, spiffs = board()
    result = boot_board(profile, table, spiffs, lfs_message="No LFS image loaded")
    assert result.pre_init_text == ["system SPI FI size:4, Flash size: 4194304\n",
                                    "system SPI FI size:4, Flash size: 4194304\n",
                                    "Writing Init Data to 0x0000f000\n"]
    after_noise = b"No LFS image loaded\r\n" + FORMATTING.replace(b"\n", b"\r\n") + b"." * 53 + SPEC_BANNER
    assert result.wire.endswith(after_noise)
    assert spiffs.fsinfo() == (3244928, 0, 3244928)


def test_moved_spiffs_is_formatted_at_next_boot():
    profile, table, spiffs = board()
    boot_board(profile, table, spiffs)
    spiffs.write_file(b"init.lua", b"print(1)")
    table.set_partition_table({"spiffs_addr": 0x100000, "spiffs_size": 0x100000})
    result = boot_board(profile, table, spiffs, rst_cause=4)
    assert result.formatted and spiffs.list() == {} and spiffs.fscfg() == (0x100000, 0x100000)
    assert b"Please wait...\r\n" + b"." * 16 + b"\r\nNodeMCU" in result.wire


def test_startup_options():
    profile, table, spiffs = board()
    boot_board(profile, table, spiffs)
    table.rcr.write(RCR_STARTUP_OPTION, (STARTUP_OPTION_NO_BANNER | STARTUP_OPTION_DELAY_MOUNT).to_bytes(4, "little"))
    spiffs.unmount()
    result = boot_board(profile, table, spiffs, rst_cause=2)
    assert result.mount_deferred and not spiffs.mounted
    assert result.wire == rom_noise(2) and result.pre_init_text == []


def test_lfs_message_needs_an_lfs_partition():
    profile, table, spiffs = board("repo-default")
    boot_board(profile, table, spiffs)
    result = boot_board(profile, table, spiffs, lfs_message="No LFS image loaded")
    assert b"No LFS image loaded" not in result.wire


def test_bad_layout_hangs_before_115200():
    profile = BoardProfile(layout=FirmwareLayout("too-big", lfs_store=0x400000))
    table = PartitionTable(Flash(), profile.layout)
    result = boot_board(profile, table, Spiffs())
    assert result.hung and result.pre_init_text[-1] == "Partition 4 invalid alignment\n"
    assert b"NodeMCU" not in result.wire


def test_listener_at_wrong_rate_sees_garbage_banner():
    profile, table, spiffs = board()
    boot_board(profile, table, spiffs)
    result = boot_board(profile, table, spiffs, listener_baud=9600)
    assert b"NodeMCU" not in result.wire
    assert boot_board(profile, table, spiffs, listener_baud=74880).wire.startswith(rom_text(1))
