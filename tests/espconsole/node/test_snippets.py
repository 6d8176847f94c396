"""The Lua the host sends: line limits, literal quoting, the helper's groups as the node runs them."""

from __future__ import annotations

from espconsole.node import snippets


def test_every_line_fits_the_repl_line_buffer():
    for group in snippets.HELPER_GROUPS:
        pieces = snippets.install_pieces(group)
        assert all(len(line) <= snippets.MAX_LINE for line in pieces)
        assert len(snippets.install_loader(group, len(pieces), "abcdef")) <= snippets.MAX_LINE
    for line in [snippets.INSTALL_PRELUDE, *snippets.INSTALL_CHECKER, snippets.sync_probe("abcdef"),
                 snippets.arm_receiver("x" * 31, 10**6, (65520, 65520), "abcdef", 3)]:
        assert len(line) <= snippets.MAX_LINE, line


def test_lua_string_is_printable_ascii():
    literal = snippets.lua_string(bytes(range(256)))
    assert all(0x20 <= ord(c) < 0x7F for c in literal)


def test_pieces_reassemble_the_group_source():
    for group in snippets.HELPER_GROUPS:
        source = snippets.group_source(group)
        assert source.endswith(f'_EC.G=_EC.G.."{group}"\n'.encode())
        assert all(0x20 <= b < 0x7F or b == 0x0A for b in source)
