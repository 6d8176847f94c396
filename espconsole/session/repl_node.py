"""Stopgap node operations over plain REPL lines (info, files, upload, LFS reload, partitions, restart) until espconsole.node's client is wired in.

Each reply the node makes for us is a record `0x02 TAG DATA 0x03` written with `uart.write`,
so it cannot be confused with the echo of our own command line (which only ever contains
printable ASCII). A three-function helper table `_U` is installed on the node when missing
(after every reboot). Uploads use `uart.on("data", n, fn, 0)` in blocks of 200 bytes with one
ready record per block (stop and wait), so the node's 256-byte receive ring never overflows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from espconsole.errors import EspConsoleError

BLOCK = 200
PROMPT = b"\n> "
COMMAND_TIMEOUT = 5.0
BOOT_TIMEOUT = 30.0

HELPER = [
    '_U={}function _U.s(f,n)file.remove(f)_U.fd=file.open(f,"w")_U.n=n _U.a()end',
    'function _U.a()local k=_U.n<' + str(BLOCK) + ' and _U.n or ' + str(BLOCK) + ' if k==0 then '
    '_U.fd:close()uart.on("data")return uart.write(0,"\\2D\\3")end '
    'uart.on("data",k,_U.w,0)uart.write(0,"\\2R\\3")end',
    'function _U.w(d)_U.fd:write(d)_U.n=_U.n-#d _U.a()end',
    'function _U.i()local t,L=node.getpartitiontable(),node.LFS return node.heap().." "'
    '..node.flashsize().." "..t.lfs_addr.." "..t.lfs_size.." ".._U.j(t,L,L.list())end',
    'function _U.j(t,L,l)return t.spiffs_addr.." "..t.spiffs_size.." "..(L.time or 0).." "'
    '..(l and table.concat(l,",") or "")end',
    'function _U.l()local s=""for k,v in pairs(file.list())do s=s..k.."\\1"..v.."\\1" end '
    'local r,u,z=file.fsinfo()return s..u.."\\1"..z end',
    'function _U.d(f)local fd=file.open(f,"r")if not fd then return uart.write(0,"\\2Eno such file\\3")end '
    'uart.write(0,"\\2T"..fd:seek("end")..":")fd:seek("set",0)_U.e(fd)end',
    'function _U.e(fd)while true do local d=fd:read(240)if not d then break end '
    'uart.write(0,d)tmr.wdclr()end fd:close()uart.write(0,"\\3")end',
]


class NodeOperationError(EspConsoleError):
    """A node operation failed; the message says which and why."""


@dataclass
class NodeInfo:
    heap: int
    flash_size: int
    partitions: dict[str, int]
    lfs_time: int
    lfs_modules: list[str] = field(default_factory=list)


def lua_string(text: str) -> str:
    out = ['"']
    for byte in text.encode("utf-8"):
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte}")
    return "".join(out) + '"'


class ReplNode:
    """Blocking operations on one link; call from one worker thread at a time."""

    def __init__(self, link):
        self.link = link

    # -- plumbing -------------------------------------------------------------------------------

    def _line(self, text: str) -> None:
        if len(text) > 250:
            raise NodeOperationError(f"internal: command line too long ({len(text)} bytes)")
        self.link.write(text.encode("ascii") + b"\r\n")

    def _record(self, timeout: float = COMMAND_TIMEOUT) -> tuple[str, bytes]:
        data = self.link.read_until(b"\x03", timeout)
        start = data.rfind(b"\x02")
        if start < 0 or start + 1 >= len(data):
            raise NodeOperationError("the node's reply was garbled")
        return chr(data[start + 1]), data[start + 2:-1]

    def wait_prompt(self, timeout: float = COMMAND_TIMEOUT) -> bytes:
        return self.link.read_until(PROMPT, timeout)

    def _after_record(self, timeout: float = COMMAND_TIMEOUT) -> None:
        # uart.write ends without a line end, so the prompt follows the record directly
        self.link.read_until(b"> ", timeout)

    def call(self, expression: str, timeout: float = COMMAND_TIMEOUT) -> bytes:
        """tostring() of a Lua expression evaluated on the node (errors raise)."""
        self.link.discard_input()
        self._line(f'local o,r=pcall(function()return {expression} end)'
                   f'uart.write(0,"\\2"..(o and "K" or "E")..tostring(r).."\\3")')
        tag, data = self._record(timeout)
        self._after_record(timeout)
        if tag != "K":
            raise NodeOperationError(data.decode("utf-8", "replace"))
        return data

    def sync(self, timeout: float = BOOT_TIMEOUT) -> None:
        """Wait for a REPL that answers (the node may still be booting)."""
        self.link.discard_input()
        self._line("")
        self.link.read_until(b"> ", timeout)
        self.ensure_helper()

    def ensure_helper(self) -> None:
        self.link.discard_input()
        self._line('uart.write(0,_U and _U.i and "\\2Y\\3" or "\\2N\\3")')
        tag, _ = self._record()
        self._after_record()
        if tag == "Y":
            return
        for line in HELPER:
            self._line(line)
            self.wait_prompt()

    # -- operations -----------------------------------------------------------------------------

    def info(self) -> NodeInfo:
        self.ensure_helper()
        fields = self.call("_U.i()").decode("utf-8", "replace").split(" ")
        numbers = [int(float(x)) for x in fields[:7]]
        modules = [m for m in (fields[7] if len(fields) > 7 else "").split(",") if m]
        names = ("lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size")
        return NodeInfo(numbers[0], numbers[1], dict(zip(names, numbers[2:6])), numbers[6],
                        modules)

    def heap(self) -> int:
        return int(float(self.call("node.heap()")))

    def list_files(self) -> tuple[list[tuple[str, int]], int, int]:
        self.ensure_helper()
        parts = self.call("_U.l()").split(b"\x01")
        used, total = int(parts[-2]), int(parts[-1])
        pairs = parts[:-2]
        files = [(pairs[i].decode("utf-8", "replace"), int(pairs[i + 1]))
                 for i in range(0, len(pairs) - 1, 2)]
        return sorted(files), used, total

    def upload(self, name: str, data: bytes,
               progress: Callable[[int, int], None] | None = None) -> None:
        self.ensure_helper()
        self.link.discard_input()
        self._line(f"_U.s({lua_string(name)},{len(data)})")
        position = 0
        while True:
            tag, _ = self._record()
            if tag == "D":
                break
            if tag != "R":
                raise NodeOperationError(f"upload of {name} failed")
            self.link.write(data[position:position + BLOCK])
            position += BLOCK
            if progress:
                progress(min(position, len(data)), len(data))
        self.wait_prompt_or_idle()

    def wait_prompt_or_idle(self) -> None:
        """After a uart.on callback the node prints no prompt; send an empty line to get one."""
        self._line("")
        self.wait_prompt()

    def download(self, name: str) -> bytes:
        self.ensure_helper()
        self.link.discard_input()
        self._line(f"_U.d({lua_string(name)})")
        head = self.link.read_until(b"\x02", COMMAND_TIMEOUT)
        del head
        tag = self.link.read(COMMAND_TIMEOUT, 1)
        if tag != b"T":
            rest = self.link.read_until(b"\x03", COMMAND_TIMEOUT)
            raise NodeOperationError(f"cannot download {name}: "
                                     + rest[:-1].decode("utf-8", "replace"))
        size = int(self.link.read_until(b":", COMMAND_TIMEOUT)[:-1])
        data = bytearray()
        while len(data) < size + 1:
            chunk = self.link.read(COMMAND_TIMEOUT, size + 1 - len(data))
            if not chunk:
                raise NodeOperationError(f"download of {name} stalled")
            data += chunk
        self._after_record()
        return bytes(data[:size])

    def remove(self, name: str) -> None:
        self.call(f"file.remove({lua_string(name)}) or true")

    def rename(self, old: str, new: str) -> None:
        if self.call(f"file.rename({lua_string(old)},{lua_string(new)})") != b"true":
            raise NodeOperationError(f"cannot rename {old} to {new} (does {new} exist?)")

    def reload_lfs(self, image: str) -> bytes:
        """node.LFS.reload(image): returns the boot output once the node is back at its prompt."""
        self.link.discard_input()
        self._line(f'uart.write(0,"\\2E"..tostring(node.LFS.reload({lua_string(image)})).."\\3")')
        text = self.wait_prompt(BOOT_TIMEOUT)
        error = re.search(rb"\x02E(.*?)\x03", text, re.S)
        if error:
            raise NodeOperationError("LFS reload refused the image: "
                                     + error.group(1).decode("utf-8", "replace"))
        return text[text.find(b"\n") + 1:]          # without the echo of our command

    def set_partition_table(self, table: dict[str, int]) -> bytes:
        fields = ",".join(f"{k}={int(v)}" for k, v in sorted(table.items()))
        self.link.discard_input()
        self._line(f"node.setpartitiontable{{{fields}}}")
        text = self.wait_prompt(BOOT_TIMEOUT)
        if b"Lua error" in text or b"stdin:" in text:
            raise NodeOperationError("the node refused the partition table: "
                                     + text.decode("utf-8", "replace").strip().splitlines()[-2])
        return text

    def restart(self, hard_reset: bool) -> bytes:
        self.link.discard_input()
        if hard_reset:
            self.link.reset()
        else:
            self._line("node.restart()")
        return self.wait_prompt(BOOT_TIMEOUT)
