"""Short printable chunk names for runtime messages such as `input:3:`, cached (the rules are luaO_chunkid's, implemented once in vm.compiler.chunkid)."""

from __future__ import annotations

from vm.compiler.chunkid import chunk_id as _chunk_id

_cache: dict = {}


def chunk_id(source) -> bytes:
    """The name of chunk `source` as runtime errors and tracebacks print it (LUA_IDSIZE 60)."""
    if source is None:
        return b"?"
    if isinstance(source, str):
        source = source.encode("latin-1")
    r = _cache.get(source)
    if r is None:
        r = _chunk_id(source)
        if len(_cache) < 4096:
            _cache[source] = r
    return r
