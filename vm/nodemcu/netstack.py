"""The board's TCP/IP stack on the host: real loopback sockets served by one helper thread, events handed to the board's Lua thread; counterpart of the lwIP TCP layer the SDK links in (lwip/app/espconn and lwip/core/tcp*.c).

Only 127.0.0.1 is ever used.  The Lua thread calls `connect`, `listen`, `send`, `hold` and
`close`; these only queue commands.  The helper thread owns every socket and the selector; what
happens on a socket (connected, data, all bytes of a send written, closed, accepted) becomes an
event posted through `post(fn)` — the board's `host_call` — so that the binding's handlers, and
the Lua callbacks they make, run on the Lua thread between tasks, one at a time.

Event handlers are plain callables set on `Conn.handler` / `Listener.handler`:
``handler(kind, *values)`` with kind ``connected``, ``data`` (bytes, at most `MSS`), ``sent``,
``closed`` (an lwIP error code: 0 for the peer's orderly close, `ERR_RST` when refused or
reset) or, for a listener, ``accepted`` (a new Conn).  After `shutdown()` nothing is posted.
"""

from __future__ import annotations

import errno
import selectors
import socket
import threading
from collections import deque

LOOPBACK = "127.0.0.1"
MSS = 1460                    # TCP_MSS: the largest piece one receive callback gets
ERR_OK, ERR_ABRT, ERR_RST = 0, -8, -9


class Conn:
    """One TCP connection (client or accepted)."""

    def __init__(self, sock: socket.socket | None = None):
        self.sock = sock
        self.handler = None
        self.connecting = sock is None
        self.out: deque = deque()          # [bytearray, notify] pieces still to write
        self.hold = False
        self.closing = False               # close once everything queued is written
        self.dead = False
        self.local = (LOOPBACK, 0)
        self.remote = (LOOPBACK, 0)


class Listener:
    def __init__(self, sock: socket.socket, port: int):
        self.sock = sock
        self.port = port                   # the real port on 127.0.0.1
        self.handler = None
        self.dead = False


