"""Reads an LFS image back into Protos and checks everything the firmware relies on: container, header, string table, relocations, Proto records (counterpart of the image checks in app/lua/lflash.c, plus the host-side checks of spec §1.17).

`read_image` takes the bytes of an image file — gzip (position independent) or absolute — and
returns an `LfsImage`; `decode_flash` does the same for the uncompressed words as they sit in
flash. Anything malformed raises LfsImageError with a one-line message.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from vm.bytecode.lineinfo import unpack_lineinfo
from vm.bytecode.proto import LocVar, Proto
from vm.lfs.errors import LfsImageError
from vm.lfs.image_format import (
    FLASHTS_WORD1, FORMAT_VERSION, FORMAT_VERSION_MASK, GZIP_MAGIC, HEADER_SIZE, HEADER_WORDS,
    MAX_IMAGE_WORDS, MIN_FILE_SIZE, PROTO_WORDS, SIG_ABSOLUTE, SIG_IN_PROGRESS, SIG_PACKED,
    SIGNATURE_BASE, SIGNATURE_FLAGS,
    TAG_BOOLEAN, TAG_NIL, TAG_NUMBER, TAG_STRING, WORD, Variant, bitmap_words, string_buckets,
    variant_from_signature,
)
from vm.lfs.inflate import READ_ERROR, gunzip_for_device
from vm.lfs.string_table import lua_hash

VERSION_ERROR = "Incorrect LFS header version"
BUILD_TYPE_ERROR = "Incorrect LFS build type"
SIGNATURE_ERROR = "incorrect LFS header signature"
TOO_BIG_ERROR = "LFS Image too big for configured LFS region"
LENGTH_ERROR = "LFS length mismatch"
MAX_DEPTH = 200


@dataclass
class LfsModule:
    name: bytes
    proto: Proto


@dataclass
class LfsImage:
    """A decoded, validated image."""
    variant: Variant
    absolute: bool
    base: int                    # address the image is linked for (0 when position independent)
    flash_size: int
    string_count: int
    bucket_count: int
    main: Proto
    timestamp: float | int | None
    modules: list[LfsModule] = field(default_factory=list)
    file_size: int = 0
    compressed: bool = False


def _fail(message: str, device_message: str | None = None) -> LfsImageError:
    return LfsImageError(message, device_message)


def check_header(sig: int, flash_size: int, expected: Variant | None = None,
                 partition_size: int | None = None) -> Variant:
    """The firmware's header checks, in its order; returns the image's variant."""
    if (sig & FORMAT_VERSION_MASK) != FORMAT_VERSION:
        raise _fail(f"not an LFS image for the Lua 5.1 firmware (signature 0x{sig:08X})",
                    VERSION_ERROR)
    variant = variant_from_signature(sig & ~SIG_IN_PROGRESS)
    name = variant.name if variant is not None else "unknown"
    if expected is not None and (sig & SIG_PACKED) != (expected.signature & SIG_PACKED):
        raise _fail(f"image is for the {name} firmware build, not the {expected.name} one",
                    BUILD_TYPE_ERROR)
    if (sig & ~SIGNATURE_FLAGS) != SIGNATURE_BASE | FORMAT_VERSION:
        raise _fail(f"not an LFS image for the Lua 5.1 firmware (signature 0x{sig:08X})",
                    SIGNATURE_ERROR)
    if sig & SIG_IN_PROGRESS:
        raise _fail(f"signature 0x{sig:08X} has the load-in-progress bit set (a half-written "
                    "flash region, not an image file)", SIGNATURE_ERROR)
    if variant is None:
        raise _fail(f"unknown LFS build variant (signature 0x{sig:08X})", SIGNATURE_ERROR)
    if expected is not None and variant != expected:
        raise _fail(f"image is for the {name} firmware build, not the {expected.name} one",
                    SIGNATURE_ERROR)
    if partition_size is not None and flash_size > partition_size:
        raise _fail(f"image of {flash_size} bytes does not fit the {partition_size}-byte LFS "
                    "partition", TOO_BIG_ERROR)
    if flash_size & 3 or flash_size < HEADER_SIZE or flash_size > MAX_IMAGE_WORDS * WORD:
        raise _fail(f"header announces an impossible image size of {flash_size} bytes",
                    LENGTH_ERROR)
    return variant


class _FlashDecoder:
    """Walks the words of an uncompressed image; `base` is 0 for word-offset addresses."""

    def __init__(self, image: bytes, variant: Variant, absolute: bool, base: int):
        self.image = image
        self.nwords = len(image) // WORD
        self.words = struct.unpack(f"<{self.nwords}I", image)
        self.variant = variant
        self.absolute = absolute
        self.base = base
        self.pointers: set[int] = set()          # indices of words found to hold addresses
        self.strings: dict[int, bytes] = {}      # FlashTS word index -> string
        self.protos_seen: set[int] = set()

    def target(self, w: int, what: str) -> int:
        """The word index word `w` points at, or 0 for null."""
        value = self.words[w]
        if value == 0:
            return 0
        self.pointers.add(w)
        if self.absolute:
            offset = value - self.base
            if offset & 3 or not 0 < offset < len(self.image):
                raise _fail(f"bad relocation: {what} at word {w} holds 0x{value:08X}, outside the "
                            f"image linked for 0x{self.base:08X}")
            return offset >> 2
        if value >= self.nwords:
            raise _fail(f"bad relocation: {what} at word {w} points to word {value}, past the "
                        f"end of the {self.nwords}-word image")
        return value

    def read_strings(self, bucket_at: int, count: int, nbuckets: int) -> None:
        if nbuckets != string_buckets(count) or count <= 0:
            raise _fail(f"string table header is inconsistent: {count} strings in {nbuckets} "
                        "buckets")
        if bucket_at + nbuckets > self.nwords:
            raise _fail("string table runs past the end of the image (truncated?)")
        words = self.words
        found = 0
        for b in range(nbuckets):
            ts = self.target(bucket_at + b, "string bucket")
            while ts:
                found += 1
                if found > count:
                    raise _fail(f"string table holds more strings than the {count} the header "
                                "announces (or a chain loops)")
                if ts + 4 > self.nwords:
                    raise _fail(f"string record at word {ts} runs past the end of the image")
                if words[ts + 1] & 0xFFFF != FLASHTS_WORD1:
                    raise _fail(f"string record at word {ts} has a bad type/mark word "
                                f"0x{words[ts + 1]:08X}")
                h, length = words[ts + 2], words[ts + 3]
                start = (ts + 4) * WORD
                if start + length + 1 > len(self.image):
                    raise _fail(f"string at word {ts} ({length} bytes) runs past the end of the "
                                "image")
                s = self.image[start:start + length]
                if self.image[start + length] != 0:
                    raise _fail(f"string at word {ts} is not NUL-terminated")
                if lua_hash(s) != h:
                    raise _fail(f"string {s[:40]!r} at word {ts} has hash 0x{h:08X}, expected "
                                f"0x{lua_hash(s):08X}")
                if h & (nbuckets - 1) != b:
                    raise _fail(f"string {s[:40]!r} is chained from bucket {b}, its hash says "
                                f"{h & (nbuckets - 1)}")
                self.strings[ts] = s
                ts = self.target(ts, "string chain link")
        if found != count:
            raise _fail(f"string table holds {found} strings, the header announces {count}")

    def string_at(self, w: int, what: str) -> bytes | None:
        ts = self.target(w, what)
        if ts == 0:
            return None
        try:
            return self.strings[ts]
        except KeyError:
            raise _fail(f"{what} at word {w} does not point to a string record") from None

    def vector(self, at: int, nwords: int, what: str) -> None:
        if at <= 0 or at + nwords > self.nwords:
            raise _fail(f"{what} of {nwords} words at word {at} lies outside the image")

    def read_proto(self, at: int, depth: int = 0) -> Proto:
        if depth > MAX_DEPTH:
            raise _fail("functions are nested too deeply (a Proto cycle?)")
        if at in self.protos_seen:
            raise _fail(f"Proto at word {at} is referenced twice")
        self.protos_seen.add(at)
        self.vector(at, PROTO_WORDS, "Proto record")
        w = self.words
        (k_at, code_at, p_at, line_at, loc_at, up_at) = (
            self.target(at + i, name) for i, name in (
                (2, "constant vector"), (3, "code vector"), (4, "function vector"),
                (5, "line info"), (6, "local variable vector"), (7, "upvalue vector")))
        source = self.string_at(at + 8, "source name")
        nup_names, sizek, sizecode, sizep, sizelocvars = w[at + 9:at + 14]
        f = Proto(source=source, linedefined=w[at + 14], lastlinedefined=w[at + 15])
        f.nups, f.numparams, f.is_vararg, f.maxstacksize = self.image[(at + 17) * 4:(at + 18) * 4]
        for size, addr, name in ((sizek, k_at, "constant vector"), (sizecode, code_at, "code"),
                                 (sizep, p_at, "function vector"),
                                 (sizelocvars, loc_at, "local variable vector"),
                                 (nup_names, up_at, "upvalue vector")):
            if (size == 0) != (addr == 0):
                raise _fail(f"Proto at word {at}: {name} size {size} does not match its "
                            f"pointer")
        if sizecode:
            self.vector(code_at, sizecode, "code vector")
            f.code = list(w[code_at:code_at + sizecode])
        if sizek:
            f.constants = self.read_constants(k_at, sizek)
        if sizep:
            self.vector(p_at, sizep, "function vector")
            f.protos = [self.read_proto(self.target(p_at + i, "function pointer"), depth + 1)
                        for i in range(sizep)]
        if line_at:
            ts = line_at - 4
            if ts not in self.strings:
                raise _fail(f"Proto at word {at}: line info does not point into a string record")
            try:
                f.lineinfo = unpack_lineinfo(self.strings[ts], sizecode)
            except ValueError as exc:
                raise _fail(f"Proto at word {at}: bad line info ({exc})") from None
        if sizelocvars:
            self.vector(loc_at, 3 * sizelocvars, "local variable vector")
            for i in range(sizelocvars):
                name = self.string_at(loc_at + 3 * i, "local variable name") or b""
                f.locvars.append(LocVar(name, w[loc_at + 3 * i + 1], w[loc_at + 3 * i + 2]))
        if nup_names:
            self.vector(up_at, nup_names, "upvalue vector")
            f.upvalues = [self.string_at(up_at + i, "upvalue name") or b""
                          for i in range(nup_names)]
        return f

    def read_constants(self, at: int, count: int) -> list:
        size = self.variant.tvalue_size
        self.vector(at, count * size // WORD, "constant vector")
        tag_at = self.variant.number_size
        out = []
        start = at * WORD
        for i in range(count):
            slot = start + i * size
            tag = int.from_bytes(self.image[slot + tag_at:slot + tag_at + 4], "little")
            if tag == TAG_NIL:
                out.append(None)
            elif tag == TAG_BOOLEAN:
                out.append(self.words[slot >> 2] != 0)
            elif tag == TAG_NUMBER:
                if self.variant.integer:
                    out.append(struct.unpack_from("<i", self.image, slot)[0])
                else:
                    out.append(struct.unpack_from("<d", self.image, slot)[0])
            elif tag == TAG_STRING:
                out.append(self.string_at(slot >> 2, "string constant"))
            else:
                raise _fail(f"constant at byte 0x{slot:X} has an unknown type tag {tag}")
        return out


def decode_flash(image: bytes, variant: Variant | None = None, *, base: int | None = None,
                 bitmap: bytes | None = None) -> LfsImage:
    """Decode and check an uncompressed image.

    `base` is the address absolute pointers are relative to: None takes it from the header
    (pROhash − 32) for absolute images and 0 (word offsets) otherwise. `bitmap`, for position-
    independent payloads, must flag exactly the words that hold addresses.
    """
    if len(image) < HEADER_SIZE:
        raise _fail(f"image is truncated: {len(image)} bytes, shorter than the header",
                    LENGTH_ERROR)
    header = struct.unpack_from(f"<{HEADER_WORDS}I", image, 0)
    sig, flash_size, main_at, hash_at, count, nbuckets = header[:6]
    found = check_header(sig, flash_size, variant)
    absolute = bool(sig & SIG_ABSOLUTE) if base is None else base != 0
    if len(image) != flash_size:
        state = "truncated" if len(image) < flash_size else "longer than its header says"
        raise _fail(f"image is {state}: {len(image)} bytes, header says {flash_size}", LENGTH_ERROR)
    if base is None:
        base = (hash_at - HEADER_SIZE) & 0xFFFFFFFF if absolute else 0
    decoder = _FlashDecoder(image, found, absolute, base)
    bucket_at = decoder.target(3, "string table pointer")
    if bucket_at != HEADER_WORDS:
        raise _fail(f"string table pointer 0x{hash_at:08X} does not point just past the header")
    decoder.read_strings(bucket_at, count, nbuckets)
    main_word = decoder.target(2, "main function pointer")
    if not main_word:
        raise _fail("header has no main function")
    main = decoder.read_proto(main_word)
    if bitmap is not None:
        check_relocations(decoder.pointers, bitmap, flash_size)
    modules, timestamp = _module_index(main)
    return LfsImage(variant=found, absolute=absolute, base=base, flash_size=flash_size,
                    string_count=count, bucket_count=nbuckets, main=main, timestamp=timestamp,
                    modules=modules)


def check_relocations(pointers: set[int], bitmap: bytes, flash_size: int) -> None:
    """The relocation bitmap must flag exactly the words that hold addresses."""
    nwords = flash_size // WORD
    flagged = {w for w in range(nwords) if bitmap[w >> 3] >> (w & 7) & 1}
    if any(bitmap[(nwords + 7) >> 3:]) or (nwords & 7 and bitmap[nwords >> 3] >> (nwords & 7)):
        raise _fail("bad relocation: the bitmap flags words past the end of the image")
    if flagged != pointers:
        extra = sorted(flagged - pointers)
        missing = sorted(pointers - flagged)
        if extra:
            raise _fail(f"bad relocation: word {extra[0]} is flagged but holds no address"
                        + (f" ({len(extra)} such words)" if len(extra) > 1 else ""))
        raise _fail(f"bad relocation: word {missing[0]} holds an address but is not flagged"
                    + (f" ({len(missing)} such words)" if len(missing) > 1 else ""))


def _module_index(main: Proto) -> tuple[list[LfsModule], float | int | None]:
    n = len(main.protos)
    k = main.constants
    if len(k) != n + 1 or any(type(name) is not bytes for name in k[:n]) \
            or type(k[n]) not in (int, float):
        raise _fail("main function is not an LFS module index (expected one name per module "
                    "and a timestamp)")
    return [LfsModule(k[i], main.protos[i]) for i in range(n)], k[n]


def split_payload(payload: bytes, variant: Variant | None = None,
                  partition_size: int | None = None) -> tuple[bytes, bytes]:
    """Split a decompressed payload into image and relocation bitmap, with the firmware's length checks."""
    if len(payload) < HEADER_SIZE:
        raise _fail(f"decompressed image is truncated: {len(payload)} bytes", LENGTH_ERROR)
    sig, flash_size = struct.unpack_from("<2I", payload, 0)
    check_header(sig, flash_size, variant, partition_size)
    if sig & SIG_ABSOLUTE:
        raise _fail("compressed image carries the absolute-image flag", SIGNATURE_ERROR)
    expected = flash_size + bitmap_words(flash_size) * WORD
    if len(payload) != expected:
        state = "truncated" if len(payload) < expected else "too long"
        raise _fail(f"decompressed image is {state}: {len(payload)} bytes, expected {expected} "
                    f"({flash_size} image + relocation bitmap)", LENGTH_ERROR)
    return payload[:flash_size], payload[flash_size:]


