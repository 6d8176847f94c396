"""The firmware's Lua environment of one boot: core libraries plus the compiled-in modules; counterpart of app/lua/linit.c and the module registration of app/include/module.h.

`create_lua(board)` builds a fresh LuaState for a boot: the reduced NodeMCU standard library,
NodeMCU's base-library deltas (base.py) and every module of the board profile that this
package implements (`MODULES`); modules listed in the profile but not implemented stay nil.
Finally `rotable.install_rom` seals module and library tables into ROTables and moves the
globals into the ROM table behind `_G`, as the firmware's linit.c lays them out.
"""

from __future__ import annotations

import importlib

from vm.runtime.state import LuaState
from vm.runtime.table import Table

MODULES = ("bit", "encoder", "file", "gpio", "net", "node", "sjson", "tmr", "uart", "wifi")


class BoardFiles:
    """What the VM's loadfile/require read through: the board's SPIFFS."""

    def __init__(self, board):
        self.board = board

    def read(self, name: bytes) -> bytes | None:
        spiffs = self.board.state.spiffs
        if not spiffs.mounted:
            return None
        return spiffs.read_file(name)


def create_lua(board) -> LuaState:
    lua = LuaState(output=board.stdout, file_system=BoardFiles(board), libraries="nodemcu")
    from vm.nodemcu.modules import base  # noqa: PLC0415
    base.install(board, lua)
    for name in sorted(board.profile.modules):
        if name not in MODULES:
            continue
        try:
            module = importlib.import_module(f"vm.nodemcu.modules.{name}_module")
        except ModuleNotFoundError:
            continue
        table = module.open(board, lua)
        if isinstance(table, Table):
            lua.register_module(name, table)
    from vm.nodemcu.modules.rotable import install_rom  # noqa: PLC0415
    install_rom(lua)
    return lua
