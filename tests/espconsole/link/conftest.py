"""Fixtures for link tests: leak checks (threads, file descriptors) and a loopback TCP echo server."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest


def _open_fds() -> set[str]:
    try:
        return set(os.listdir("/proc/self/fd"))
    except FileNotFoundError:          # not Linux: thread checks only
        return set()


@pytest.fixture(autouse=True)
def no_leaks():
    """Every link test must stop the threads and close the descriptors it started."""
    threads_before = set(threading.enumerate())
    fds_before = _open_fds()
    yield
    deadline = time.monotonic() + 3.0
    while True:
        extra = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not extra, f"threads left running: {extra}"
    leaked = {fd for fd in _open_fds() - fds_before if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not leaked, f"file descriptors left open: {leaked}"


class EchoServer:
    """TCP echo server on 127.0.0.1 that can cut its clients off and take them back."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.accepting = threading.Event()
        self.accepting.set()
        self.stopped = threading.Event()
        self.connections: list[socket.socket] = []
        self.accepted = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, name="echo server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            if not self.accepting.is_set():
                conn.close()
                continue
            conn.settimeout(0.05)
            with self.lock:
                self.connections.append(conn)
                self.accepted += 1
            threading.Thread(target=self._echo, args=(conn,), name="echo conn", daemon=True).start()

    def _echo(self, conn: socket.socket) -> None:
        while not self.stopped.is_set():
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            try:
                conn.sendall(data)
            except OSError:
                return

    def drop_clients(self) -> None:
        """Close every accepted connection (the far end vanishes)."""
        with self.lock:
            connections, self.connections = self.connections, []
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.drop_clients()
        self.thread.join()
        self.listener.close()
        deadline = time.monotonic() + 2
        while any(t.name == "echo conn" and t.is_alive() for t in threading.enumerate()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)


@pytest.fixture
def echo_server():
    server = EchoServer()
    yield server
    server.stop()
