"""The `sjson` module: encode Lua tables to JSON and decode JSON to tables (the non-streaming API); counterpart of app/modules/sjson.c.
"""

from __future__ import annotations

import json
import math

from vm.nodemcu.modules.support import error, lua_function, module_table
from vm.runtime.calls import ccall
from vm.runtime.table import Table, denormalise_key
from vm.runtime.values import LightUserdata, is_function, number_to_bytes
from vm.stdlib.auxlib import check_string

JSON_NULL = LightUserdata("sjson.null")


def _escape(s: bytes) -> bytes:
    out = bytearray(b'"')
    for byte in s:
        if byte == 0x22:
            out += b'\\"'
        elif byte in (8, 9, 10, 12, 13):
            out += {8: b"\\b", 9: b"\\t", 10: b"\\n", 12: b"\\f", 13: b"\\r"}[byte]
        elif byte < 0x20:
            out += b"\\u%04x" % byte
        else:
            out.append(byte)
    return bytes(out + b'"')


def _number(x: float) -> bytes:
    if math.isnan(x) or math.isinf(x):
        return b"null"
    if x == int(x) and abs(x) < 1e15:
        return b"%d" % int(x)
    return b"%.19g" % x


def encode(value, depth: int, null) -> bytes:
    if depth <= 0:
        error(b"encoder stack overflow")
    if is_function(value):
        r = ccall(value)
        value = r[0] if r else None
    if value is None or value is JSON_NULL or (null is not None and value is null):
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, bytes):
        return _escape(value)
    if isinstance(value, Table):
        keys = [denormalise_key(k) for k in dict.keys(value)]
        if all(isinstance(k, float) and k >= 1 and k == int(k) for k in keys):
            size = int(max(keys)) if keys else 0
            items = [encode(value.rawget(float(i)), depth - 1, null) for i in range(1, size + 1)]
            return b"[" + b",".join(items) + b"]"
        parts = []
        for k in keys:
            name = k if isinstance(k, bytes) else number_to_bytes(k) if isinstance(k, float) else None
            if name is None:
                continue
            parts.append(_escape(name) + b":" + encode(value.rawget(k), depth - 1, null))
        return b"{" + b",".join(parts) + b"}"
    error(b"Cannot encode type %d" % 7)


def to_lua(value, null):
    if value is None:
        return null
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return value.encode("latin-1", "replace")
    t = Table()
    if isinstance(value, list):
        for i, item in enumerate(value, 1):
            v = to_lua(item, null)
            if v is not None:
                t.rawset(float(i), v)
        return t
    for k, item in value.items():
        v = to_lua(item, null)
        if v is not None:
            t.rawset(k.encode("latin-1", "replace"), v)
    return t


def open(board, lua) -> Table:  # noqa: A001
    @lua_function("encode")
    def sjson_encode(*args):
        opts = args[1] if len(args) > 1 and isinstance(args[1], Table) else None
        depth, null = 20, None
        if opts is not None:
            d = opts.rawget(b"depth")
            if isinstance(d, float):
                depth = max(4, min(1000, int(d)))
            null = opts.rawget(b"null")
        return (encode(args[0] if args else None, depth + 1, null),)

    @lua_function("decode")
    def sjson_decode(*args):
        text = check_string(args, 0)
        opts = args[1] if len(args) > 1 and isinstance(args[1], Table) else None
        null = JSON_NULL
        if opts is not None and b"null" in (denormalise_key(k) for k in dict.keys(opts)):
            null = opts.rawget(b"null")
        try:
            value = json.loads(text.decode("latin-1"))
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()):
                error(b"Incomplete JSON object passed to sjson.decode")
            error(b"JSON parse error: " + exc.msg.encode())
        return (to_lua(value, null),)

    return module_table({"encode": sjson_encode, "decode": sjson_decode})
