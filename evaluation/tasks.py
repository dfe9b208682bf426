from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from evaluation import alerts, drift_reports, online, rollups, runs
from evaluation.models import EvalRun, GoldenSet
from providers.llm import LLMUnavailable

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_evaluation_task(run_id: int) -> None:
    """Answer and score a run's items. Safe to deliver twice: finished items are skipped."""
    runs.execute_eval_run(run_id=run_id)


@shared_task
def nightly_evaluation_task() -> list[int]:
    """A full run of every golden set, compared with its last full run, searching as the set's
    creator; sets whose creator cannot read all of them are skipped (logged)."""
    started = []
    for golden_set in GoldenSet.objects.select_related("created_by"):
        run = _start_as_creator(golden_set=golden_set, trigger=EvalRun.Trigger.NIGHTLY)
        if run is not None:
            started.append(run.pk)
    return started


def _start_as_creator(
    *, golden_set: GoldenSet, trigger: EvalRun.Trigger, item_ids: list[int] | None = None
) -> EvalRun | None:
    try:
        return runs.start_eval_run(
            golden_set=golden_set,
            trigger=trigger,
            started_by=golden_set.created_by,
            item_ids=item_ids,
        )
    except runs.RunRefused as exc:
        logger.warning("%s run of golden set %s skipped: %s", trigger, golden_set.pk, exc)
        return None


@shared_task
def evaluate_changed_documents_task() -> list[int]:
    """Re-run the golden items whose relevant documents changed since the last such sweep."""
    started = []
    for golden_set in GoldenSet.objects.select_related("created_by"):
        last = golden_set.runs.filter(trigger=EvalRun.Trigger.KB_CHANGE).order_by("-created_at")
        since = last.values_list("created_at", flat=True).first() or golden_set.created_at
        item_ids = runs.items_for_changed_documents(golden_set, since=since)
        if item_ids:
            run = _start_as_creator(
                golden_set=golden_set, trigger=EvalRun.Trigger.KB_CHANGE, item_ids=item_ids
            )
            if run is not None:
                started.append(run.pk)
    return started


@shared_task
def score_live_answers_task() -> int:
    """Online evaluation: score the sampled share of recent live answers."""
    return online.score_live_answers()


@shared_task
def refresh_monitoring_task() -> int:
    """Today's and yesterday's rollups, then today's alerts. Safe to re-run."""
    rollups.update_rollups()
    return len(alerts.check_alerts(day=rollups.local_today()))


@shared_task(
    autoretry_for=(LLMUnavailable,), retry_backoff=True, max_retries=5, soft_time_limit=900
)
def daily_monitoring_task() -> int:
    """After midnight: the last week's rollups (late feedback), yesterday's drift and alerts."""
    yesterday = rollups.local_today() - timedelta(days=1)
    rollups.update_rollups(days=[yesterday - timedelta(days=n) for n in range(7)])
    drift_reports.compute_drift(day=yesterday)
    return len(alerts.check_alerts(day=yesterday))
