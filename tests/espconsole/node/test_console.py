"""Tests for the console stream (espconsole.node.console and NodeClient's console listener): what the user sees of the node's output while the client works."""

from __future__ import annotations

import threading
import time

from espconsole.node.console import ConsoleFilter

BOOT = (b"\x8c\x0c\x1c\x80r\xdf\x00\x03l\x9c\r\n\r\nNodeMCU 3.0.0.0 \r\n\tbranch: release\r\n"
        b" build 2024-02-25 09:10 powered by Lua 5.1.4 on SDK 3.0.1\r\ncannot open init.lua: \r\n> ")


class Recorder:
    def __init__(self, console: ConsoleFilter):
        self.parts: list[bytes] = []
        console.add_listener(self.parts.append)

    @property
    def text(self) -> bytes:
        return b"".join(self.parts)


def make():
    console = ConsoleFilter()
    return console, Recorder(console)


def test_bytes_outside_operations_pass_unchanged():
    console, seen = make()
    console.feed(b"print(1)\r\n1\r\n> ")
    assert seen.text == b"print(1)\r\n1\r\n> "


def test_an_operation_is_hidden_with_its_trailing_prompt():
    console, seen = make()
    console.feed(b"hi\r\n> ")                                    # offsets 0..5
    console.mark("start", lambda: 6)
    console.mark("write", lambda: 6, b"_EC.i(\"abc123\")\n")
    console.feed(b"_EC.i(\"abc123\")\r\n\x02Iabc123:3:x=1\x03")
    console.mark("end", lambda: 6 + 17 + 15)
    console.feed(b"> ")                                          # the op's prompt, after its end
    console.feed(b"print(2)\r\n2\r\n> ")
    assert seen.text == b"hi\r\n> print(2)\r\n2\r\n> "


def test_marks_cut_inside_a_chunk_that_arrives_late():
    console, seen = make()
    console.mark("start", lambda: 3)                 # the link had received 3 bytes by then
    console.mark("end", lambda: 9)
    console.feed(b"ab\nSECRET> tail")
    assert seen.text == b"ab\ntail"


def test_bytes_after_an_operation_that_are_not_its_prompt_pass():
    console, seen = make()
    console.mark("start", lambda: 0)
    record = b"\x02Dabc123:0:\x03"
    console.feed(record)
    console.mark("end", lambda: len(record))
    console.feed(b">")
    assert seen.text == b""                          # undecided: could be the prompt
    console.feed(b"x")
    assert seen.text == b">x"


def test_a_reboot_inside_an_operation_is_shown_from_its_start_until_the_next_write():
    console, seen = make()
    line = b'_EC.x("a1b2c3","node.LFS.reload(\\"lfs.img\\")")\n'
    console.mark("start", lambda: 0)
    console.mark("write", lambda: 0, line)
    sent = line.replace(b"\n", b"\r\n") + b"\x02Ba1b2c3:0:\x03" + BOOT[:12]
    console.feed(sent)
    assert seen.text == b""                          # no banner yet
    console.feed(BOOT[12:])
    assert seen.text == BOOT                         # echo and record left out, noise kept
    offset = len(sent) + len(BOOT) - 12
    console.mark("write", lambda: offset, b"sync probe\n")
    console.feed(b"sync probe\r\n\x02Sffffff:1:1\x03> ")
    console.mark("end", lambda: offset + 29)
    assert seen.text == BOOT


def test_a_hardware_reset_shows_the_whole_boot():
    console, seen = make()
    console.mark("start", lambda: 0)
    console.feed(BOOT)
    assert seen.text == BOOT


# -- through a NodeClient on the emulated board ------------------------------------------------

def wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Console:
    def __init__(self, client):
        self.lock = threading.Lock()
        self.data = bytearray()
        client.add_console_listener(self.add)

    def add(self, data: bytes) -> None:
        with self.lock:
            self.data += data

    @property
    def text(self) -> bytes:
        with self.lock:
            return bytes(self.data)


def test_client_operations_leave_the_console_clean(client):
    console = Console(client)
    client.exec("print('hidden')")
    client.info()
    client.upload(b"data " * 300, "x.txt")
    client.list_files()
    assert client.download("x.txt") == b"data " * 300
    client.console_write(b"print('shown'..1)\r\n")
    assert wait_for(lambda: console.text.endswith(b"shown1\r\n> "))
    assert console.text == b"print('shown'..1)\r\nshown1\r\n> "
    client.exec("print(2)")                       # resynchronises after the user's line
    time.sleep(0.2)
    assert console.text == b"print('shown'..1)\r\nshown1\r\n> "


def test_client_reset_shows_the_boot_but_not_the_resync(client):
    console = Console(client)
    client.reset()
    text = console.text
    assert b"NodeMCU 3" in text and text.endswith(b"> ")
    assert b"\x02" not in text[text.index(b"NodeMCU"):] and b"_EC" not in text
    assert client.exec("=1+1").output == b"2\n"


def test_partition_change_shows_the_reboot(client):
    console = Console(client)
    table = client.partitions()
    client.set_partitions(lfs_size=table.lfs_size or 0x20000)
    text = console.text
    assert b"NodeMCU 3" in text and b"_EC" not in text and b"setpartitiontable" not in text
