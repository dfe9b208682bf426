"""A real Celery worker process for end-to-end tests, pointed at the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
NODE_NAME = "test-worker@localhost"


def test_database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    password = quote(db.get("PASSWORD") or "", safe="")
    if host.startswith("/"):  # a Unix socket directory, as the embedded server uses
        return f"postgres://{db['USER']}:{password}@/{db['NAME']}?host={quote(host)}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}:{password}@{host}{port}/{db['NAME']}"


class Worker:
    def __init__(self, directory: Path, **extra_env: str) -> None:
        self.directory = directory
        self.log_path = directory / "worker.log"
        self.offline_log = directory / "network-attempts.log"
        self.offline_log.touch()
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "INGEST_SWEEP_INTERVAL": "2",
            "PYTHONPATH": str(ROOT / "tests" / "support" / "offline"),
            "OFFLINE_LOG": str(self.offline_log),
            **extra_env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ragapp",
                "worker",
                "--beat",
                "--schedule",
                str(self.directory / "beat-schedule"),
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                NODE_NAME,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log_tail()}")
            with self.log_path.open("rb") as handle:
                handle.seek(offset)
                if b" ready." in handle.read():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9 the whole worker: main process, pool children and parser processes."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def network_attempts(self) -> list[str]:
        return self.offline_log.read_text().splitlines()
