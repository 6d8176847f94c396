"""The `node` module: identity, heap, restart, boot reason, start-up options, tasks, onerror, output/input redirection, compile, partition table and the LFS table; counterpart of app/modules/node.c.
"""

from __future__ import annotations

import random

from vm.nodemcu.modules.support import (
    LuaError, arg_error, error, lua_function, lua_table, module_table, to_lua, type_error,
)
from vm.nodemcu.partitions import PartitionError, lua_unsigned
from vm.nodemcu.rcr import (
    RCR_INITSTR, RCR_STARTUP_OPTION, STARTUP_OPTION_CPU_FREQ_MAX, STARTUP_OPTION_DELAY_MOUNT,
    STARTUP_OPTION_NO_BANNER,
)
from vm.nodemcu.scheduler import QueueFull
from vm.runtime.calls import ccall
from vm.runtime.table import Table
from vm.runtime.values import is_function
from vm.stdlib.auxlib import check_int, check_number, check_option, check_string, opt_int

CPU80MHZ, CPU160MHZ = 80, 160
EGC_NOT_ACTIVE, EGC_ON_ALLOC_FAILURE, EGC_ON_MEM_LIMIT, EGC_ALWAYS = 0, 1, 2, 4
DEPRECATED = b"Warning, deprecated API! %s. It will be removed %s. See documentation for details.\n"


def deprecation_note(board, what: bytes, when: bytes) -> None:
    board.stdout(DEPRECATED % (what, when))


