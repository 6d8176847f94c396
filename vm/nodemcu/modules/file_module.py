"""The `file` module: module-level default-file API, file objects, list/remove/rename/exists/stat/fsinfo/fscfg/format, get/putcontents; counterpart of app/modules/file.c.

The "default file" is the most recently opened one (as the firmware's static descriptor): a
failed open clears it, `file.close()` closes it.  A file object that Lua no longer references
is closed when Python frees it, as the firmware's __gc does.
"""

from __future__ import annotations

import weakref

from vm.nodemcu.boot import FORMAT_DONE, FORMAT_FAILED
from vm.nodemcu.modules.support import arg_error, error, lua_function, lua_table, module_table, new_class
from vm.nodemcu.spiffs import READ_CHUNK, basename, valid_name_argument
from vm.runtime.calls import ccall
from vm.runtime.table import Table
from vm.runtime.values import Userdata, is_function
from vm.stdlib.auxlib import check_int, check_option, check_string, opt_string

INT32_MAX = 0x7FFFFFFF


class _Slot:
    """The firmware's static default descriptor plus the open-file registry of this boot."""

    def __init__(self):
        self.default = None          # SpiffsFile of the last successful open, None after a failure
        self.default_object = None   # its userdata, kept alive like the registry reference
        self.rtc = None


