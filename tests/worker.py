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
            # Policies read afresh for every chunk scanned: the tests' database changes under
            # the worker (a transactional test's flush removes the shipped policies, the next
            # test's fixture puts them back), and a cached empty list quarantined nothing.
            GUARDRAIL_POLICY_SECONDS="0",
            PYTHONPATH=str(ROOT / "tests" / "support" / "offline"),
            OFFLINE_LOG=str(self.offline_log),
        )

    def network_attempts(self) -> list[str]:
        return self.offline_log.read_text().splitlines()
