"""The standard library of NodeMCU's Lua 5.1: base, package, string, table, math, coroutine, debug, os/io subsets (counterpart of linit.c)."""

from __future__ import annotations


def open_libraries(state, which: str = "all") -> None:
    """Install the libraries into `state`. `which` is "all" (stock lua5.1 set, for the host and tests)
    or "nodemcu" (the device's reduced set: no io/os, NodeMCU's math and debug subsets)."""
    from vm.stdlib import base, coroutine, debug, mathlib, oslib, package, stringlib, tablelib  # noqa: PLC0415

    state.library_tables = {}
    # lua5.1's order (linit.c, coroutine inside base), which fixes the order pairs(_G) shows.
    base.open(state)
    coroutine.open(state)
    package.open(state)
    tablelib.open(state)
    if which != "nodemcu":
        oslib.open(state)
    stringlib.open(state, nodemcu=(which == "nodemcu"))
    mathlib.open(state, nodemcu=(which == "nodemcu"))
    debug.open(state, nodemcu=(which == "nodemcu"))
    loaded = state.registry.rawget(b"_LOADED")
    for name, table in state.library_tables.items():
        loaded.rawset(name, table)
    loaded.rawset(b"_G", state.globals)
