"""Which tier runs a Proto: the interpreter for run-once code, translated Python for the rest, and the hand-overs between them (counterpart of lfunc.c's closure making, with lvm.c's execution split in two tiers).

* `instantiate(proto, env)` makes a main chunk's function: an interpreter stub
  (vm.runtime.interpreter) unless a line/call/return debug hook needs Python's tracing, or the
  proto is already translated.
* `factory_of(proto)` translates a proto (children first) on first use and caches the closure
  factory on the Proto; translated parents make their children through those factories.
* `lua_function_code(proto)` is the translated function's code object, which a stub takes over
  when promoted; `osr_code(proto, n)` is the variant entered in the middle of a loop.
"""

from __future__ import annotations

import weakref

from vm.runtime import calls
from vm.runtime.translator import compile_factory
from vm.runtime.values import Cell

INTERPRET_MAIN_CHUNKS = True    # run main chunks in vm.runtime.interpreter first


def factory_of(proto):
    """The closure factory for `proto` (translated on first use and cached on the Proto)."""
    f = getattr(proto, "_py_factory", None)
    if f is None:
        for child in proto.protos:
            factory_of(child)
        f, index, source = compile_factory(proto)
        proto._py_factory = f
        proto._py_index = index
        proto._py_source = source
    return f


def instantiate(proto, env):
    """A Lua function for a main chunk with environment `env`."""
    cells = [Cell() for _ in range(proto.nups)]
    if INTERPRET_MAIN_CHUNKS and getattr(proto, "_py_factory", None) is None:
        state = calls.context().state
        if state is None or state.debug_hook is None or not (set(state.debug_hook[1]) & set("lcr")):
            from vm.runtime.interpreter import interpreted_function  # noqa: PLC0415
            return interpreted_function(proto, env, cells)
    return factory_of(proto)(env, *cells)


def _function_code(factory, index):
    name = f"L{index}"
    return next(c for c in factory.__code__.co_consts if hasattr(c, "co_name") and c.co_name == name)


def lua_function_code(proto):
    """The code object of the Lua function (L<index>) that proto's factory makes."""
    return _function_code(factory_of(proto), proto._py_index)


def osr_code(proto, nregs: int):
    """Code of a variant of proto's function taking (pc, VA, r0..r<nregs-1>) and resuming at pc,
    a jump target: how the interpreter hands a running loop over to translated code."""
    ref = getattr(proto, "_osr_code", None)
    code = ref() if ref is not None else None
    if code is None:
        for child in proto.protos:
            factory_of(child)
        factory, index, _ = compile_factory(proto, nregs)
        code = _function_code(factory, index)
        proto._osr_code = weakref.ref(code)     # the code holds the info, which holds the proto
    return code