def read_image(data: bytes, *, variant: Variant | None = None, partition_size: int | None = None,
               require_relocatable: bool = False) -> LfsImage:
    """Decode and validate the bytes of an image file (gzip or absolute).

    `variant` rejects images for another firmware build; `partition_size` rejects images that
    do not fit; `require_relocatable` rejects absolute images (what node.LFS.reload needs).
    """
    data = bytes(data)
    if data[:2] == GZIP_MAGIC:
        if len(data) < MIN_FILE_SIZE:
            raise _fail(f"image file is only {len(data)} bytes; the firmware refuses files of 200 "
                        "bytes or less", READ_ERROR)
        payload = gunzip_for_device(data)
        image, bitmap = split_payload(payload, variant, partition_size)
        result = decode_flash(image, variant, base=0, bitmap=bitmap)
        result.compressed = True
    else:
        if len(data) >= 8:
            sig, flash_size = struct.unpack_from("<2I", data, 0)
            if variant_from_signature(sig) is not None and not sig & SIG_ABSOLUTE:
                raise _fail("uncompressed position-independent image (luac.cross never writes "
                            "these; was it gunzipped?)", READ_ERROR)
            check_header(sig, flash_size, variant, partition_size)
        if require_relocatable:
            raise _fail("absolute image (luac.cross -a) where a position-independent one is "
                        "needed; node.LFS.reload only loads gzip images", READ_ERROR)
        result = decode_flash(data, variant)
    result.file_size = len(data)
    return result
