"""The end-to-end tests' worker: a real Celery worker that may not reach the network."""

from __future__ import annotations

from pathlib import Path

from devtools.worker_process import ROOT, WorkerProcess


class Worker(WorkerProcess):
    def __init__(self, directory: Path) -> None:
        self.offline_log = directory / "network-attempts.log"
        self.offline_log.touch()
        super().__init__(
            directory,
            node_name="test-worker@localhost",
            INGEST_SWEEP_INTERVAL="2",
            PYTHONPATH=str(ROOT / "tests" / "support" / "offline"),
            OFFLINE_LOG=str(self.offline_log),
        )

    def network_attempts(self) -> list[str]:
        return self.offline_log.read_text().splitlines()
