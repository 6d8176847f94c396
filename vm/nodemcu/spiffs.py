"""The SPIFFS file system as the `file` module sees it; counterpart of app/spiffs/spiffs.c (with the rules of spiffs_hydrogen.c and app/platform/vfs.c).

Storage choice: files are kept as ordinary host files under the state folder, not as SPIFFS
pages inside the emulated flash.  What tools and scripts can observe of SPIFFS is its API: the
name rules, the 4-descriptor limit, open-mode and seek behaviour, and the fsinfo page
arithmetic — all reproduced here exactly.  The page layout itself is invisible over the serial
line, and keeping one host file per SPIFFS file makes every file atomically replaceable (a kill
during an upload can never tear another file) and lets a developer inspect the node's files.
The volume's geometry (its 8 KiB-aligned address and size inside the partition) is recorded so
that a moved partition no longer mounts and gets formatted, as on the real chip (spec §3.2).

On-disk layout (default ``DIR/.espconsole/node/spiffs/``): see spiffs_store.py.

Durability: a file's content reaches disk atomically on `flush()` and `close()` (and an empty
file at creation).  Until then writes live in memory — like SPIFFS's write cache — and opening
an existing file with "w" truncates it only in memory, so a kill in the middle of an upload
leaves the previously stored version of that file intact and every other file untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vm.nodemcu.spiffs_store import FolderStore, MemoryStore

MAX_OPEN_FILES = 4               # SPIFFS_MAX_OPEN_FILES
NAME_MAX = 31                    # FS_OBJ_NAME_LEN
READ_CHUNK = 1024                # FILE_READ_CHUNK: default read size and readline limit
PAGE_SIZE = 256
DATA_PAGE_SIZE = 251             # page minus the 5-byte page header
HEADER_INDEX_ENTRIES = 105       # data pages indexed by a file's header page
INDEX_ENTRIES = 124              # data pages indexed by each further index page
ALIGN = 0x2000
SECTOR = 0x1000
SECTORS_PER_DOT = 16             # format prints one '.' per 16 erased sectors (64 KiB)
DRIVE = b"/FLASH"


@dataclass(frozen=True)
class Geometry:
    phys_addr: int
    phys_size: int
    block_size: int

    @property
    def blocks(self) -> int:
        return self.phys_size // self.block_size

    @property
    def total(self) -> int:
        """fsinfo's total: usable data pages (2 spare blocks, 1 lookup page per block, +1) x 251."""
        pages_per_block = self.block_size // PAGE_SIZE
        return ((self.blocks - 2) * (pages_per_block - 1) + 1) * DATA_PAGE_SIZE

    @property
    def format_dots(self) -> int:
        return (self.phys_size // SECTOR + SECTORS_PER_DOT - 1) // SECTORS_PER_DOT


def geometry(partition_addr: int, partition_size: int) -> Geometry | None:
    """The volume SPIFFS places in a partition (8 KiB-aligned inside it); None if too small."""
    if partition_size == 0:
        return None
    start = (partition_addr + ALIGN - 1) & ~(ALIGN - 1)
    size = ((partition_addr + partition_size) & ~(ALIGN - 1)) - start
    if size < 4 * SECTOR:
        return None
    return Geometry(start, size, SECTOR if size < 4 * ALIGN else ALIGN)


def file_pages(size: int) -> int:
    """Pages a file of `size` bytes occupies: data pages, its header page, extra index pages."""
    data = -(-size // DATA_PAGE_SIZE)
    extra = -(-(data - HEADER_INDEX_ENTRIES) // INDEX_ENTRIES) if data > HEADER_INDEX_ENTRIES else 0
    return data + 1 + extra


def basename(name: bytes) -> bytes:
    """The part the `file` module length-checks: after the last '/', else after the last ':'."""
    for sep in (b"/", b":"):
        cut = name.rfind(sep)
        if cut >= 0:
            return name[cut + 1:]
    return name


def valid_name_argument(name: bytes, whole: bool = False) -> bool:
    """The `file` module's argument check (else `filename invalid`): no NUL, basename (or the
    whole name for file.stat, `whole=True`) at most 31 bytes."""
    checked = name if whole else basename(name)
    return b"\0" not in name and len(checked) <= NAME_MAX


def as_bytes(value: bytes | str) -> bytes:
    """Names and modes are Lua strings (bytes); str is accepted for convenience (UTF-8)."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def resolve(name: bytes) -> bytes | None:
    """The SPIFFS object name for a path, or None when the path names no SPIFFS file.

    Only a leading "/FLASH" (case-sensitive) is accepted as a drive prefix; the character after
    it is skipped when it is '/'.  Any other leading '/' belongs to no mounted drive.
    """
    name = as_bytes(name)
    if name.startswith(b"/"):
        if not name.startswith(DRIVE):
            return None
        name = name[len(DRIVE):]
        if name.startswith(b"/"):
            name = name[1:]
    return name


class _Inode:
    """One file's live content, shared by all descriptors open on it."""

    def __init__(self, name: bytes, content: bytes = b"", on_disk: bool = False):
        self.name = name
        self.content = bytearray(content)
        self.dirty = False
        self.on_disk = on_disk


class SpiffsFile:
    """An open descriptor (what `file.open` wraps in its userdata)."""

    def __init__(self, fs: "Spiffs", inode: _Inode, readable: bool, writable: bool, append: bool):
        self._fs = fs
        self._inode: _Inode | None = inode
        self.readable, self.writable, self.append = readable, writable, append
        self.position = 0
        self.closed = False

    @property
    def name(self) -> bytes | None:
        return None if self._inode is None else self._inode.name

    @property
    def valid(self) -> bool:
        """False once closed or invalidated (file removed, volume formatted): SPIFFS calls fail."""
        return self._inode is not None

    def read(self, n: int = READ_CHUNK, end: int | None = None) -> bytes | None:
        """file.read semantics: up to `n` bytes, or up to and including byte `end`; None at EOF.

        `n` <= 0 yields b"" (the firmware's read loop never runs).  Unreadable handle: None.
        """
        if n <= 0:
            return b""
        inode = self._inode
        if inode is None or not self.readable:
            return None
        data = inode.content
        if self.position >= len(data):
            return None
        stop = min(len(data), self.position + n)
        if end is not None:
            found = data.find(bytes((end,)), self.position, stop)
            if found >= 0:
                stop = found + 1
        chunk = bytes(data[self.position:stop])
        self.position = stop
        return chunk

    def readline(self) -> bytes | None:
        return self.read(READ_CHUNK, 0x0A)

    def write(self, data: bytes) -> bool:
        """Write all of `data` (at the end in append modes); False on any shortfall or error."""
        inode = self._inode
        if inode is None or not self.writable:
            return False
        if self.append:
            self.position = len(inode.content)
        start = self.position
        grow = max(0, start + len(data) - len(inode.content))
        room = self._fs._room_for_growth(inode, grow)
        accepted = data if grow <= room else data[:len(data) - (grow - room)]
        inode.content[start:start + len(accepted)] = accepted
        if accepted:
            inode.dirty = True
        self.position = start + len(accepted)
        return len(accepted) == len(data)

    def writeline(self, data: bytes) -> bool:
        return self.write(data) and self.write(b"\n")

    def seek(self, whence: str = "cur", offset: int = 0) -> int | None:
        """New absolute position, or None (before the start: unchanged; past the end: moved to
        the end, still None)."""
        inode = self._inode
        if inode is None:
            return None
        size = len(inode.content)
        base = {"set": 0, "cur": self.position, "end": size}[whence]
        target = base + offset
        if target < 0:
            return None
        if target > size:
            self.position = size
            return None
        self.position = target
        return target

    def tell(self) -> int:
        return self.position

    def size(self) -> int:
        return 0 if self._inode is None else len(self._inode.content)

    def flush(self) -> bool:
        if self._inode is None:
            return False
        self._fs._commit(self._inode)
        return True

    def close(self) -> None:
        """Commit and release the descriptor; closing twice is harmless."""
        if self.closed:
            return
        self.closed = True
        if self._inode is not None:
            self._fs._commit(self._inode)
            self._inode = None
        self._fs._release(self)

    def _invalidate(self) -> None:
        self._inode = None


class Spiffs:
    """The SPIFFS volume of one board; `directory` None keeps everything in memory."""

    def __init__(self, directory: Path | str | None = None, durable: bool = True):
        self.directory = Path(directory) if directory is not None else None
        self._store = MemoryStore() if self.directory is None else FolderStore(self.directory, durable)
        self.geometry: Geometry | None = None
        self._files: dict[bytes, _Inode] = {}
        self._open: list[SpiffsFile] = []

    # -- volume --------------------------------------------------------------------------------

    @property
    def mounted(self) -> bool:
        return self.geometry is not None

    def mount(self, partition_addr: int, partition_size: int) -> bool:
        """Mount the volume in the partition; False when there is none that fits (boot formats).

        A volume formatted at the same address but smaller than the partition now allows keeps
        its recorded size (a resized partition needs file.format to use the new space).
        """
        self.unmount()
        fitted = geometry(partition_addr, partition_size)
        volume = self._store.read_volume()
        if fitted is None or volume is None or volume["phys_addr"] != fitted.phys_addr \
                or volume["phys_size"] > fitted.phys_size:
            return False
        recorded = geometry(volume["phys_addr"], volume["phys_size"])
        if recorded is None:
            return False
        self.geometry = recorded
        self._load_files()
        return True

    def _load_files(self) -> None:
        self._files = {name: _Inode(name, content, on_disk=True) for name, content in self._store.load().items()}

    def unmount(self) -> None:
        """Close every descriptor (committing its data) and forget the volume."""
        for handle in list(self._open):
            handle.close()
        self.geometry = None
        self._files = {}

    def format(self, partition_addr: int, partition_size: int) -> int | None:
        """Erase and create an empty volume; return the number of progress dots, None on failure.

        The caller prints the dots (path B) and, for file.format, `format done.`.  Every open
        descriptor becomes invalid.
        """
        for handle in self._open:
            handle._invalidate()
        self._open.clear()
        self.geometry = None
        self._files = {}
        fitted = geometry(partition_addr, partition_size)
        if fitted is None:
            return None
        self._store.new_volume({"phys_addr": fitted.phys_addr, "phys_size": fitted.phys_size})
        self.geometry = fitted
        return fitted.format_dots

    def fsinfo(self) -> tuple[int, int, int] | None:
        """(remaining, used, total) bytes as file.fsinfo returns them; None when not mounted."""
        if self.geometry is None:
            return None
        total = self.geometry.total
        used = self._used_pages() * DATA_PAGE_SIZE
        return total - used, used, total

    def fscfg(self) -> tuple[int, int] | None:
        if self.geometry is None:
            return None
        return self.geometry.phys_addr, self.geometry.phys_size

    def _used_pages(self) -> int:
        return sum(file_pages(len(inode.content)) for inode in self._files.values())

    def _room_for_growth(self, inode: _Inode, grow: int) -> int:
        """How many more bytes `inode` can take before the volume is full."""
        free_pages = self.geometry.total // DATA_PAGE_SIZE - self._used_pages()
        size = len(inode.content)
        low, high = 0, grow
        while low < high:                       # largest growth whose extra pages still fit
            mid = (low + high + 1) // 2
            if file_pages(size + mid) - file_pages(size) <= free_pages:
                low = mid
            else:
                high = mid - 1
        return low

    # -- persistence ---------------------------------------------------------------------------

    def _commit(self, inode: _Inode) -> None:
        if not inode.dirty and inode.on_disk:
            return
        if self._files.get(inode.name) is not inode:
            return                              # removed meanwhile
        self._store.store(inode.name, bytes(inode.content))
        inode.dirty = False
        inode.on_disk = True

    def _release(self, handle: SpiffsFile) -> None:
        if handle in self._open:
            self._open.remove(handle)

    # -- name operations -----------------------------------------------------------------------

    def _lookup(self, path: bytes) -> bytes | None:
        name = resolve(path)
        if name is None or self.geometry is None or len(name) > NAME_MAX:
            return None
        return name

    def open(self, path: bytes, mode: bytes = b"r") -> SpiffsFile | None:
        """A descriptor, or None (no such file for r/r+, bad name, 4 already open, volume full)."""
        name = self._lookup(path)
        if name is None or len(self._open) >= MAX_OPEN_FILES:
            return None
        readable, writable, create, truncate, append = {
            b"r": (True, False, False, False, False), b"w": (False, True, True, True, False),
            b"a": (False, True, True, False, True), b"r+": (True, True, False, False, False),
            b"w+": (True, True, True, True, False), b"a+": (True, True, True, False, True),
        }.get(as_bytes(mode), (True, False, False, False, False))
        inode = self._files.get(name)
        if inode is None:
            if not create or self._used_pages() + 1 > self.geometry.total // DATA_PAGE_SIZE:
                return None
            inode = self._files[name] = _Inode(name)
            self._commit(inode)                 # the object header exists from open on
        elif truncate and inode.content:
            inode.content = bytearray()
            inode.dirty = True
        handle = SpiffsFile(self, inode, readable, writable, append)
        self._open.append(handle)
        return handle

    def list(self) -> dict[bytes, int] | None:
        """name -> size of every file (file.list before pattern filtering); None if unmounted."""
        if self.geometry is None:
            return None
        return {name: len(inode.content) for name, inode in sorted(self._files.items())}

    def exists(self, path: bytes) -> bool:
        name = self._lookup(path)
        return name is not None and name in self._files

    def stat(self, path: bytes) -> tuple[bytes, int] | None:
        """(name, size) for file.stat, or None."""
        name = self._lookup(path)
        if name is None or name not in self._files:
            return None
        return name, len(self._files[name].content)

    def remove(self, path: bytes) -> None:
        """Delete a file; silently nothing when it is missing or all descriptors are in use."""
        name = self._lookup(path)
        if name is None or name not in self._files or len(self._open) >= MAX_OPEN_FILES:
            return
        inode = self._files.pop(name)
        for handle in [h for h in self._open if h._inode is inode]:
            handle._invalidate()
            self._open.remove(handle)
        if inode.on_disk:
            self._store.delete(name)

    def rename(self, old_path: bytes, new_path: bytes) -> bool:
        """file.rename: False if `old` is missing, `new` exists, or all descriptors are in use."""
        old, new = self._lookup(old_path), self._lookup(new_path)
        if old is None or new is None or old not in self._files or new in self._files \
                or len(self._open) >= MAX_OPEN_FILES:
            return False
        inode = self._files.pop(old)
        inode.name = new
        self._files[new] = inode
        if inode.on_disk:
            self._store.rename(old, new)
        return True

    def open_count(self) -> int:
        return len(self._open)

    # -- whole-file helpers (node.compile, LFS reload, the console's tests) ---------------------

    def read_file(self, path: bytes) -> bytes | None:
        name = self._lookup(path)
        if name is None or name not in self._files:
            return None
        return bytes(self._files[name].content)

    def write_file(self, path: bytes, data: bytes) -> bool:
        """Replace a file's content in one step (opens "w+", writes, closes)."""
        handle = self.open(path, b"w+")
        if handle is None:
            return False
        ok = handle.write(data)
        handle.close()
        return ok