def open(board, lua) -> Table:  # noqa: A001
    spiffs = board.state.spiffs
    slot = _Slot()
    methods: dict = {}

    def mounted() -> bool:
        if not spiffs.mounted:
            board.mount_deferred()
        return spiffs.mounted

    def check_name(args, i: int, whole: bool = False) -> bytes:
        name = check_string(args, i)
        if not valid_name_argument(name, whole):
            arg_error(i + 1, b"filename invalid")
        return name

    def file_of(args):
        """(descriptor or None, index of the first real argument), as get_file_obj."""
        if args and type(args[0]) is Userdata:
            if args[0].meta is not meta:
                from vm.stdlib.auxlib import type_error  # noqa: PLC0415
                type_error(args, 0, b"file.obj")
            handle = args[0].payload
            return (None if handle is None or handle.closed else handle), 1
        return slot.default, 0

    def new_object(handle) -> Userdata:
        obj = Userdata(handle, meta)
        weakref.finalize(obj, handle.close)
        return obj

    @lua_function("open")
    def file_open(*args):
        slot.default_object = None
        name = check_name(args, 0)
        mode = opt_string(args, 1, b"r")
        handle = spiffs.open(name, mode) if mounted() else None
        slot.default = handle
        if handle is None:
            return (None,)
        obj = new_object(handle)
        slot.default_object = obj
        return (obj,)

    @lua_function("close")
    def file_close(*args):
        if args and type(args[0]) is Userdata:
            if args[0].meta is not meta:
                from vm.stdlib.auxlib import type_error  # noqa: PLC0415
                type_error(args, 0, b"file.obj")
            obj = args[0]
        else:
            obj = slot.default_object
            if obj is None:
                return ()
        if obj.payload is not None:
            obj.payload.close()
        slot.default_object = None
        return ()

    def g_read(handle, n: int, end: int | None):
        if handle is None:
            error(b"open a file first")
        return (handle.read(n, end),)

    @lua_function("read")
    def file_read(*args):
        handle, i = file_of(args)
        n, end = READ_CHUNK, None
        value = args[i] if i < len(args) else None
        if isinstance(value, float):
            n = check_int(args, i) & 0xFFFFFFFF
        elif isinstance(value, bytes):
            if len(value) != 1:
                error(b"wrong arg range")
            end = value[0]
        return g_read(handle, n, end)

    @lua_function("readline")
    def file_readline(*args):
        handle, _ = file_of(args)
        return g_read(handle, READ_CHUNK, 0x0A)

    @lua_function("write")
    def file_write(*args):
        handle, i = file_of(args)
        if handle is None:
            error(b"open a file first")
        data = check_string(args, i)
        return (True if handle.write(data) else None,)

    @lua_function("writeline")
    def file_writeline(*args):
        handle, i = file_of(args)
        if handle is None:
            error(b"open a file first")
        data = check_string(args, i)
        return (True if handle.write(data) and handle.write(b"\n") else None,)

    @lua_function("seek")
    def file_seek(*args):
        handle, i = file_of(args)
        if handle is None:
            error(b"open a file first")
        whence = check_option(args, i, b"cur", (b"set", b"cur", b"end"))
        offset = check_int(args, i + 1) if i + 1 < len(args) and args[i + 1] is not None else 0
        position = handle.seek(whence.decode(), offset)
        return (None if position is None else float(position),)

    @lua_function("flush")
    def file_flush(*args):
        handle, _ = file_of(args)
        if handle is None:
            error(b"open a file first")
        return (True if handle.flush() else None,)

    @lua_function("list")
    def file_list(*args):
        pattern = opt_string(args, 0, None)
        if not mounted():
            return ()
        listing = spiffs.list() or {}
        result = Table()
        match = None
        if pattern is not None:
            string = lua.globals[b"string"]
            match = string[b"match"] if type(string) is Table else None
        for name, size in listing.items():
            if match is not None:
                found = ccall(match, name, pattern)
                if not found or found[0] is None:
                    continue
            result.rawset(name, float(size))
        return (result,)

    @lua_function("remove")
    def file_remove(*args):
        name = check_name(args, 0)
        if mounted():
            spiffs.remove(name)
        return ()

    @lua_function("rename")
    def file_rename(*args):
        old = check_name(args, 0)
        new = check_string(args, 1)
        if not valid_name_argument(new):
            arg_error(2, b"filename invalid")
        return (mounted() and spiffs.rename(old, new),)

    @lua_function("exists")
    def file_exists(*args):
        name = check_name(args, 0)
        return (mounted() and spiffs.exists(name),)

    @lua_function("stat")
    def file_stat(*args):
        name = check_name(args, 0, whole=True)
        found = spiffs.stat(name) if mounted() else None
        if found is None:
            return (None,)
        stored, size = found
        return (lua_table({"size": size, "name": stored, "is_dir": False, "is_rdonly": False,
                           "is_hidden": False, "is_sys": False, "is_arch": False,
                           "time": {"year": 1970, "mon": 1, "day": 1, "hour": 0, "min": 0, "sec": 0}}),)

    @lua_function("fsinfo")
    def file_fsinfo(*args):
        if not mounted():
            error(b"file system failed")
        remaining, used, total = spiffs.fsinfo()
        return (float(remaining), float(used), float(total))

    @lua_function("fscfg")
    def file_fscfg(*args):
        config = spiffs.fscfg() if mounted() else None
        addr, size = config if config is not None else (0, 0)
        return (float(addr), float(size))

    @lua_function("format")
    def file_format(*args):
        file_close()
        addr, size = board.state.table.spiffs_partition()
        dots = spiffs.format(addr, size)
        if dots is None:
            board.uart.debug(FORMAT_FAILED)
            error(b"Failed to format file system")
        board.uart.debug(b"." * dots)
        board.uart.debug(FORMAT_DONE)
        return ()

    @lua_function("getcontents")
    def file_getcontents(*args):
        file_open(*args[:1])
        handle = slot.default
        if handle is None:
            return ()
        data = handle.read(INT32_MAX)
        file_close()
        return (data,)

    @lua_function("putcontents")
    def file_putcontents(*args):
        name = args[0] if args else None
        file_open(name, b"w+")
        handle = slot.default
        if handle is None:
            return (None,)
        data = check_string(args, 1)
        ok = handle.write(data)
        file_close()
        return (True if ok else None,)

    @lua_function("on")
    def file_on(*args):
        event = check_option(args, 0, None, (b"rtc",))
        fn = args[1] if len(args) > 1 else None
        if fn is not None and not is_function(fn):
            error(b"Callback should be function or nil")
        slot.rtc = fn
        _ = event
        return ()

    methods.update({"close": file_close, "read": file_read, "readline": file_readline,
                    "write": file_write, "writeline": file_writeline, "seek": file_seek,
                    "flush": file_flush})
    meta = new_class(methods, b"file.obj")
    _ = basename
    return module_table({
        "list": file_list, "open": file_open, "close": file_close, "write": file_write,
        "writeline": file_writeline, "read": file_read, "readline": file_readline,
        "format": file_format, "getcontents": file_getcontents, "putcontents": file_putcontents,
        "remove": file_remove, "seek": file_seek, "flush": file_flush, "rename": file_rename,
        "exists": file_exists, "fsinfo": file_fsinfo, "on": file_on, "stat": file_stat,
        "fscfg": file_fscfg,
    })