class NetStack:
    """The sockets of one boot.  `post(fn)` must run fn on the Lua thread."""

    def __init__(self, post):
        self._post = post
        self._lock = threading.Lock()
        self._commands: deque = deque()
        self._thread: threading.Thread | None = None
        self._selector = None
        self._wake_r = self._wake_w = None
        self.closed = False

    # -- Lua-thread side ---------------------------------------------------------------------

    def connect(self, port: int) -> Conn:
        conn = Conn()
        self._command(("connect", conn, port))
        return conn

    def listen(self, port: int) -> Listener:
        """Bind 127.0.0.1:`port`, or a free port when that one cannot be had (privileged or
        taken); raises OSError when no socket can be made."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                sock.bind((LOOPBACK, 0))
            sock.listen(5)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        listener = Listener(sock, sock.getsockname()[1])
        self._command(("listen", listener))
        return listener

    def send(self, conn: Conn, data: bytes) -> None:
        self._command(("send", conn, bytes(data)))

    def set_hold(self, conn: Conn, hold: bool) -> None:
        self._command(("hold", conn, hold))

    def close(self, item) -> None:
        """Close a Conn after its queued bytes are out (no event follows), or a Listener."""
        self._command(("close", item))

    def shutdown(self) -> None:
        """Close every socket and stop the helper thread (the chip resets)."""
        with self._lock:
            self.closed = True
            thread = self._thread
        if thread is not None:
            self._wake()
            if thread is not threading.current_thread():
                thread.join(5.0)

    # -- plumbing ----------------------------------------------------------------------------

    def _command(self, command) -> None:
        with self._lock:
            if self.closed:
                return
            self._commands.append(command)
            if self._thread is None:
                self._selector = selectors.DefaultSelector()
                self._wake_r, self._wake_w = socket.socketpair()
                self._wake_r.setblocking(False)
                self._selector.register(self._wake_r, selectors.EVENT_READ, None)
                self._thread = threading.Thread(target=self._run, name="nodemcu net", daemon=True)
                self._thread.start()
        self._wake()

    def _wake(self) -> None:
        try:
            if self._wake_w is not None:
                self._wake_w.send(b"x")
        except OSError:
            pass

    def _emit(self, target, kind: str, *values) -> None:
        def deliver():
            if not self.closed and target.handler is not None:
                target.handler(kind, *values)
        with self._lock:
            if self.closed:
                return
        self._post(deliver)

    # -- helper thread -----------------------------------------------------------------------

    def _run(self) -> None:
        sel = self._selector
        try:
            while True:
                with self._lock:
                    if self.closed:
                        break
                    commands, self._commands = self._commands, deque()
                for command in commands:
                    self._apply(command)
                for key, mask in sel.select(1.0):
                    if key.data is None:
                        try:
                            self._wake_r.recv(4096)
                        except OSError:
                            pass
                    elif isinstance(key.data, Listener):
                        self._accept(key.data)
                    else:
                        self._service(key.data, mask)
        finally:
            for key in list(sel.get_map().values()):
                try:
                    key.fileobj.close()
                except OSError:
                    pass
            sel.close()
            self._wake_w.close()

    def _interest(self, conn: Conn) -> None:
        if conn.dead or conn.sock is None:
            return
        mask = 0
        if not conn.hold and not conn.connecting:
            mask |= selectors.EVENT_READ
        if conn.connecting or conn.out:
            mask |= selectors.EVENT_WRITE
        sel = self._selector
        registered = conn.sock in sel.get_map()
        if mask and registered:
            sel.modify(conn.sock, mask, conn)
        elif mask:
            sel.register(conn.sock, mask, conn)
        elif registered:
            sel.unregister(conn.sock)

    def _apply(self, command) -> None:
        kind, target = command[0], command[1]
        if kind == "connect":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            target.sock = sock
            code = sock.connect_ex((LOOPBACK, command[2]))
            if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
                self._drop(target, ERR_RST)
                return
            self._interest(target)
        elif kind == "listen":
            self._selector.register(target.sock, selectors.EVENT_READ, target)
        elif kind == "send":
            if not target.dead:
                target.out.append([bytearray(command[2]), True])
                self._interest(target)
        elif kind == "hold":
            target.hold = command[2]
            self._interest(target)
        elif kind == "close":
            if isinstance(target, Listener):
                target.dead = True
                self._forget(target.sock)
            elif not target.dead:
                target.closing = True
                if not target.out or target.connecting:
                    self._drop(target, None)

    def _forget(self, sock) -> None:
        if sock is None:
            return
        if sock in self._selector.get_map():
            self._selector.unregister(sock)
        try:
            sock.close()
        except OSError:
            pass

    def _drop(self, conn: Conn, err: int | None) -> None:
        """The connection is gone; `err` None: closed by the node itself (no event)."""
        if conn.dead:
            return
        conn.dead = True
        self._forget(conn.sock)
        if err is not None:
            self._emit(conn, "closed", err)

    def _accept(self, listener: Listener) -> None:
        try:
            sock, _ = listener.sock.accept()
        except OSError:
            return
        sock.setblocking(False)
        conn = Conn(sock)
        conn.connecting = False
        conn.local, conn.remote = sock.getsockname()[:2], sock.getpeername()[:2]
        self._emit(listener, "accepted", conn)
        self._interest(conn)

    def _service(self, conn: Conn, mask: int) -> None:
        if conn.dead:
            return
        if conn.connecting and mask & selectors.EVENT_WRITE:
            code = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._drop(conn, ERR_RST)
                return
            conn.connecting = False
            conn.local, conn.remote = conn.sock.getsockname()[:2], conn.sock.getpeername()[:2]
            if conn.closing:
                self._drop(conn, None)
                return
            self._emit(conn, "connected")
            self._interest(conn)
            return
        if mask & selectors.EVENT_READ:
            try:
                data = conn.sock.recv(MSS)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                self._drop(conn, ERR_RST)
                return
            if data == b"":
                self._drop(conn, ERR_OK)
                return
            if data:
                self._emit(conn, "data", data)
        if mask & selectors.EVENT_WRITE and conn.out:
            piece = conn.out[0]
            try:
                written = conn.sock.send(piece[0])
            except (BlockingIOError, InterruptedError):
                written = 0
            except OSError:
                self._drop(conn, ERR_RST)
                return
            del piece[0][:written]
            if not piece[0]:
                conn.out.popleft()
                self._emit(conn, "sent")
            if not conn.out and conn.closing:
                self._drop(conn, None)
                return
        self._interest(conn)
