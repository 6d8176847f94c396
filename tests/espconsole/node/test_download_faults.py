"""Acceptance: 30 downloads over a link that drops, duplicates and flips bytes (rate 1e-4 each, both directions); every download returns exactly the file's bytes or fails with a one-line NodeError, never wrong bytes, and the REPL works afterwards."""

from __future__ import annotations

import random

from espconsole.link import FaultInjector, LoopbackLink
from espconsole.node import NodeClient, NodeError

RATE = 1e-4
DOWNLOADS = 30


def _content(rng: random.Random, i: int) -> bytes:
    size = rng.randrange(1000, 6000)
    if i % 3 == 0:
        return (b"print('download %d') -- \xfe\xff\r\n" % i) * (size // 30 + 1)
    return bytes(rng.getrandbits(8) for _ in range(size))


def test_downloads_over_a_faulty_link_return_exact_bytes_or_fail(board):
    files = {}
    rng = random.Random(5)
    for i in range(9):
        name = f"down{i}.bin"
        files[name] = _content(rng, i)
        board.state.spiffs.write_file(name.encode(), files[name])
    to_node = FaultInjector(21, drop=RATE, duplicate=RATE, flip=RATE)
    to_host = FaultInjector(22, drop=RATE, duplicate=RATE, flip=RATE)
    link = LoopbackLink(board, to_device=to_node, to_host=to_host)
    link.open()
    client = NodeClient(link)
    outcomes = {"ok": 0, "failed": 0}
    try:
        client.open()
        for i in range(DOWNLOADS):
            name = f"down{i % 9}.bin"
            try:
                data = client.download(name)
            except NodeError as exc:
                assert str(exc) and "\n" not in str(exc), repr(str(exc))
                outcomes["failed"] += 1
                continue
            assert data == files[name], f"download {i} of {name} returned wrong bytes"
            outcomes["ok"] += 1
        to_node.enabled = to_host.enabled = False
        assert client.exec("print('REPL ok')").output == b"REPL ok\n"
        print(f"\ndownload fault injection: {outcomes}, faults to node {len(to_node.events)}, "
              f"to host {len(to_host.events)}")
        assert outcomes["ok"] >= DOWNLOADS - 3, outcomes
        assert to_node.events and to_host.events, "the link injected no faults"
    finally:
        client.close()
