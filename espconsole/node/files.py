"""File and code operations on the node: exec with output capture, download, listing, remove, rename, whole-file checksum.

Download (serial-protocol.md §6.6, simplified): the node streams the file as frames in the
upload format (`_EC.tx`), a few per task; the host checks each frame, then asks again only for
the frames it is missing or found damaged, and finally compares the whole-file Adler-32 that
the node computes (`_EC.h`).  The host never overruns, so the node needs no flow control.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from espconsole.node import framing, snippets
from espconsole.node.errors import NodeError, NodeTimeout, RemoteError, TransferError
from espconsole.node.upload import check_name, transfer

DOWNLOAD_IDLE_TIMEOUT = 3.0
REPAIR_ROUNDS = 5
CHECKSUM_RATE = 20000.0       # bytes a second the node's checksum loop reads, at least
REQUEST_TRIES = 4              # a read-only request lost or damaged on the wire is sent again


@dataclass
class ExecResult:
    output: bytes          # what the code printed, line ends as LF

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


@dataclass
class Listing:
    files: dict[str, int] = field(default_factory=dict)
    remaining: int = 0
    used: int = 0
    total: int = 0

    @property
    def fsinfo(self) -> tuple[int, int, int]:
        """(remaining, used, total) bytes, as file.fsinfo() reports them."""
        return self.remaining, self.used, self.total


def _normalise(output: bytes) -> bytes:
    return output.replace(b"\r\n", b"\n")


def _trim_traceback(message: str) -> str:
    """Drop the frames that belong to the helper (everything from xpcall on)."""
    lines = message.split("\n")
    for i, line in enumerate(lines):
        if "in function 'xpcall'" in line:
            return "\n".join(lines[:i]).rstrip()
    return message.rstrip()


def exec_code(client, code: str | bytes, timeout: float = 10.0,
              on_output: Callable[[bytes], None] | None = None) -> ExecResult:
    """Run a Lua chunk on the node; returns its output, raises RemoteError on a Lua error.

    A leading `=` means "return this expression", as at the REPL.  Code that fits on one REPL
    line travels inline; longer code is uploaded into the node's memory first (framed and
    checksummed), then compiled there.
    """
    if isinstance(code, str):
        code = code.encode("utf-8")
    if code.startswith(b"="):
        code = b"return " + code[1:]
    with client.operation("running code"):
        inline = snippets.exec_code("000000", code)
        if len(inline) <= snippets.MAX_LINE:
            client.ensure_helper("bx")

            def build(nonce: str) -> str:
                return snippets.exec_code(nonce, code)
        else:
            client.ensure_helper("bux")
            transfer(client, code, "")

            def build(nonce: str) -> str:
                return snippets.exec_code(nonce, None)
        for attempt in range(3):
            nonce = client.new_nonce()
            client.begin_reading()
            client.send_line(build(nonce))
            try:
                tag, text, _, begin = client.wait_record(nonce)
                break
            except NodeTimeout:
                # Lost line (safe to send again) or lost reply (the code ran): ask the node.
                client.mark_dirty()
                _, started, _ = client.command(snippets.last_exec, groups="bx")
                if started.decode("ascii", "replace") == nonce or attempt == 2:
                    raise NodeTimeout("the node did not report back from the code (its output "
                                      "was lost on the way)") from None
        if tag != "B":
            raise RemoteError(text.decode("utf-8", "replace"))
        return _collect_output(client, nonce, begin, timeout, on_output)


def _collect_output(client, nonce: str, position: int, timeout: float, on_output) -> ExecResult:
    received = client.received
    delivered = position
    deadline = time.monotonic() + timeout
    while True:
        found = client.find_record(nonce, position)
        stop = found[2] if found is not None else received.find(b"\x02", delivered)
        if stop < 0:
            stop = len(received)
        if on_output is not None and stop > delivered:
            on_output(_normalise(bytes(received[delivered:stop])))
            delivered = stop
        if found is not None:
            tag, text, start, end = found
            output = _normalise(bytes(received[position:start]))
            del received[:end]
            message = text.decode("utf-8", "replace")
            if tag == "K":
                return ExecResult(output)
            raise RemoteError(_trim_traceback(message), output)
        if client.boot_in(received[position:]):
            client.mark_dirty()
            raise RemoteError("the node rebooted while running the code",
                              _normalise(bytes(received[position:])))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            client.mark_dirty()
            raise NodeTimeout(f"the code did not finish within {timeout:g} s")
        client.fill(remaining)


def list_files(client) -> Listing:
    with client.operation("listing files"):
        tag, data, _ = client.command(snippets.list_files, groups="bl")
    if tag != "L":
        raise NodeError(f"listing failed: {data.decode('utf-8', 'replace')}")
    head, *rest = data.split(b"\0")
    remaining, used, total = (int(float(v)) for v in head.split())
    files = {}
    for i in range(0, len(rest) - 1, 2):
        files[rest[i].decode("utf-8", "replace")] = int(float(rest[i + 1]))
    return Listing(dict(sorted(files.items())), remaining, used, total)


def file_checksum(client, name: str, size: int | None = None) -> tuple[int, int, int] | None:
    """(size, Adler A, Adler B) of a node file, or None when there is no such file.  A reply
    that is not well formed (damaged on the wire) is asked for again.  `size`, when known,
    bounds the wait for a reply (the node reads the whole file first)."""
    if size is None:
        timeout = max(client.reply_timeout, 30.0)
    else:
        timeout = client.reply_timeout + size / CHECKSUM_RATE
    with client.operation(f"checking {name}"):
        for _ in range(REQUEST_TRIES):
            tag, data, _ = client.command(lambda n: snippets.file_checksum(n, name), groups="bh",
                                          timeout=timeout)
            if tag == "F" and data == f"no such file: {name}".encode("utf-8"):
                return None
            parsed = _numbers(data, 3) if tag == "C" else None
            if parsed is not None:
                return parsed[0], parsed[1], parsed[2]
            client.mark_dirty()
        raise NodeError(f"checksum of {name} failed: {_last_words(tag, data)}")


def _numbers(data: bytes, count: int) -> tuple[int, ...] | None:
    """`count` space-separated decimal numbers, or None (a damaged reply)."""
    fields = data.split(b" ")
    if len(fields) != count or not all(field.isdigit() for field in fields):
        return None
    return tuple(int(field) for field in fields)


def _last_words(tag: str, data: bytes) -> str:
    text = data.decode("utf-8", "replace").replace("\n", " ").replace("\r", " ")
    return text if tag == "F" and text else "the node's replies kept arriving damaged"


def remove_file(client, name: str) -> None:
    check_name(name)
    result = exec_code(client, snippets.remove_file(name))
    if result.output.strip() != b"true":
        raise NodeError(f"could not remove {name}")


def rename_file(client, old: str, new: str) -> None:
    check_name(old)
    check_name(new)
    result = exec_code(client, snippets.rename_file(old, new))
    if result.output.strip() != b"true":
        raise NodeError(f"could not rename {old} to {new} (missing, or {new} exists)")


def download_file(client, name: str, progress=None) -> bytes:
    """The bytes of node file `name`, verified frame by frame and as a whole."""
    check_name(name)
    with client.operation(f"downloading {name}"):
        client.ensure_helper("bdh")
        pieces: dict[int, bytes] = {}
        size = _stream(client, name, 0, 1 << 30, pieces, None, progress)
        count = -(-size // snippets.DOWNLOAD_CHUNK)
        for _ in range(REPAIR_ROUNDS):
            missing = [i for i in range(count) if i not in pieces]
            if not missing:
                break
            for first, run in _runs(missing):
                _stream(client, name, first, run, pieces, size, progress)
        data = b"".join(pieces.get(i, b"") for i in range(count))
        if len(data) != size or any(i not in pieces for i in range(count)):
            raise TransferError(f"download of {name} failed: frames kept arriving damaged")
        expected = (size, *framing.adler_parts(data))
        # A checksum reply damaged on the wire can still look well formed: ask once more
        # before calling the download bad.
        for _ in range(2):
            if file_checksum(client, name, size) == expected:
                return data
        raise TransferError(f"download of {name} failed: the whole-file checksum differs "
                            f"(did the file change meanwhile?)")


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][0] + runs[-1][1] == index:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((index, 1))
    return runs


def _request(client, name: str, first: int, count: int) -> tuple[str, int]:
    """Start the node's stream of frames first .. first+count-1; returns (nonce, file size).
    The request only reads, so a lost or damaged line or reply is simply sent again."""
    tag, message = "", b""
    for attempt in range(REQUEST_TRIES):
        if attempt:
            client.mark_dirty()             # a stream may still be running: resync first
            client.ensure_helper("bdh")
        nonce = client.new_nonce()
        client.begin_reading()
        client.send_line(snippets.download(nonce, name, first, count))
        try:
            tag, message, _, end = client.wait_record(nonce, watch_boot=False)
        except NodeTimeout:
            continue
        if tag == "T":
            sizes = _numbers(message, 2)
            if sizes is not None and sizes[0] == sizes[1]:
                del client.received[:end]
                return nonce, sizes[0]
        elif tag == "F" and message == f"no such file: {name}".encode("utf-8"):
            raise TransferError(f"download of {name} failed: no such file on the node")
    raise TransferError(f"download of {name} failed: {_last_words(tag, message)}")


def _stream(client, name: str, first: int, count: int, pieces: dict[int, bytes],
            size: int | None, progress) -> int:
    """Ask for frames first .. first+count-1 and keep the good ones; returns the file size."""
    nonce, announced = _request(client, name, first, count)
    if size is None:
        size = announced
    elif announced != size:
        raise TransferError(f"download of {name} failed: the file changed during the download")
    last = min(first + count, -(-size // snippets.DOWNLOAD_CHUNK))
    received = client.received
    expect = first
    last_activity = time.monotonic()
    while True:
        cut = received.find(bytes((framing.END,)))
        while cut >= 0:
            parsed = framing.parse_frame(bytes(received[:cut]))
            del received[:cut + 1]
            if parsed is not None:
                seq, length, payload = parsed
                index = expect + ((seq - expect) % 256)
                if index < last:
                    pieces[index] = payload
                    expect = index + 1
                    if progress is not None:
                        progress(min(size, sum(len(p) for p in pieces.values())), size)
            cut = received.find(bytes((framing.END,)))
        found = client.find_record(nonce)
        if found is not None:
            tag, text, _, end = found
            del received[:end]
            if tag != "D":
                client.mark_dirty()         # a damaged end record: repair asks again
            return size
        if time.monotonic() - last_activity > DOWNLOAD_IDLE_TIMEOUT:
            client.mark_dirty()
            return size                     # the repair rounds ask again for what is missing
        if client.fill(DOWNLOAD_IDLE_TIMEOUT):
            last_activity = time.monotonic()
