"""Tests for the REPL pane's text (espconsole.session.repl_stream): boot noise becomes a marker, output nobody typed for leaves the prompt's line."""

from __future__ import annotations

from espconsole.session.repl_stream import NOISE_MARKER, ReplStream
from vm.nodemcu.boot import rom_noise

BANNER = b"\r\nNodeMCU 3.0.0.0 \r\n\tbranch: release\r\n build powered by Lua 5.1.4\r\n> "


def test_the_roms_boot_text_becomes_one_marker():
    stream = ReplStream()
    text, prompt = stream.feed(rom_noise(2) + BANNER)
    assert text == f"{NOISE_MARKER}\nNodeMCU 3.0.0.0 \n\tbranch: release\n build powered by Lua 5.1.4\n> "
    assert prompt == "> "


def test_noise_arriving_in_pieces_still_makes_one_marker():
    stream = ReplStream()
    noise = rom_noise(2)
    shown = "".join(stream.feed(noise[i:i + 7])[0] for i in range(0, len(noise), 7))
    shown += stream.feed(BANNER)[0]
    assert shown.count(NOISE_MARKER) == 1 and shown.startswith(NOISE_MARKER)
    assert "NodeMCU 3.0.0.0" in shown


def test_text_before_the_noise_is_kept_on_its_own_line():
    stream = ReplStream()
    stream.feed(b"> ")
    text, _ = stream.feed(b"LFS region updated.  Restarting." + rom_noise(2) + BANNER)
    assert text.startswith(f"\nLFS region updated.  Restarting.\n{NOISE_MARKER}\nNodeMCU")


def test_output_at_a_prompt_starts_its_own_line_unless_it_is_the_echo():
    stream = ReplStream()
    stream.feed(b"> ")
    stream.typed("print(1)")
    assert stream.feed(b"print(1)\r\n1\r\n> ") == ("print(1)\n1\n> ", "> ")
    assert stream.feed(b"tick\r\n") == ("\ntick\n", None)        # a timer's print
    assert stream.feed(b"> ") == ("> ", "> ")
    stream.typed("x = 1")
    assert stream.feed(b"x =") == ("x =", None)                  # the echo, in pieces
    assert stream.feed(b" 1\r\n> ") == (" 1\n> ", "> ")


def test_ordinary_output_with_a_stray_control_byte_is_not_noise():
    stream = ReplStream()
    assert stream.feed(b"value\x07 is 42\r\n") == ("value is 42\n", None)


def test_a_note_starts_on_a_fresh_line():
    stream = ReplStream()
    stream.feed(b"half a line")
    assert stream.note("connected") == "\n[connected]\n"
    assert stream.feed(b"> ") == ("> ", "> ")
