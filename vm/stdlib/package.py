"""require, module and the package table with Lua loaders searching package.path through the state's file system (counterpart of loadlib.c)."""

from __future__ import annotations

import os
import sys

from vm.errors import LuaError
from vm.runtime import debuginfo
from vm.runtime.calls import ccall, context
from vm.runtime.table import Table
from vm.runtime.values import is_function
from vm.stdlib.auxlib import arg, check_string, error, lua_function
from vm.stdlib.base import load_chunk, read_file, set_function_env

_SENTINEL = Table()   # marks a module being loaded (loop detection)


def _package(state) -> Table:
    return state.registry.rawget(b"_PACKAGE")


@lua_function("preload loader")
def loader_preload(*args):
    name = check_string(args, 0)
    pkg = _package(context().state)
    preload = pkg.rawget(b"preload")
    if type(preload) is not Table:
        error(b"'package.preload' must be a table")
    f = preload.rawget(name)
    if f is None:
        return (b"\n\tno field package.preload['%s']" % name,)
    return (f,)


def search_path(name: bytes, path: bytes):
    name = name.replace(b".", b"/")
    tried = []
    for template in path.split(b";"):
        if not template:
            continue
        filename = template.replace(b"?", name)
        data = read_file(filename)
        if data is not None:
            return filename, data, b""
        tried.append(b"\n\tno file '%s'" % filename)
    return None, None, b"".join(tried)


@lua_function("Lua loader")
def loader_lua(*args):
    name = check_string(args, 0)
    pkg = _package(context().state)
    path = pkg.rawget(b"path")
    if type(path) is not bytes:
        error(b"'package.path' must be a string")
    filename, data, tried = search_path(name, path)
    if filename is None:
        return (tried,)
    if data.startswith(b"#"):
        nl = data.find(b"\n")
        data = data[nl:] if nl >= 0 else b""
    f = load_chunk(data, b"@" + filename)
    if type(f) is bytes:
        error(b"error loading module '%s' from file '%s':\n\t%s" % (name, filename, f))
    return (f,)


@lua_function("require")
def lua_require(*args):
    name = check_string(args, 0)
    state = context().state
    loaded = state.registry.rawget(b"_LOADED")
    v = loaded.rawget(name)
    if v is not None and v is not False:
        if v is _SENTINEL:
            error(b"loop or previous error loading module '%s'" % name)
        return (v,)
    pkg = _package(state)
    loaders = pkg.rawget(b"loaders")
    if type(loaders) is not Table:
        error(b"'package.loaders' must be a table")
    msg = []
    i = 1.0
    while True:
        loader = loaders.rawget(i)
        if loader is None:
            error(b"module '%s' not found:%s" % (name, b"".join(msg)))
        r = ccall(loader, name)
        found = r[0] if r else None
        if is_function(found):
            break
        if type(found) is bytes:
            msg.append(found)
        i += 1.0
    loaded.rawset(name, _SENTINEL)
    r = ccall(found, name)
    if r and r[0] is not None:
        loaded.rawset(name, r[0])
    if loaded.rawget(name) is _SENTINEL:
        loaded.rawset(name, True)
    return (loaded.rawget(name),)


@lua_function("seeall")
def package_seeall(*args):
    m = arg(args, 0)
    if type(m) is not Table:
        from vm.stdlib.auxlib import type_error  # noqa: PLC0415
        type_error(args, 0, b"table")
    mt = m.meta
    if mt is None:
        mt = m.meta = Table()
    mt.rawset(b"__index", context().state.globals)
    return ()


@lua_function("module")
def lua_module(*args):
    name = check_string(args, 0)
    state = context().state
    loaded = state.registry.rawget(b"_LOADED")
    m = loaded.rawget(name)
    if type(m) is not Table:
        m = state.globals
        for part in name.split(b"."):
            nxt = m.rawget(part)
            if nxt is None:
                nxt = Table()
                m.rawset(part, nxt)
            elif type(nxt) is not Table:
                error(b"name conflict for module '%s'" % name)
            m = nxt
        loaded.rawset(name, m)
    if m.rawget(b"_NAME") is None:
        m.rawset(b"_M", m)
        m.rawset(b"_NAME", name)
        dot = name.rfind(b".")
        m.rawset(b"_PACKAGE", name[:dot + 1] if dot >= 0 else b"")
    levels = debuginfo.stack_levels(sys._getframe(1))
    if len(levels) > 1 and levels[1].is_lua:
        f = debuginfo.closure_of_level(levels[1])
        if f is None or not set_function_env(f, m):
            error(b"'module' not called from a Lua function")
    else:
        error(b"'module' not called from a Lua function")
    for opt in args[1:]:
        ccall(opt, m)
    return ()


@lua_function("loadlib")
def package_loadlib(*args):
    """C libraries cannot be loaded here (as in a lua5.1 built without dynamic library support)."""
    return (None, b"dynamic libraries not enabled; check your Lua installation", b"absent")


def open(state) -> None:  # noqa: A001
    # Built in lua5.1's order (luaopen_package): the table sized for loadlib/seeall, then fields.
    pkg = Table((0, 2))
    state.globals.rawset(b"package", pkg)
    pkg.rawset(b"loadlib", package_loadlib)
    pkg.rawset(b"seeall", package_seeall)
    loaders = Table((2, 0))
    loaders.set_array([loader_preload, loader_lua])
    pkg.rawset(b"loaders", loaders)
    path = os.environ.get("LUA_PATH_5_1") or os.environ.get("LUA_PATH")
    default = b"?.lc;?.lua"
    pkg.rawset(b"path", path.encode().replace(b";;", b";" + default + b";") if path else default)
    pkg.rawset(b"cpath", b"")
    pkg.rawset(b"config", b"/\n;\n?\n!\n-")
    pkg.rawset(b"loaded", state.registry.rawget(b"_LOADED"))
    pkg.rawset(b"preload", Table())
    state.registry.rawset(b"_PACKAGE", pkg)
    state.globals.rawset(b"module", lua_module)
    state.globals.rawset(b"require", lua_require)
    state.library_tables[b"package"] = pkg


_ = LuaError
