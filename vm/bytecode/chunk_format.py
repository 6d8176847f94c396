"""Binary chunk formats: the parameters that distinguish stock luac 5.1 (x86-64) output from NodeMCU's (counterpart of the header logic in lundump.c)."""

from __future__ import annotations

from dataclasses import dataclass

SIGNATURE = b"\x1bLua"
VERSION = 0x51
FORMAT = 0


@dataclass(frozen=True)
class ChunkFormat:
    """Everything dump and undump need to know about a target."""
    name: str
    sizeof_size_t: int          # width of string lengths: 8 on stock x86-64, 4 on NodeMCU
    sizeof_number: int          # 8 (double) or 4 (int32 in the integer firmware)
    integral: bool              # numbers stored as integers
    align: bool                 # code and line info start at a 4-byte file offset (NodeMCU)
    packed_lineinfo: bool       # NodeMCU's byte-string line info instead of an int per instruction

    @property
    def header(self) -> bytes:
        return SIGNATURE + bytes([
            VERSION, FORMAT,
            1,                      # little endian
            4,                      # sizeof(int)
            self.sizeof_size_t,
            4,                      # sizeof(Instruction)
            self.sizeof_number,
            1 if self.integral else 0,
        ])


STOCK = ChunkFormat("stock", sizeof_size_t=8, sizeof_number=8, integral=False,
                    align=False, packed_lineinfo=False)
NODEMCU = ChunkFormat("nodemcu", sizeof_size_t=4, sizeof_number=8, integral=False,
                      align=True, packed_lineinfo=True)
NODEMCU_INT = ChunkFormat("nodemcu-int", sizeof_size_t=4, sizeof_number=4, integral=True,
                          align=True, packed_lineinfo=True)

ALL_FORMATS = (STOCK, NODEMCU, NODEMCU_INT)
HEADER_SIZE = 12


def format_from_header(header: bytes) -> ChunkFormat | None:
    for fmt in ALL_FORMATS:
        if header[:HEADER_SIZE] == fmt.header:
            return fmt
    return None
