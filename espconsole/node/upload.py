"""Framed, binary-safe upload to the node (serial-protocol.md §6.3–6.5): go-back-N sender with ACK/NAK, retransmission and a verified end.

Sequence: arm the node's receiver with `_EC.rx` (target, size, Adler-32, watchdog; the node
refuses a damaged command line) and wait for its READY record; then send frames keeping at
most `window` frames without a reply (so the node's 256-byte receive ring never holds more
than one frame while it works on another); a NAK or a silent interval sends again from the
oldest frame the node lacks; after the last ACK the LEN=0 frame makes the node compare size
and whole-file checksum, rename the temporary file over the target and report DONE.  Anything
else is reported as `TransferError` and the target on the node is left as it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from espconsole.node import framing, snippets
from espconsole.node.errors import NodeError, NodeRebooted, NodeTimeout, TransferError

MAX_SILENT_INTERVALS = 6       # consecutive reply timeouts before giving up
MIN_ACK_TIMEOUT = 1.0        # spurious resends under host load cost more than waiting
ARM_ATTEMPTS = 5
ARM_TIMEOUT = 2.0            # below the node's watchdog, so a lost READY is retried cleanly
MAX_NAME = 31


@dataclass
class UploadResult:
    name: str
    size: int
    seconds: float = 0.0
    frames: int = 0
    sent: int = 0                # frames written, retransmissions included
    naks: int = 0
    timeouts: int = 0
    skipped: bool = False        # the node already held the same bytes

    @property
    def rate(self) -> float:
        """Payload bytes per second of the transfer itself."""
        return self.size / self.seconds if self.seconds > 0 else 0.0


def check_name(name: str) -> None:
    encoded = name.encode("utf-8")
    if not encoded or b"\0" in encoded:
        raise NodeError(f"invalid file name on the node: {name!r}")
    if len(encoded) > MAX_NAME:
        raise NodeError(f"file name too long for SPIFFS (max {MAX_NAME} bytes): {name}")
    if name == snippets.TEMP_NAME:
        raise NodeError(f"{name} is the name the uploader uses for its temporary file")


def upload_bytes(client, data: bytes, name: str, progress=None, *, skip_if_same: bool = False,
                 window: int | None = None) -> UploadResult:
    """Store `data` as file `name` on the node; returns figures about the transfer."""
    check_name(name)
    with client.operation(f"uploading {name}"):
        if skip_if_same and client.query(snippets.file_size(name)) == str(len(data)):
            # same size (a cheap query): worth the whole-file checksum on the node; the
            # checksum and the receiver go on in one install
            from espconsole.node.files import file_checksum
            client.ensure_helper("bhu")
            held = file_checksum(client, name)
            if held == (len(data), *framing.adler_parts(data)):
                if progress is not None:
                    progress(len(data), len(data))
                return UploadResult(name, len(data), skipped=True)
        return transfer(client, data, name, progress, window)


def transfer(client, data: bytes, target: str, progress=None, window: int | None = None) -> UploadResult:
    """The framed transfer itself (`target` "" keeps the bytes in the node's memory, for exec)."""
    what = f"upload of {target}" if target else "upload of the code"
    nonce = _arm(client, data, target, what)
    started = time.monotonic()
    sender = _Sender(client, data, nonce, progress, window or client.window)
    try:
        tag, text = sender.run()
    except NodeRebooted:
        client.mark_dirty()
        raise TransferError(f"{what} failed: the node rebooted during the transfer "
                            f"(the file on the node is unchanged)") from None
    except NodeTimeout:
        # Either the node is gone, or only its final report was lost: stop any receiver,
        # then ask the node what became of this transfer.
        _abort(client)
        status = _last_status(client, nonce)
        if status is None or not status.startswith(f"D{nonce}:"):
            raise TransferError(f"{what} failed: the node stopped answering "
                                f"(the file on the node is unchanged)") from None
        tag, text = "D", status.split(":", 1)[1]
    except BaseException:
        _abort(client)
        raise
    result = UploadResult(target, len(data), time.monotonic() - started, len(sender.frames),
                          sender.sent, sender.naks, sender.timeouts)
    if tag != "D":
        raise TransferError(f"{what} failed: {text} (the file on the node is unchanged)")
    expected = f"{len(data)} {' '.join(map(str, framing.adler_parts(data)))}"
    if text != expected:
        # The report itself may have been damaged on the way back: ask the node again.
        if _last_status(client, nonce) != f"D{nonce}:{expected}":
            raise TransferError(f"{what} failed: the node reported {text!r}, expected {expected!r}")
    return result


def _arm(client, data: bytes, target: str, what: str) -> str:
    adler = framing.adler_parts(data)
    for attempt in range(ARM_ATTEMPTS):
        client.ensure_helper("bu")
        nonce = client.new_nonce()
        client.begin_reading()
        client.send_line(snippets.arm_receiver(target, len(data), adler, nonce, client.watchdog))
        try:
            tag, text, _, end = client.wait_record(nonce, ARM_TIMEOUT)
        except NodeTimeout:
            client.mark_dirty()            # line or reply damaged: resync (disarms) and retry
            continue
        del client.received[:end]
        if tag == "R":
            client.mark_dirty()            # binary mode until the node reports the end
            return nonce
        message = text.decode("utf-8", "replace")
        if message == "damaged command" or tag == "A":
            client.mark_dirty()
            continue
        raise TransferError(f"{what} failed: {message}")
    raise TransferError(f"{what} failed: the node did not arm its receiver")


def _abort(client) -> None:
    """Stop an armed receiver (best effort; its watchdog would do the same a little later)."""
    try:
        client.write(bytes((framing.END,)) + framing.abort_frame())
    except Exception:
        pass
    client.mark_dirty()


def _last_status(client, nonce: str) -> str | None:
    try:
        client.ensure_helper("b")
        _, data, _ = client.command(lambda n: snippets.transfer_status(n))
    except NodeError:
        return None
    return data.decode("utf-8", "replace")


class _Sender:
    """Go-back-N over the frames of one file; `run()` returns the node's final (tag, text)."""

    def __init__(self, client, data: bytes, nonce: str, progress, window: int):
        self.client = client
        self.nonce = nonce
        self.progress = progress
        self.window = max(1, window)
        payloads = framing.split_payloads(data)
        self.frames = [framing.encode_frame(i, p) for i, p in enumerate(payloads)]
        self.frames.append(framing.encode_frame(len(payloads), b""))
        self.offsets = [0]
        for payload in payloads:
            self.offsets.append(self.offsets[-1] + len(payload))
        self.total = len(data)
        self.sent = self.naks = self.timeouts = 0
        frame_time = framing.MAX_WIRE_FRAME * 10 / max(1, client.link.baud)
        self.ack_timeout = max(MIN_ACK_TIMEOUT, 8 * frame_time)

    def _resolve(self, seq: int, base: int, next_: int) -> int | None:
        last = len(self.frames) - 1
        for index in range(max(0, base - 16), min(last, next_) + 1):
            if index % 256 == seq:
                return index
        return None

    def run(self) -> tuple[str, str]:
        client, frames = self.client, self.frames
        last = len(frames) - 1
        base = next_ = outstanding = stale = silent = 0
        end_sends = 0
        scan = 0
        last_activity = time.monotonic()
        reported = -1
        while True:
            while next_ <= last and next_ - base < self.window and outstanding < self.window:
                if next_ == last:
                    if base < last or end_sends >= 3:
                        break
                    end_sends += 1
                client.write(frames[next_])
                next_ += 1
                outstanding += 1
                self.sent += 1
            if base != reported and self.progress is not None:
                reported = base
                self.progress(self.offsets[min(base, last)], self.total)
            client.fill(max(0.0, last_activity + self.ack_timeout - time.monotonic()))
            received = client.received
            found = client.find_record(self.nonce)
            if found is not None:
                tag, text, _, end = found
                del received[:end]
                if tag == "D" and end_sends <= 1:
                    client.mark_clean()        # back in the REPL and nothing stray was sent
                if self.progress is not None and tag == "D":
                    self.progress(self.total, self.total)
                return tag, text.decode("utf-8", "replace")
            if client.boot_in(received):
                raise NodeRebooted("rebooted")
            replies = framing.find_replies(received[scan:])
            if replies:
                scan += replies[-1][2]
                last_activity = time.monotonic()
                silent = 0
            for kind, seq, _ in replies:
                outstanding = max(0, outstanding - 1)
                was_stale = stale > 0
                stale = max(0, stale - 1)
                index = self._resolve(seq, base, next_)
                if index is None:
                    continue
                if kind == framing.ACK:
                    if index >= base and index < last:
                        base = index + 1
                    continue
                self.naks += 1
                if index < base or not was_stale:
                    base = index
                    if next_ > base:
                        stale = outstanding
                        next_ = base
                else:
                    base = max(base, index)
            if time.monotonic() - last_activity >= self.ack_timeout:
                silent += 1
                self.timeouts += 1
                if silent > MAX_SILENT_INTERVALS or (end_sends >= 3 and base == last):
                    raise NodeTimeout("the node stopped answering")
                outstanding = stale = 0
                next_ = base
                last_activity = time.monotonic()
