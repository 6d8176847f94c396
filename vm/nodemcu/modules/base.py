"""NodeMCU's deltas to the Lua 5.1 base library: loadfile/dofile over SPIFFS with the firmware's messages, device-looking addresses in tostring, package.path; counterpart of app/lua/lbaselib.c and luaL_loadfile in app/lua/lauxlib.c.
"""

from __future__ import annotations

from types import FunctionType

from vm.errors import LuaError, LuaSyntaxError
from vm.runtime.calls import ccall
from vm.runtime.debuginfo import BUILTIN_NAMES, GEN_GLOBALS
from vm.runtime.operations import metatable
from vm.runtime.table import Table
from vm.runtime.values import LightUserdata, number_to_bytes, type_name
from vm.stdlib.auxlib import check_any, lua_function, opt_string, where
from vm.stdlib.base import collect_option

RAM_BASE, RAM_WORDS = 0x3FFE8000, 0x2FFF        # 96 KiB of data RAM, 8-byte granules
ROM_BASE, ROM_WORDS = 0x40230000, 0xBFFF        # firmware functions live in mapped flash


def device_address(value) -> bytes:
    """An address of the shape a real board prints (RAM 0x3ffe.../0x3fff..., flash 0x402...)."""
    key = id(value) >> 4
    if isinstance(value, FunctionType) and value.__globals__ is not GEN_GLOBALS \
            and value.__code__ in BUILTIN_NAMES:
        return b"0x%08x" % (ROM_BASE + (key % ROM_WORDS) * 4)
    return b"0x%08x" % (RAM_BASE + (key % RAM_WORDS) * 8)


def tostring_device(v) -> bytes:
    t = type(v)
    if t is bytes:
        return v
    if t is float or t is int:
        return number_to_bytes(float(v))
    if v is None:
        return b"nil"
    if v is True:
        return b"true"
    if v is False:
        return b"false"
    mt = metatable(v)
    if mt is not None:
        tm = dict.get(mt, b"__tostring")
        if tm is not None:
            r = ccall(tm, v)
            return r[0] if r else None
    name = b"lightfunction" if type(v) is LightUserdata else type_name(v)
    return b"%s: %s" % (name, device_address(v))


def load_file(board, name: bytes):
    """luaL_loadfile: (function, None) or (None, message); a missing file reads
    `cannot open <name>: ` (the firmware's strerror is empty)."""
    spiffs = board.state.spiffs
    data = spiffs.read_file(name) if spiffs.mounted else None
    if data is None:
        return None, b"cannot open " + name + b": "
    if data.startswith(b"#"):
        nl = data.find(b"\n")
        data = b"--" + data[nl:] if nl >= 0 else b""
    try:
        return board.lua.load(data, b"@" + name), None
    except LuaSyntaxError as error:
        return None, error.value
    except LuaError as error:
        return None, error.value


def install(board, lua) -> None:
    g = lua.globals

    @lua_function("tostring")
    def lua_tostring(*args):
        check_any(args, 0)
        return (tostring_device(args[0]),)

    @lua_function("loadfile")
    def lua_loadfile(*args):
        name = opt_string(args, 0, None)
        if name is None:
            return (None, b"cannot read stdin")
        fn, message = load_file(board, name)
        return (fn,) if fn is not None else (None, message)

    @lua_function("dofile")
    def lua_dofile(*args):
        name = opt_string(args, 0, None)
        if name is None:
            raise LuaError(b"cannot read stdin")
        fn, message = load_file(board, name)
        if fn is None:
            raise LuaError(message)
        return ccall(fn)

    @lua_function("collectgarbage")
    def lua_collectgarbage(*args):
        option = collect_option(args)
        if option == b"count":
            return (board.lua_heap_used() / 1024.0,)
        if option == b"step":
            return (True,)
        return (0.0,)

    @lua_function("print")
    def lua_print(*args):
        # Lua 5.1's print hands each string to a C-string writer: it stops at a NUL byte.
        tostring = g[b"tostring"]
        parts = []
        for value in args:
            if tostring is lua_tostring:
                text = tostring_device(value)
            else:
                result = ccall(tostring, value)
                text = result[0] if result else None
            if isinstance(text, float):
                text = number_to_bytes(text)
            if not isinstance(text, bytes):
                raise LuaError(where() + b"'tostring' must return a string to 'print'")
            cut = text.find(b"\0")
            parts.append(text if cut < 0 else text[:cut])
        board.stdout(b"\t".join(parts) + b"\n")
        return ()

    @lua_function("getstrings")
    def db_getstrings(*args):
        which = opt_string(args, 0, b"RAM")
        if which not in (b"RAM", b"ROM"):
            from vm.stdlib.auxlib import arg_error  # noqa: PLC0415
            arg_error(1, b"invalid option '%s'" % which)
        strings = board.lfs.rom_strings() if which == b"ROM" else board.ram_strings()
        if strings is None:
            return (None,)
        table = Table()
        table.set_array(list(strings))
        return (table,)

    debug = g.rawget(b"debug")
    if isinstance(debug, Table):
        debug.rawset(b"getstrings", db_getstrings)
    g.rawset(b"print", lua_print)
    g.rawset(b"collectgarbage", lua_collectgarbage)
    g.rawset(b"tostring", lua_tostring)
    g.rawset(b"loadfile", lua_loadfile)
    g.rawset(b"dofile", lua_dofile)
    package = g.rawget(b"package")
    if isinstance(package, Table):
        package.rawset(b"path", b"?.lc;?.lua")
