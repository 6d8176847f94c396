"""Heap accounting: what the reachable Lua objects of a boot would occupy on the ESP8266 (32-bit Lua 5.1, 12-byte packed TValues); counterpart of the allocator view behind node.heap() (system_get_free_heap_size) and collectgarbage('count').

`measure(lua)` walks everything reachable from the globals and the registry and adds the
firmware's object sizes (lobject.h of a 32-bit build): strings 16 bytes + length + 1, tables
32 bytes + 12 per array slot + 20 per hash node (power-of-two sized), Lua closures 20 + 4 per
upvalue, upvalues 24, Protos with their code, constants and debug info, userdata 20 + payload.
Functions and strings that come from the LFS image live in flash and cost nothing; C
functions are in flash too.  The board calls it after the firmware's own start-up (the
baseline) and reports `free = profile.free_heap - (measure - baseline)`.
"""

from __future__ import annotations

from types import FunctionType

from vm.runtime.debuginfo import GEN_GLOBALS, proto_info_of_code
from vm.runtime.table import Table
from vm.runtime.values import Cell, Userdata

STRING_HEADER = 17           # TString header (16) plus the terminating NUL
TABLE_HEADER = 32
TVALUE = 12
NODE = 20
CLOSURE = 20
UPVALUE = 24
PROTO = 76
USERDATA = 20
BOOT_LUA_HEAP = 14 * 1024    # Lua's own use at the first prompt (collectgarbage'count') [U]


def _hash_size(n: int) -> int:
    size = 1
    while size < n:
        size <<= 1
    return size if n else 0


def proto_size(proto, rom: bool, seen: set) -> int:
    if rom or id(proto) in seen:
        return 0
    seen.add(id(proto))
    total = PROTO + 4 * len(proto.code) + TVALUE * len(proto.constants) + 4 * len(proto.protos)
    total += 4 * len(proto.lineinfo) + 12 * len(proto.locvars) + 4 * len(proto.upvalues)
    for k in proto.constants:
        if isinstance(k, bytes) and id(k) not in seen:
            seen.add(id(k))
            total += STRING_HEADER + len(k)
    for child in proto.protos:
        total += proto_size(child, rom, seen)
    return total


def measure(roots, rom_protos: set | None = None) -> int:
    """Bytes the objects reachable from `roots` occupy (each object counted once)."""
    rom_protos = rom_protos or set()
    seen: set = set()
    stack = list(roots)
    total = 0
    while stack:
        value = stack.pop()
        t = type(value)
        if t is float or t is bool or value is None:
            continue
        key = id(value)
        if key in seen:
            continue
        seen.add(key)
        if t is bytes:
            total += STRING_HEADER + len(value)
        elif t is Table:
            items = dict.items(value)
            count = len(value)
            array = 0
            while float(array + 1) in value:
                array += 1
            total += TABLE_HEADER + TVALUE * array + NODE * _hash_size(count - array)
            for k, v in items:
                stack.append(k)
                stack.append(v)
            if value.meta is not None:
                stack.append(value.meta)
        elif t is FunctionType:
            if value.__globals__ is not GEN_GLOBALS:
                continue                          # a C function: in flash
            info = proto_info_of_code(value.__code__)
            cells = value.__closure__ or ()
            total += CLOSURE + 4 * len(cells)
            if info is not None:
                total += proto_size(info.proto, id(info.proto) in rom_protos, seen)
            for cell in cells:
                try:
                    content = cell.cell_contents
                except ValueError:
                    continue
                if type(content) is Cell:
                    if id(content) not in seen:
                        seen.add(id(content))
                        total += UPVALUE
                        stack.append(content.v)
                else:
                    stack.append(content)
        elif t is Userdata:
            total += USERDATA + 16
            if value.meta is not None:
                stack.append(value.meta)
            if value.env is not None:
                stack.append(value.env)
    return total


def rom_proto_ids(image) -> set:
    """ids of every Proto of a mapped LFS image (their closures cost only the closure)."""
    found: set = set()

    def walk(proto):
        found.add(id(proto))
        for child in proto.protos:
            walk(child)
    if image is not None:
        walk(image.main)
    return found


RESERVED = (b"and", b"break", b"do", b"else", b"elseif", b"end", b"false", b"for", b"function",
            b"if", b"in", b"local", b"nil", b"not", b"or", b"repeat", b"return", b"then", b"true",
            b"until", b"while", b"__index", b"__newindex", b"__gc", b"__mode", b"__eq", b"__add",
            b"__sub", b"__mul", b"__div", b"__mod", b"__pow", b"__unm", b"__len", b"__lt",
            b"__le", b"__concat", b"__call")


def reachable_strings(roots) -> set:
    """Every string reachable from `roots` (table keys and values, metatables, upvalues)."""
    found = set(RESERVED)
    seen: set = set()
    stack = list(roots)
    while stack:
        value = stack.pop()
        t = type(value)
        if t is bytes:
            found.add(value)
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        if t is Table:
            for k, v in dict.items(value):
                stack.append(k)
                stack.append(v)
            if value.meta is not None:
                stack.append(value.meta)
        elif t is FunctionType and value.__globals__ is GEN_GLOBALS:
            for cell in value.__closure__ or ():
                try:
                    content = cell.cell_contents
                except ValueError:
                    continue
                stack.append(content.v if type(content) is Cell else content)
    return found
