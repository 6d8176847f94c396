"""The host-only os and io subsets lua5.1 scripts use for tests and benchmarks: clock, time, date, getenv, exit, write, read (counterpart of loslib.c/liolib.c, reduced)."""

from __future__ import annotations

import os
import sys
import time

from vm.runtime.calls import context
from vm.runtime.table import Table
from vm.runtime.values import number_to_bytes
from vm.stdlib.auxlib import (
    arg, check_int, check_string, error, lua_function, new_library, opt_number, opt_string, type_error,
)


@lua_function("clock")
def os_clock(*args):
    return (time.process_time(),)


@lua_function("time")
def os_time(*args):
    t = arg(args, 0)
    if t is None:
        return (float(int(time.time())),)
    if type(t) is not Table:
        type_error(args, 0, b"table")

    def field(name, default=None):
        v = t.rawget(name)
        if v is None:
            if default is None:
                error(b"field '%s' missing in date table" % name)
            return default
        return int(v)
    tm = (field(b"year"), field(b"month"), field(b"day"), field(b"hour", 12), field(b"min", 0),
          field(b"sec", 0), 0, 0, -1)
    try:
        return (float(int(time.mktime(tm))),)
    except (OverflowError, ValueError):
        return (None,)


@lua_function("date")
def os_date(*args):
    fmt = opt_string(args, 0, b"%c")
    t = opt_number(args, 1, time.time())
    utc = fmt.startswith(b"!")
    if utc:
        fmt = fmt[1:]
    st = time.gmtime(t) if utc else time.localtime(t)
    if fmt.startswith(b"*t"):
        r = Table((0, 9))        # sized and filled as lua5.1's os_date does
        for k, v in ((b"sec", st.tm_sec), (b"min", st.tm_min), (b"hour", st.tm_hour),
                     (b"day", st.tm_mday), (b"month", st.tm_mon), (b"year", st.tm_year),
                     (b"wday", (st.tm_wday + 1) % 7 + 1), (b"yday", st.tm_yday)):
            r.rawset(k, float(v))
        r.rawset(b"isdst", bool(st.tm_isdst))
        return (r,)
    return (time.strftime(fmt.decode("latin-1"), st).encode("latin-1"),)


@lua_function("getenv")
def os_getenv(*args):
    v = os.environ.get(check_string(args, 0).decode("latin-1"))
    return (v.encode("latin-1") if v is not None else None,)


@lua_function("exit")
def os_exit(*args):
    """Leave the host program with the status: SystemExit unwinds the VM (pcall does not catch it,
    a coroutine hands it to its resumer), so the embedder's cleanup runs and stdout is flushed."""
    code = check_int(args, 0) if len(args) and args[0] is not None else 0
    sys.stdout.flush()
    raise SystemExit(code)


@lua_function("setlocale")
def os_setlocale(*args):
    """Only the C locale exists here, as on the device."""
    name = opt_string(args, 0, None)
    if name is None or name in (b"", b"C", b"POSIX"):
        return (b"C",)
    return (None,)


@lua_function("difftime")
def os_difftime(*args):
    from vm.stdlib.auxlib import check_number  # noqa: PLC0415
    return (check_number(args, 0) - opt_number(args, 1, 0.0),)


@lua_function("write")
def io_write(*args):
    state = context().state
    out = []
    for i, v in enumerate(args):
        if type(v) is bytes:
            out.append(v)
        elif type(v) is float:
            out.append(b"%.14g" % v if v == v else number_to_bytes(v))
        else:
            type_error(args, i, b"string")
    state.output(b"".join(out))
    return (io_stdout_handle(state),)


def io_stdout_handle(state):
    return state.registry.rawget(b"io.stdout")


@lua_function("write")
def file_write(*args):
    return io_write(*args[1:])


@lua_function("read")
def io_read(*args):
    fmt = opt_string(args, 0, b"*l")
    if fmt.startswith(b"*n"):
        line = sys.stdin.buffer.readline()
        try:
            return (float(line),)
        except ValueError:
            return (None,)
    if fmt.startswith(b"*a"):
        return (sys.stdin.buffer.read(),)
    line = sys.stdin.buffer.readline()
    if not line:
        return (None,)
    return (line.rstrip(b"\n"),)


def open(state) -> None:  # noqa: A001
    stdout = Table()
    meta = Table()
    meta.rawset(b"__index", meta)
    meta.rawset(b"write", file_write)
    stdout.meta = meta
    state.registry.rawset(b"io.stdout", stdout)
    new_library(state, b"io", {"write": io_write, "read": io_read, "stdout": stdout})
    new_library(state, b"os", {
        "clock": os_clock, "time": os_time, "date": os_date, "getenv": os_getenv,
        "exit": os_exit, "difftime": os_difftime, "setlocale": os_setlocale,
    })


_ = arg
