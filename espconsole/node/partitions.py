"""The node's flash partition table: read it (info probe) and set it (node.setpartitiontable, which reboots the node), verified after the reboot."""

from __future__ import annotations

import time

from espconsole.link import LinkState
from espconsole.node import snippets
from espconsole.node.errors import NodeError, NodeTimeout, RemoteError
from espconsole.node.info import PartitionTable, read_info

KEYS = ("lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size")
REBOOT_TIMEOUT = 20.0


def read_partitions(client) -> PartitionTable:
    table = read_info(client).partitions
    if table is None:
        raise NodeError("this firmware has no node.getpartitiontable()")
    return table


def write_partitions(client, values: dict[str, int], timeout: float = REBOOT_TIMEOUT) -> PartitionTable:
    """Store a new table (any of the four keys); the node reboots into it.  Returns the table
    the node reports afterwards; raises NodeError if the node refused the values."""
    unknown = set(values) - set(KEYS)
    if unknown:
        raise NodeError(f"unknown partition setting: {', '.join(sorted(unknown))} "
                        f"(use {', '.join(KEYS)})")
    with client.operation("writing the partition table"):
        run_until_reboot(client, snippets.set_partition_table(values), timeout)
        table = read_partitions(client)
    for key, value in values.items():
        if value and getattr(table, key) != value:
            raise NodeError(f"the node kept {key}={getattr(table, key):#x} instead of {value:#x}")
    return table


def run_until_reboot(client, code: str, timeout: float) -> None:
    """Run code that ends by rebooting the node; a Lua error or a returned string is a refusal.

    Short code runs without the helper (after the reboot the node has none, and installing it
    first only to lose it costs round trips); longer code goes through exec."""
    nonce = client.new_nonce()
    line = snippets.bare_run(nonce, code)
    bare = len(line) <= snippets.MAX_LINE
    if bare:
        client.ensure_synchronised()
    else:
        client.ensure_helper("bx")
        line = snippets.exec_code(nonce, code.encode())
    client.begin_reading()
    client.send_line(line)
    deadline = time.monotonic() + timeout
    while True:
        found = client.find_record(nonce)
        if found is not None and found[0] in "EKFP":
            tag, text, start, end = found
            output = client.received[:start]
            if tag == "P":
                reply = text.decode("utf-8", "replace")
                raise NodeError(reply if reply != "nil" else "the node did not reboot")
            if tag == "K":
                reply = bytes(output).split(b"\x03")[-1].replace(b"\r\n", b"\n").strip()
                raise NodeError(reply.decode("utf-8", "replace") or "the node did not reboot")
            raise RemoteError(text.decode("utf-8", "replace").split("\n")[0])
        if client.boot_in(client.received) or client.link.state is not LinkState.OPEN:
            break
        if time.monotonic() >= deadline:
            raise NodeTimeout(f"the node did not reboot within {timeout:g} s")
        client.fill(deadline - time.monotonic())
    client.mark_dirty()
    client.wait_for_boot(max(5.0, deadline - time.monotonic()))
