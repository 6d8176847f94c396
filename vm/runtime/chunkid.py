"""Short printable chunk names for messages such as `input:3:` (counterpart of luaO_chunkid in lobject.c).

The compiler package may provide the same function as vm.compiler.chunkid.chunk_id; this module
uses it when present and otherwise applies the same rules itself.
"""

from __future__ import annotations

ID_SIZE = 60  # LUA_IDSIZE


def _own_chunk_id(source: bytes) -> bytes:
    source = source.split(b"\0", 1)[0]
    if source.startswith(b"="):
        return source[1:ID_SIZE]
    if source.startswith(b"@"):
        name = source[1:]
        room = ID_SIZE - 8
        if len(name) > room:
            return b"..." + name[len(name) - room:]
        return name
    room = ID_SIZE - 17
    line_end = len(source)
    for stop in (b"\n", b"\r"):
        at = source.find(stop)
        if at != -1:
            line_end = min(line_end, at)
    length = min(line_end, room)
    if length < len(source):
        return b'[string "' + source[:length] + b'..."]'
    return b'[string "' + source + b'"]'


try:  # pragma: no cover - depends on the compiler engineer's progress
    from vm.compiler.chunkid import chunk_id as _compiler_chunk_id  # type: ignore
except Exception:  # noqa: BLE001
    _compiler_chunk_id = None

_cache: dict = {}


def chunk_id(source) -> bytes:
    if source is None:
        return b"?"
    if isinstance(source, str):
        source = source.encode("latin-1")
    r = _cache.get(source)
    if r is None:
        r = _compiler_chunk_id(source) if _compiler_chunk_id else _own_chunk_id(source)
        if len(_cache) < 4096:
            _cache[source] = r
    return r
