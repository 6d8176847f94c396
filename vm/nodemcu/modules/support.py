"""Helpers the module bindings share: Lua tables from Python data, userdata classes with method tables, read-only module tables; counterpart of the LROT_* macros of app/include/lrotable.h and luaL_checkudata.
"""

from __future__ import annotations

from vm.errors import LuaError
from vm.runtime.table import Table
from vm.runtime.values import Userdata
from vm.stdlib.auxlib import arg_error, error, lua_function, type_error

__all__ = ["lua_function", "arg_error", "error", "lua_table", "module_table", "new_class",
           "check_self", "LuaError", "to_lua", "type_error"]


def to_lua(value):
    if value is None or isinstance(value, (bool, float, bytes, Table)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, str):
        return value.encode("latin-1")
    if isinstance(value, dict):
        return lua_table(value)
    if isinstance(value, (list, tuple)):
        t = Table()
        t.set_array([to_lua(v) for v in value])
        return t
    return value


def lua_table(mapping: dict) -> Table:
    t = Table()
    for key, value in mapping.items():
        t.rawset(key.encode() if isinstance(key, str) else key, to_lua(value))
    return t


def _readonly(*args):
    error(b"table is readonly")


READONLY_META = Table()
READONLY_META.rawset(b"__newindex", lua_function("__newindex")(_readonly))


def module_table(functions: dict, constants: dict | None = None) -> Table:
    """A module table: functions (already lua_function-decorated) and constants; adding new
    fields raises `table is readonly` as on a ROTable."""
    t = lua_table(dict(functions, **(constants or {})))
    t.meta = READONLY_META
    return t


def new_class(methods: dict, name: bytes = b"") -> Table:
    """A userdata metatable whose __index is the method table."""
    meta = Table()
    meta.rawset(b"__index", lua_table(methods))
    if name:
        meta.rawset(b"__name", name)
    return meta


def check_self(args, meta: Table, type_name: bytes):
    """luaL_checkudata for argument 1: the userdata's payload."""
    value = args[0] if args else None
    if type(value) is not Userdata or value.meta is not meta:
        type_error(args, 0, type_name)
    return value.payload


def new_userdata(payload, meta: Table) -> Userdata:
    return Userdata(payload, meta)
