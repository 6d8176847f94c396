"""The generated lookup main function of an LFS image and the module-name rule (counterpart of combine() and corename() in app/lua/luac_cross/luac.c).

The image's main function takes one argument. Called with a module name it returns a fresh
closure of that module's main chunk; called with anything else it returns the build timestamp
and an array of the module names (spec §1.15).
"""

from __future__ import annotations

from vm.bytecode.opcodes import (
    OP_CLOSURE, OP_EQ, OP_JMP, OP_LOADK, OP_NEWTABLE, OP_RETURN, OP_SETLIST, create_abc,
    create_abx, create_asbx, int_to_fb, rk_as_k,
)
from vm.bytecode.proto import Proto
from vm.lfs.errors import LfsBuildError
from vm.lfs.image_format import MAX_MODULES

LOOKUP_SOURCE = b"=(luac)"
_INT32 = 1 << 32


def module_name(source: bytes | None) -> bytes:
    """The name under which a module with chunk name `source` is found in LFS (`@lfs/x.lua` -> `x`)."""
    full = (source or b"")[1:]
    name = full
    for separator in (b"/", b"\\"):
        cut = name.rfind(separator)
        if cut >= 0:
            name = name[cut + 1:]
            break
    name = name.lstrip(b".")
    dot = name.find(b".")
    if dot >= 0:
        name = name[:dot]
    return name if name else full




def timestamp_constant(timestamp: int, integer: bool):
    """The timestamp as the lookup function stores it: a double, or a wrapped int32 in the integer build."""
    if integer:
        value = int(timestamp) % _INT32
        return value - _INT32 if value >= 1 << 31 else value
    return float(timestamp)


def duplicate_names(modules: list[Proto]) -> list[bytes]:
    """Module names that occur more than once among `modules` (luac.cross 5.1 accepts them; first one wins)."""
    seen: set[bytes] = set()
    duplicates: list[bytes] = []
    for proto in modules:
        name = module_name(proto.source)
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def check_module_count(count: int) -> None:
    if count > MAX_MODULES:
        raise LfsBuildError(f"'-f': Number of modules > {MAX_MODULES}")


def lookup_main(modules: list[Proto], timestamp: int, integer: bool = False) -> Proto:
    """The main Proto of an image holding `modules` (file main functions, in command-line order)."""
    n = len(modules)
    check_module_count(n)
    code: list[int] = []
    for i in range(n):
        code.append(create_abc(OP_EQ, 0, 0, rk_as_k(i)))
        code.append(create_asbx(OP_JMP, 0, 2))
        code.append(create_abx(OP_CLOSURE, 1, i))
        code.append(create_abc(OP_RETURN, 1, 2, 0))
    code.append(create_abx(OP_LOADK, 1, n))
    code.append(create_abc(OP_NEWTABLE, 2, int_to_fb(n), 0))
    for i in range(n):
        code.append(create_abx(OP_LOADK, i + 3, i))
    code.append(create_abc(OP_SETLIST, 2, n, 1))
    code.append(create_abc(OP_RETURN, 1, 3, 0))
    code.append(create_abc(OP_RETURN, 0, 1, 0))
    constants: list = [module_name(proto.source) for proto in modules]
    constants.append(timestamp_constant(timestamp, integer))
    return Proto(source=LOOKUP_SOURCE, numparams=1, maxstacksize=n + 3, code=code,
                 constants=constants, protos=list(modules))
