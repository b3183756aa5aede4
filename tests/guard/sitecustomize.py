"""Loaded by every Python process the tests start: no connection may leave 127.0.0.1.

A connection to any other address raises ``ConnectionRefusedError`` and is
written to the file named by ``MIRROR_TEST_GUARD_LOG``, so the test that
caused it fails even when the code under test handled the error.
"""

from __future__ import annotations

import os
import socket

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _allowed(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX sockets (git, multiprocessing) stay on this machine
    return str(address[0]) in LOOPBACK


def _refuse(what: object) -> None:
    log = os.environ.get("MIRROR_TEST_GUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {what!r}\n")
    raise ConnectionRefusedError(f"test guard: {what!r} is not 127.0.0.1")


def connect(self: socket.socket, address: object) -> None:
    if not _allowed(address):
        _refuse(address)
    return _connect(self, address)


def connect_ex(self: socket.socket, address: object) -> int:
    if not _allowed(address):
        _refuse(address)
    return _connect_ex(self, address)


def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    if host not in (None, *LOOPBACK) and not str(host).startswith("127."):
        _refuse(host)
    return _getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


def install() -> None:
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


install()
