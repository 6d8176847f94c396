"""Layout constants of NodeMCU's Lua 5.1 LFS image: signatures, variants, header and record sizes (counterpart of app/lua/lflash.h).

Everything here is data shared by the writer, the reader and the emulated board's loader, so
the three agree on one definition of the format (spec §1.2–§1.8, §1.11).
"""

from __future__ import annotations

from dataclasses import dataclass

# Signature word: a fixed base, the format version in bits 8..11 and three feature bits.
SIGNATURE_BASE = 0xFAFAA050
FORMAT_VERSION = 0x100
FORMAT_VERSION_MASK = 0xF00
SIG_ABSOLUTE = 0x01          # image was linked for a fixed flash address (-a)
SIG_INTEGER = 0x02           # numbers are int32
SIG_PACKED = 0x04            # 12-byte packed TValues (the firmware's "build type" bit)
SIG_IN_PROGRESS = 0x08       # only ever set in flash while the device writes an image
SIGNATURE_FLAGS = SIG_ABSOLUTE | SIG_INTEGER | SIG_PACKED | SIG_IN_PROGRESS

WORD = 4
HEADER_WORDS = 8
HEADER_SIZE = HEADER_WORDS * WORD
PROTO_WORDS = 18
FLASHTS_WORDS = 4
MAX_IMAGE_WORDS = 65536                 # the builder's working array (256 KiB)
DEFAULT_MAX_SIZE = 0x40000              # luac.cross's default -m
MAX_MODULES = 50                        # one SETLIST batch in the lookup function

# Lua 5.1 type tags as stored in TValues and string headers.
TAG_NIL = 0
TAG_BOOLEAN = 1
TAG_NUMBER = 3
TAG_STRING = 4
LFS_MARK = 0x40              # the `marked` byte of every string in the RO string table
FLASHTS_WORD1 = TAG_STRING | (LFS_MARK << 8)

# Absolute images must lie in the ESP8266's memory-mapped flash window.
ABSOLUTE_MIN = 0x40210000
ABSOLUTE_SPAN = 0x00100000

# The firmware refuses image files of this many bytes or fewer before inflating them.
MIN_FILE_SIZE = 201
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Variant:
    """One firmware number/TValue configuration and how its images look."""
    name: str
    signature: int           # position-independent signature (add SIG_ABSOLUTE for -a)
    tvalue_size: int         # bytes per constant slot
    integer: bool            # numbers are int32 instead of doubles

    @property
    def number_size(self) -> int:
        return 4 if self.integer else 8


FLOAT = Variant("float", SIGNATURE_BASE | FORMAT_VERSION | SIG_PACKED, 12, False)
INTEGER = Variant("integer", SIGNATURE_BASE | FORMAT_VERSION | SIG_INTEGER, 8, True)
FLOAT_UNPACKED = Variant("float-unpacked", SIGNATURE_BASE | FORMAT_VERSION, 16, False)
VARIANTS = (FLOAT, INTEGER, FLOAT_UNPACKED)


def variant_from_signature(signature: int) -> Variant | None:
    """The variant whose signature equals `signature` with the absolute bit ignored, or None."""
    plain = signature & ~SIG_ABSOLUTE
    for variant in VARIANTS:
        if variant.signature == plain:
            return variant
    return None


def bitmap_words(flash_size: int) -> int:
    """Number of relocation-bitmap words that follow an image of `flash_size` bytes."""
    return (flash_size // WORD + 31) // 32


def string_buckets(count: int) -> int:
    """Size of the RO string hash array for `count` strings: the next power of two above it."""
    return 2 << (count.bit_length() - 1) if count > 0 else 1
