"""The helper's copy in SPIFFS: written after the helper was lost to a second reboot, loaded with one line after later reboots, refused (and written again) when damaged or stale, never in the way when missing."""

from __future__ import annotations

import os

import pytest

from espconsole.node import snippets

COPY = snippets.HELPER_COPY.encode()


@pytest.fixture
def installs(monkeypatch):
    """The groups installed line by line, in order."""
    done: list[str] = []
    original = snippets.install_pieces

    def counting(group: str) -> list[str]:
        done.append(group)
        return original(group)
    monkeypatch.setattr(snippets, "install_pieces", counting)
    return done


def test_copy_is_written_once_and_then_replaces_the_install(client, board, installs):
    spiffs = board.state.spiffs
    assert client.exec("=1").output == b"1\n"
    assert spiffs.read_file(COPY) is None             # one install: no copy yet
    client.reset()
    assert client.exec("=2").output == b"2\n"
    assert spiffs.read_file(COPY) == snippets.helper_copy()
    for round_number in range(2):
        client.reset()
        installs.clear()
        assert client.exec("=3").output == b"3\n"
        assert installs == [] and client.helper_groups == snippets.ALL_GROUPS
    data = os.urandom(2000)
    client.upload(data, "after.bin")                  # the loaded helper does the rest
    assert client.download("after.bin") == data
    assert installs == []


@pytest.mark.parametrize("damage", ["flip", "missing", "stale"])
def test_a_bad_copy_falls_back_to_the_install(client, board, installs, damage, monkeypatch):
    spiffs = board.state.spiffs
    client.exec("=1")
    client.reset()
    client.exec("=1")                                 # the copy is written here
    good = spiffs.read_file(COPY)
    assert good is not None
    if damage == "flip":
        broken = bytearray(good)
        broken[len(broken) // 2] ^= 0x01
        spiffs.write_file(COPY, bytes(broken))
    elif damage == "missing":
        spiffs.remove(COPY)
    else:                 # intact, but another helper's source (its identity differs)
        with monkeypatch.context() as patch:
            patch.setattr(snippets, "copy_identity", lambda: "1:2")
            spiffs.write_file(COPY, snippets.helper_copy())
    client.reset()
    installs.clear()
    client.exec("print('x')")
    assert installs, "a bad copy must not stand in for the helper"
    assert client.exec("=_EC.cs").output != b"1:2\n"      # the stale helper was replaced
    assert spiffs.read_file(COPY) == good              # written again at once
    client.reset()
    installs.clear()
    assert client.exec("=4").output == b"4\n"
    assert installs == []
