"""Acceptance: 100 uploads over a link that drops, duplicates and flips bytes (rate 1e-4 each, both directions) plus a node reset in the middle of an upload; no file on the node is ever corrupted, every failure is reported, the REPL works afterwards."""

from __future__ import annotations

import random

from espconsole.link import FaultInjector, LoopbackLink
from espconsole.node import NodeClient, NodeError, snippets

RATE = 1e-4
UPLOADS = 100
RESET_AT = 37                    # this upload gets the node reset half way through


def _content(rng: random.Random, i: int) -> bytes:
    size = rng.randrange(1, 2500)
    if i % 3 == 0:                # Lua source: line ends must never reach the REPL as lines
        return (b"print('upload %d') file.remove('victim.txt')\n" % i) * (size // 40 + 1)
    return bytes(rng.getrandbits(8) for _ in range(size))


def test_uploads_over_a_faulty_link_never_corrupt_files(board):
    to_node = FaultInjector(11, drop=RATE, duplicate=RATE, flip=RATE)
    to_host = FaultInjector(12, drop=RATE, duplicate=RATE, flip=RATE)
    link = LoopbackLink(board, to_device=to_node, to_host=to_host)
    link.open()
    client = NodeClient(link)
    board.state.spiffs.write_file(b"victim.txt", b"must survive")
    rng = random.Random(3)
    held: dict[str, bytes | None] = {}       # what each name must contain on the node
    outcomes = {"ok": 0, "failed": 0}
    try:
        client.open()
        for i in range(UPLOADS):
            name = f"file{i % 9}.{'lua' if i % 3 == 0 else 'bin'}"
            data = _content(rng, i)
            reset_done = []

            def progress(done, total, i=i, reset_done=reset_done):
                if i == RESET_AT and not reset_done and done > total // 2:
                    reset_done.append(True)
                    board.reset()
            try:
                client.upload(data, name, progress)
            except NodeError as exc:
                assert str(exc) and "\n" not in str(exc)      # reported, in one line
                outcomes["failed"] += 1
                held.setdefault(name, None)
                if i == RESET_AT:
                    assert "rebooted" in str(exc) or "stopped answering" in str(exc)
                continue
            assert i != RESET_AT, "an upload interrupted by a reset cannot succeed"
            outcomes["ok"] += 1
            held[name] = data
        to_node.enabled = to_host.enabled = False
        spiffs = board.state.spiffs
        for name, data in held.items():
            stored = spiffs.read_file(name.encode())
            if data is not None:
                assert stored == data, f"{name} corrupted"
        assert spiffs.read_file(b"victim.txt") == b"must survive"
        assert client.exec("print('REPL ok')").output == b"REPL ok\n"
        assert spiffs.read_file(snippets.TEMP_NAME.encode()) is None or outcomes["failed"]
        print(f"\nfault injection: {outcomes}, faults to node {len(to_node.events)}, to host {len(to_host.events)}")
        assert outcomes["ok"] >= UPLOADS - 5, outcomes
        assert to_node.events and to_host.events, "the link injected no faults"
    finally:
        client.close()
