"""Read-only tables in flash (ROTables) and the ROM table behind `_G`, with the base-library functions that see through them; counterpart of app/lua/lrotable.c, the ROM table of app/lua/linit.c and the ROTable cases of app/lua/ltable.c and lbaselib.c.

A ROTable is modelled as an empty proxy Table whose private metatable has `__index` = the
content and a `__newindex` that raises `table is readonly`.  Since the proxy holds no keys,
every write — new field or existing one — reaches `__newindex`, as every store into a ROTable
fails on the firmware.  `next`/`pairs`, `rawget`, `rawset`, `getmetatable` and `setmetatable`
are replaced so that, as on the firmware, a ROTable iterates and raw-reads like a table, has no
metatable, raw writes fail and setting a metatable is silently ignored.

`install_rom(lua)` builds the firmware's `_G`: `_G` is its own metatable and `_G.__index` is
the ROTable ROM holding the base functions and every library and module table, so that at boot
`pairs(_G)` shows only the few entries the firmware keeps in RAM (`RAM_GLOBALS`).
"""

from __future__ import annotations

import weakref

from vm.errors import LuaError
from vm.nodemcu.modules.support import READONLY_META
from vm.runtime.table import Table
from vm.runtime.values import LightUserdata, type_name
from vm.stdlib.auxlib import check_any, check_table, lua_function, where

RAM_GLOBALS = (b"_G", b"_VERSION", b"__index", b"ipairs", b"pairs", b"newproxy", b"package",
               b"module", b"require")
SEALED_LIBRARIES = (b"table", b"math", b"coroutine", b"debug")
READONLY = b"table is readonly"

_contents: "weakref.WeakKeyDictionary[Table, Table]" = weakref.WeakKeyDictionary()
_globals: "weakref.WeakKeyDictionary[Table, Table]" = weakref.WeakKeyDictionary()  # _G -> ROM


def _refuse(*args):
    # not registered as a builtin: like luaG_runerror inside luaV_settable, the error names the
    # storing Lua code and the traceback shows no C frame
    raise LuaError(where(0) + READONLY)


def content_of(value) -> Table | None:
    """The content of a ROTable proxy, or None for anything else."""
    if type(value) is not Table or value.meta is None:
        return None
    return _contents.get(value)


def seal(table: Table, seen: dict | None = None) -> Table:
    """The ROTable for `table` (a module table built with `module_table`, or a library):
    nested module tables are sealed too."""
    seen = {} if seen is None else seen
    if id(table) in seen:
        return seen[id(table)]
    proxy = Table()
    seen[id(table)] = proxy
    for key, value in list(table.items()):
        if type(value) is Table and value.meta is READONLY_META:
            dict.__setitem__(table, key, seal(value, seen))
    table.meta = None
    meta = Table()
    meta.rawset(b"__index", table)
    meta.rawset(b"__newindex", _refuse)
    proxy.meta = meta
    _contents[proxy] = table
    return proxy


def install_rom(lua) -> Table:
    """Seal libraries and modules and put the globals into ROM; returns the ROM ROTable.

    What the firmware keeps in ROM stays physically in `_G` as well (global lookups are then
    plain hits, with no metamethod call on the hot path), but is hidden from `pairs`/`next`/
    `rawget` on `_G` while the value there is the ROM one; `_G`'s metatable (answered as `_G`
    itself by getmetatable) has `__index` = ROM's content, so a global set to nil falls back
    to ROM as on the firmware."""
    g = lua.globals
    package = g.rawget(b"package")
    loaded = package.rawget(b"loaded") if type(package) is Table else None
    sealed: dict = {}
    rom = Table()
    for key, value in list(g.items()):
        if key in RAM_GLOBALS:
            continue
        if type(value) is Table and (value.meta is READONLY_META or key in SEALED_LIBRARIES):
            value = seal(value, sealed)
            if type(loaded) is Table and loaded.rawget(key) is not None:
                loaded.rawset(key, value)
        rom.rawset(key, value)
    _install_base(g, rom)
    for key, value in rom.items():
        dict.__setitem__(g, key, value)
    rom_table = seal(rom, sealed)
    g.rawset(b"__index", rom_table)
    twin = Table()
    twin.rawset(b"__index", rom)
    g.meta = twin
    _globals[g] = rom
    return rom_table


def _hidden(t, key, value) -> bool:
    """Is `key` of a globals table a ROM entry shown only through __index?"""
    rom = _globals.get(t) if type(t) is Table else None
    return rom is not None and value is not None and dict.get(rom, key) is value


def _install_base(g: Table, rom: Table) -> None:
    plain_next = rom.rawget(b"next")
    plain_rawget, plain_rawset = rom.rawget(b"rawget"), rom.rawget(b"rawset")
    plain_getmeta, plain_setmeta = rom.rawget(b"getmetatable"), rom.rawget(b"setmetatable")
    plain_pairs = g.rawget(b"pairs")

    @lua_function("next")
    def lua_next(*args):
        t = args[0] if args else None
        content = content_of(t)
        if content is not None:
            return plain_next(content, *args[1:])
        if t not in _globals:
            return plain_next(*args)
        result = plain_next(*args)
        while len(result) > 1 and _hidden(t, result[0], result[1]):
            result = plain_next(t, result[0])
        return result

    @lua_function("pairs")
    def lua_pairs(*args):
        t = args[0] if args else None
        if content_of(t) is None and t not in _globals:
            return plain_pairs(*args)
        check_table(args, 0)
        return (lua_next, t, None)

    @lua_function("rawget")
    def lua_rawget(*args):
        content = content_of(args[0]) if args else None
        if content is not None:
            check_any(args, 1)
            return plain_rawget(content, *args[1:])
        result = plain_rawget(*args)
        if _hidden(args[0], args[1] if len(args) > 1 else None, result[0]):
            return (None,)
        return result

    @lua_function("rawset")
    def lua_rawset(*args):
        if args and content_of(args[0]) is not None:
            check_any(args, 1)
            check_any(args, 2)
            raise LuaError(READONLY)
        return plain_rawset(*args)

    @lua_function("getmetatable")
    def lua_getmetatable(*args):
        if args and content_of(args[0]) is not None:
            return (None,)
        if args and args[0] is g and g.meta is not None and dict.get(g.meta, b"__index") is _globals.get(g):
            return (g,)
        return plain_getmeta(*args)

    @lua_function("setmetatable")
    def lua_setmetatable(*args):
        if args and content_of(args[0]) is not None:
            check_table(args, 0)
            return (args[0],)
        return plain_setmeta(*args)

    @lua_function("type")
    def lua_type(*args):
        check_any(args, 0)
        if type(args[0]) is LightUserdata:
            return (b"lightfunction",)      # LUA_TLIGHTUSERDATA's name in this build's table
        return (type_name(args[0]),)

    for name, fn in ((b"next", lua_next), (b"rawget", lua_rawget), (b"rawset", lua_rawset),
                     (b"getmetatable", lua_getmetatable), (b"setmetatable", lua_setmetatable),
                     (b"type", lua_type)):
        rom.rawset(name, fn)
    g.rawset(b"pairs", lua_pairs)
