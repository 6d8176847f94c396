"""The pipe objects node.output hands to its callback (read/unread/nrec); counterpart of app/modules/pipe.c (the part node.output needs).
"""

from __future__ import annotations

from vm.nodemcu.modules.support import lua_function, new_class
from vm.runtime.values import Userdata
from vm.stdlib.auxlib import check_string

_METHODS: dict = {}
PIPE_META = new_class(_METHODS, b"pipe.obj")


class Pipe:
    def __init__(self):
        self.data = bytearray()


def _pipe(args) -> Pipe:
    value = args[0] if args else None
    if type(value) is not Userdata or value.meta is not PIPE_META:
        from vm.stdlib.auxlib import type_error  # noqa: PLC0415
        type_error(args, 0, b"pipe.obj")
    return value.payload


@lua_function("read")
def pipe_read(*args):
    pipe = _pipe(args)
    if not pipe.data:
        return (None,)
    spec = args[1] if len(args) > 1 else None
    if isinstance(spec, float):
        n = max(0, int(spec))
    elif isinstance(spec, bytes) and spec:
        found = pipe.data.find(spec[:1])
        n = found + 1 if found >= 0 else len(pipe.data)
    else:
        n = len(pipe.data)
    chunk = bytes(pipe.data[:n])
    del pipe.data[:n]
    return (chunk,)


@lua_function("unread")
def pipe_unread(*args):
    pipe = _pipe(args)
    pipe.data[:0] = check_string(args, 1)
    return ()


@lua_function("nrec")
def pipe_nrec(*args):
    pipe = _pipe(args)
    return (float(1 if pipe.data else 0),)


_METHODS.update({"read": pipe_read, "unread": pipe_unread, "nrec": pipe_nrec})
_METHODS_TABLE = PIPE_META.rawget(b"__index")
for _name, _fn in _METHODS.items():
    _METHODS_TABLE.rawset(_name.encode(), _fn)


def new_pipe() -> tuple[Pipe, Userdata]:
    pipe = Pipe()
    return pipe, Userdata(pipe, PIPE_META)
