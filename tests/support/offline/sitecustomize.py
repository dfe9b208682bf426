"""Loaded by the test worker (PYTHONPATH): no connection may leave this machine.

Unix sockets and loopback (PostgreSQL, Redis) are allowed; anything else is refused and written
to $OFFLINE_LOG, so a test can assert that ingesting every format attempted no download.
"""

import os
import socket

_LOCAL = {"127.0.0.1", "::1", "localhost", None}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _record(target: object) -> None:
    with open(os.environ["OFFLINE_LOG"], "a") as log:
        log.write(f"{os.getpid()} {target!r}\n")


def _check(address: object) -> None:
    if isinstance(address, tuple) and address[0] not in _LOCAL:
        _record(address)
        raise OSError(f"network access blocked in tests: {address!r}")


def _connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL:
        _record(host)
        raise socket.gaierror(f"name resolution blocked in tests: {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


if os.environ.get("OFFLINE_LOG"):
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.getaddrinfo = _getaddrinfo
