"""`python -m vm FILE.lua [args]`: run a script as `lua5.1 FILE.lua` does, for differential testing (counterpart of lua.c)."""

from __future__ import annotations

import os
import signal
import sys

from vm.errors import LuaError, LuaSyntaxError
from vm.runtime import debuginfo
from vm.runtime.calls import context
from vm.runtime.state import LuaState, error_to_text
from vm.runtime.table import Table


class HostFileSystem:
    """Files for loadfile/dofile/require, read from the host's current directory."""

    def read(self, name: bytes):
        try:
            with open(os.fsdecode(name), "rb") as f:
                return f.read()
        except OSError:
            return None


def _report(message: bytes) -> None:
    sys.stdout.flush()
    sys.stderr.buffer.write(b"lua: " + message + b"\n")
    sys.stderr.buffer.flush()


def run_script(state: LuaState, script: str, args: list[str]) -> int:
    """The body lua.c runs from C: load, call with arg, report errors with a traceback."""
    arg = Table((len(args), 2))      # as lua.c builds it: interpreter, script, then the arguments
    arg.rawset(-1.0, os.fsencode(sys.executable) + b" -m vm")
    arg.rawset(0.0, script.encode())
    for i, a in enumerate(args, 1):
        arg.rawset(float(i), os.fsencode(a))
    state.globals.rawset(b"arg", arg)
    if script == "-":
        data = sys.stdin.buffer.read()
        chunkname = b"=stdin"
    else:
        data = HostFileSystem().read(os.fsencode(script))
        if data is None:
            _report(b"cannot open %s" % os.fsencode(script))
            return 1
        chunkname = b"@" + os.fsencode(script)
    if data.startswith(b"#"):
        nl = data.find(b"\n")
        data = b"--" + data[nl:] if nl >= 0 else b""
    try:
        fn = state.load(data, chunkname)
    except LuaSyntaxError as e:
        _report(error_to_text(e.value))
        return 1
    ctx = context()
    ctx.ccalls += 1         # lua.c runs all of this inside lua_cpcall(pmain): one C call deep
    try:
        state.call(fn, *[os.fsencode(a) for a in args])
    except LuaError as e:
        if e.value is None:
            return 1
        text = error_to_text(e.value) if isinstance(e.value, (bytes, float)) else b"(error object is not a string)"
        if isinstance(e.value, (bytes, float)) and e.traceback:
            text += b"\n" + e.traceback.encode("latin-1")
        _report(text)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if hasattr(signal, "SIGPIPE"):
        # Like lua5.1: a closed stdout (`| head`) ends the process quietly, with no traceback.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if not argv:
        sys.stderr.write("usage: python -m vm FILE.lua [args]\n")
        return 1
    state = LuaState(file_system=HostFileSystem())
    return run_script(state, argv[0], argv[1:])


debuginfo.register_builtin(run_script, "?")

if __name__ == "__main__":
    sys.exit(main())
