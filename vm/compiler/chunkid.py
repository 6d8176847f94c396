"""Turn a chunk name into the short source label used in messages (counterpart of luaO_chunkid in lobject.c).

Three conventions, decided by the first byte of the name:

* ``=name``  -> ``name`` as it stands, cut to fit the buffer;
* ``@path``  -> the path, keeping its *end* (prefixed with ``...``) when it is too long;
* otherwise  -> the text itself: ``[string "first line"]``, cut at the first line break or
  when too long, with ``...`` marking the cut.

``size`` is the C buffer size including its terminating NUL: 60 (LUA_IDSIZE) for run-time
messages and debug information, 80 for the compiler's own error messages.
"""

from __future__ import annotations

LUA_IDSIZE = 60
LEXER_IDSIZE = 80


def chunk_id(source: bytes, size: int = LUA_IDSIZE) -> bytes:
    """The label Lua prints in place of chunk name `source` (a C buffer of `size` bytes)."""
    # The name is a C string in Lua: anything after a NUL never existed.
    nul = source.find(b"\0")
    if nul >= 0:
        source = source[:nul]
    if source[:1] == b"=":
        return source[1:size]
    if source[:1] == b"@":
        path = source[1:]
        room = size - 8          # the buffer minus len(" '...' ") and its NUL
        if len(path) > room:
            return b"..." + path[len(path) - room:]
        return path
    room = size - 17             # the buffer minus len(' [string "..."] ') and its NUL
    line_end = len(source)
    for stop in (b"\n", b"\r"):
        at = source.find(stop)
        if 0 <= at < line_end:
            line_end = at
    cut = min(line_end, room)
    if cut < len(source):
        return b'[string "' + source[:cut] + b'..."]'
    return b'[string "' + source + b'"]'
