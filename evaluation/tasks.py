from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from evaluation import alerts, drift_reports, online, rollups, runs
from evaluation.models import EvalRun, GoldenSet
from providers.llm import LLMUnavailable


@shared_task(acks_late=True)
def run_evaluation_task(run_id: int) -> None:
    """Answer and score a run's items. Safe to deliver twice: finished items are skipped."""
    runs.execute_eval_run(run_id=run_id)


@shared_task
def nightly_evaluation_task() -> list[int]:
    """A full run of every golden set, compared with its last full run."""
    return [
        runs.start_eval_run(golden_set=golden_set, trigger=EvalRun.Trigger.NIGHTLY).pk
        for golden_set in GoldenSet.objects.all()
    ]


@shared_task
def evaluate_changed_documents_task() -> list[int]:
    """Re-run the golden items whose relevant documents changed since the last such sweep."""
    started = []
    for golden_set in GoldenSet.objects.all():
        last = golden_set.runs.filter(trigger=EvalRun.Trigger.KB_CHANGE).order_by("-created_at")
        since = last.values_list("created_at", flat=True).first() or golden_set.created_at
        item_ids = runs.items_for_changed_documents(golden_set, since=since)
        if item_ids:
            run = runs.start_eval_run(
                golden_set=golden_set, trigger=EvalRun.Trigger.KB_CHANGE, item_ids=item_ids
            )
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