def open(board, lua) -> Table:  # noqa: A001
    profile = board.profile
    rcr = board.state.table.rcr
    rng = random.Random()
    egc = {"mode": EGC_ALWAYS, "limit": 4096}
    cpu = {"freq": CPU160MHZ if rcr.startup_option() & STARTUP_OPTION_CPU_FREQ_MAX else CPU80MHZ}

    @lua_function("heap")
    def heap(*args):
        return (float(board.free_heap()),)

    @lua_function("chipid")
    def chipid(*args):
        return (float(profile.chip_id),)

    @lua_function("flashid")
    def flashid(*args):
        return (float(profile.flash_id),)

    @lua_function("flashsize")
    def flashsize(*args):
        return (float(profile.flash_size),)

    def hw_info():
        return {"chip_id": profile.chip_id, "flash_id": profile.flash_id,
                "flash_size": profile.flash_size // 1024, "flash_mode": profile.flash_mode,
                "flash_speed": profile.flash_speed}

    @lua_function("info")
    def info(*args):
        option = check_option(args, 0, b"legacy", (b"lfs", b"hw", b"sw_version", b"build_config", b"legacy"))
        major, minor, revision = profile.version
        if option == b"lfs":
            return (lua_table(board.lfs.config()),)
        if option == b"hw":
            return (lua_table(hw_info()),)
        if option == b"sw_version":
            return (lua_table({"node_version_major": major, "node_version_minor": minor,
                               "node_version_revision": revision, "git_branch": profile.branch,
                               "git_commit_id": profile.commit, "git_release": profile.release,
                               "git_commit_dts": profile.release_dts}),)
        if option == b"build_config":
            return (lua_table({"ssl": profile.ssl, "lfs_size": profile.lfs_store,
                               "modules": profile.modules_text, "number_type": profile.number_type}),)
        deprecation_note(board, b"node.info() without parameter", b"in the next version")
        hw = hw_info()
        return tuple(float(v) for v in (major, minor, revision, hw["chip_id"], hw["flash_id"],
                                        hw["flash_size"], hw["flash_mode"], hw["flash_speed"]))

    @lua_function("restart")
    def restart(*args):
        board.restart_later()
        return ()

    @lua_function("dsleep")
    def dsleep(*args):
        if len(args) > 1 and isinstance(args[1], float):
            if args[1] > 4:
                arg_error(2, b"wrong option value")
        if args and args[0] is not None:
            us = check_number(args, 0)
            if us < 0 or us >= 36000000000:
                arg_error(1, b"invalid time value")
            board.deep_sleep(us)
        return ()

    @lua_function("dsleepMax")
    def dsleep_max(*args):
        return (14394240000.0,)

    @lua_function("bootreason")
    def bootreason(*args):
        raw, extended = board.boot_reason
        return (float(raw), float(extended))

    @lua_function("compile")
    def compile_file(*args):
        name = check_string(args, 0)
        from vm.nodemcu.spiffs import valid_name_argument  # noqa: PLC0415
        if not valid_name_argument(name):
            arg_error(1, b"filename invalid")
        if not name.endswith(b".lua") or len(name) < 5:
            error(b"not a .lua file")
        fn, message = board.load_file(name)
        if fn is None:
            error(message)
        from vm.runtime.debuginfo import proto_info_of_code  # noqa: PLC0415
        import vm  # noqa: PLC0415
        info = proto_info_of_code(fn.__code__)
        data = vm.dump(info.proto, vm.NODEMCU, strip=board.strip_level == 3)
        spiffs = board.state.spiffs
        handle = spiffs.open(name[:-4] + b".lc", b"w+") if spiffs.mounted else None
        if handle is None:
            error(b"cannot open/write to file")
        ok = handle.write(data)
        handle.close()
        if not ok:
            error(b"writing to file failed")
        return ()

    @lua_function("stripdebug")
    def stripdebug(*args):
        if not args:
            return (float(board.strip_level),)
        level = check_int(args, 0)
        if not 0 < level < 4:
            arg_error(1, b"Invalid strip level")
        if len(args) > 1 and args[1] is not None and not is_function(args[1]) \
                and not isinstance(args[1], float):
            arg_error(2, b"not a valid function")
        if len(args) == 1:
            board.strip_level = level
        return ()

    @lua_function("setmode")
    def egc_setmode(*args):
        mode = check_int(args, 0)
        limit = opt_int(args, 1, 0)
        if mode < 0 or mode > (EGC_ON_ALLOC_FAILURE | EGC_ON_MEM_LIMIT | EGC_ALWAYS):
            arg_error(1, b"invalid mode")
        if mode & EGC_ON_MEM_LIMIT and limit == 0:
            arg_error(1, b"limit must be non-zero")
        egc["mode"], egc["limit"] = mode, limit
        return ()

    @lua_function("meminfo")
    def egc_meminfo(*args):
        used = board.lua_heap_used()
        return (float(used), float(used))

    @lua_function("post")
    def task_post(*args):
        priority = 1
        index = 0
        if args and isinstance(args[0], float):
            priority = int(args[0])
            index = 1
            if priority < 0 or priority > 2:
                arg_error(1, b"invalid  priority")
        fn = args[index] if index < len(args) else None
        if not is_function(fn):
            type_error(args, index, b"function")
        try:
            board.scheduler.post(priority, lambda: board.call_callback(fn, float(priority)), user=True)
        except QueueFull:
            error(b"Task queue overflow. Task not posted")
        return ()

    @lua_function("setonerror")
    def setonerror(*args):
        fn = args[0] if args else None
        board.onerror = fn if is_function(fn) else None
        return ()

    @lua_function("output")
    def output(*args):
        fn = args[0] if args else None
        serial_debug = not (len(args) > 1 and isinstance(args[1], float) and int(args[1]) == 0)
        if is_function(fn):
            board.redirect_output(fn, serial_debug)
        else:
            board.redirect_output(None, True)
        return ()

    @lua_function("input")
    def node_input(*args):
        data = check_string(args, 0)
        board.repl.write(data)
        return ()

    def startup_table():
        option = rcr.startup_option()
        t = {}
        command = rcr.read(RCR_INITSTR)
        if command is not None:
            t["command"] = command.rstrip(b"\0")
        t["banner"] = not option & STARTUP_OPTION_NO_BANNER
        t["delay_mount"] = bool(option & STARTUP_OPTION_DELAY_MOUNT)
        t["frequency"] = CPU160MHZ if option & STARTUP_OPTION_CPU_FREQ_MAX else CPU80MHZ
        return lua_table(t)

    @lua_function("startup")
    def startup(*args):
        if args:
            table = args[0]
            if type(table) is not Table:
                type_error(args, 0, b"table")
            option = rcr.startup_option()
            entries = 0
            for key, value in _pairs(table):
                if not isinstance(key, (bytes, float)):
                    continue
                entries += 1
                if key == b"command":
                    if not isinstance(value, (bytes, float)):
                        type_error((value,), 0, b"string")
                    if rcr.write(RCR_INITSTR, _lua_bytes(value) + b"\0") is None:
                        error(b"failed to set command")
                elif key == b"banner":
                    option = (option & ~STARTUP_OPTION_NO_BANNER) | (0 if _truthy(value) else STARTUP_OPTION_NO_BANNER)
                elif key == b"frequency":
                    freq = int(value) if isinstance(value, float) else 0
                    option = (option & ~STARTUP_OPTION_CPU_FREQ_MAX) | (STARTUP_OPTION_CPU_FREQ_MAX if freq == CPU160MHZ else 0)
                elif key == b"delay_mount":
                    option = (option & ~STARTUP_OPTION_DELAY_MOUNT) | (STARTUP_OPTION_DELAY_MOUNT if _truthy(value) else 0)
            if entries:
                rcr.write(RCR_STARTUP_OPTION, option.to_bytes(4, "little"))
            else:
                rcr.delete(RCR_STARTUP_OPTION)
                rcr.delete(RCR_INITSTR)
        return (startup_table(),)

    @lua_function("startupcommand")
    def startupcommand(*args):
        command = check_string(args, 0)
        return (rcr.write(RCR_INITSTR, command + b"\0") is not None,)

    @lua_function("setcpufreq")
    def setcpufreq(*args):
        freq = check_int(args, 0)
        cpu["freq"] = CPU160MHZ if freq == CPU160MHZ else CPU80MHZ
        return (float(cpu["freq"]),)

    @lua_function("getcpufreq")
    def getcpufreq(*args):
        return (float(cpu["freq"]),)

    @lua_function("random")
    def node_random(*args):
        if not args:
            return (rng.random(),)
        if len(args) == 1:
            low, high = 1, check_int(args, 0)
        elif len(args) == 2:
            low, high = check_int(args, 0), check_int(args, 1)
        else:
            error(b"wrong number of arguments")
        if low > high:
            arg_error(2, b"interval is empty")
        return (float(rng.randint(low, high)),)

    @lua_function("restore")
    def restore(*args):
        board.wifi_restore()
        return ()

    @lua_function("sleep")
    def node_sleep(*args):
        board.uart.debug(b'\n The option "TIMER_SUSPEND_ENABLE" in "app/include/user_config.h" '
                         b'was disabled during FW build!\n')
        error(b"node.sleep() is unavailable")

    @lua_function("get")
    def lfs_get(*args):
        return (board.lfs.get(args[0] if args else None),)

    @lua_function("flashindex")
    def flashindex(*args):
        return (board.lfs.get(args[0] if args else None),)

    @lua_function("list")
    def lfs_list(*args):
        names = board.lfs.list()
        if names is not None:
            sort = lua.globals[b"table"]
            sorter = sort[b"sort"] if type(sort) is Table else None
            if sorter is not None:
                ccall(sorter, names)
        return (names,)

    @lua_function("reload")
    def lfs_reload(*args):
        name = check_string(args, 0)
        return (board.lfs.reload(name).encode(),)

    @lua_function("flashreload")
    def flashreload(*args):
        deprecation_note(board, b"node.flashreload", b"soon. Use node.LFS interface instead")
        name = check_string(args, 0)
        return (board.lfs.reload(name).encode(),)

    @lua_function("__index")
    def lfs_index(*args):
        key = args[1] if len(args) > 1 else None
        if key == b"time":
            return (board.lfs.time(),)
        if key == b"config":
            return (lua_table(board.lfs.config()),)
        return (board.lfs.get(key),)

    @lua_function("getpartitiontable")
    def getpartitiontable(*args):
        return (lua_table(board.state.table.get_partition_table()),)

    @lua_function("setpartitiontable")
    def setpartitiontable(*args):
        table = args[0] if args else None
        if type(table) is not Table:
            arg_error(1, b"must be table")
        settings = {}
        for key, value in _pairs(table):
            name = key.decode("latin-1") if isinstance(key, bytes) else None
            if name not in ("lfs_addr", "lfs_size", "spiffs_addr", "spiffs_size") \
                    or not isinstance(value, (float, bytes)):
                arg_error(1, b"invalid partition setting")
            if isinstance(value, bytes):
                from vm.runtime.values import str_to_number  # noqa: PLC0415
                value = str_to_number(value)
                if value is None:
                    arg_error(1, b"invalid partition setting")
            settings[name] = value
        try:
            for name, value in settings.items():
                settings[name] = lua_unsigned(value)
            lines = board.state.table.set_partition_table(settings)
        except PartitionError as failure:
            if failure.argument is not None:
                arg_error(failure.argument, failure.message.encode())
            error(failure.message.encode())
        for line in lines:
            board.uart.debug(line.encode("latin-1"))
        board.hang_until_watchdog()

    lfs_meta = Table()
    lfs_meta.rawset(b"__index", lfs_index)
    lfs_table = lua_table({"list": lfs_list, "get": lfs_get, "reload": lfs_reload})
    lfs_table.meta = lfs_meta

    egc_table = module_table({"setmode": egc_setmode, "meminfo": egc_meminfo},
                             {"NOT_ACTIVE": EGC_NOT_ACTIVE, "ON_ALLOC_FAILURE": EGC_ON_ALLOC_FAILURE,
                              "ON_MEM_LIMIT": EGC_ON_MEM_LIMIT, "ALWAYS": EGC_ALWAYS})
    task_table = module_table({"post": task_post},
                              {"LOW_PRIORITY": 0, "MEDIUM_PRIORITY": 1, "HIGH_PRIORITY": 2})
    functions = {
        "heap": heap, "info": info, "flashreload": flashreload, "flashindex": flashindex,
        "setonerror": setonerror, "startupcommand": startupcommand, "startup": startup,
        "restart": restart, "dsleep": dsleep, "dsleepMax": dsleep_max, "sleep": node_sleep,
        "chipid": chipid, "flashid": flashid, "flashsize": flashsize, "input": node_input,
        "output": output, "compile": compile_file, "setcpufreq": setcpufreq,
        "getcpufreq": getcpufreq, "bootreason": bootreason, "restore": restore,
        "random": node_random, "stripdebug": stripdebug, "getpartitiontable": getpartitiontable,
        "setpartitiontable": setpartitiontable,
    }
    table = module_table(functions, {"CPU80MHZ": CPU80MHZ, "CPU160MHZ": CPU160MHZ})
    table.rawset(b"task", task_table)
    table.rawset(b"egc", egc_table)
    table.rawset(b"LFS", lfs_table)
    _ = to_lua, LuaError
    return table


def _pairs(table: Table):
    """(key, value) pairs of a table in the order Lua's next gives them (it decides which bad entry is reported first)."""
    pairs = []
    entry = table.next(None)
    while entry is not None:
        pairs.append(entry)
        entry = table.next(entry[0])
    return pairs


def _truthy(value) -> bool:
    return value is not None and value is not False


def _lua_bytes(value) -> bytes:
    if isinstance(value, float):
        from vm.runtime.values import number_to_bytes  # noqa: PLC0415
        return number_to_bytes(value)
    return value
