"""Alerts: findings of a day (quality, drift, ingestion, stale documents), sent by e-mail or
webhook and acknowledged by ops."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, Max
from django.utils import timezone

from evaluation.comparison import regressions
from evaluation.guardrail_stats import blocks_by_category
from evaluation.metric_names import metric_label
from evaluation.models import Alert, DailyRollup, DriftReport
from evaluation.rollups import stale_documents
from evaluation.selectors import latest_done_runs, reference_run

logger = logging.getLogger(__name__)

# Online faithfulness of a day is judged only over at least this many scored answers.
MIN_SCORED_ANSWERS = 5


WEBHOOK_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Finding:
    kind: Alert.Kind
    key: str
    metric: str
    value: float | None
    threshold: float | None
    message: str


def _findings(day: date) -> list[Finding]:
    findings = []
    for run in latest_done_runs():
        baseline = reference_run(run)
        if baseline is None:
            continue
        for regression in regressions(run, baseline, tolerance=settings.EVAL_TOLERANCE):
            findings.append(
                Finding(
                    Alert.Kind.METRIC_DROP,
                    f"metric_drop:run-{run.pk}:{regression.metric}",
                    regression.metric,
                    regression.current,
                    regression.baseline,
                    f"{metric_label(regression.metric)} ({regression.metric}) of golden set "
                    f'"{run.golden_set.name}" went from '
                    f"{regression.baseline:.3f} to {regression.current:.3f} in run {run.pk} "
                    f"(baseline run {baseline.pk}).",
                )
            )
    overall = DailyRollup.objects.filter(day=day, collection__isnull=True, variant="").first()
    if (
        overall is not None
        and overall.scored >= MIN_SCORED_ANSWERS
        and overall.faithfulness is not None
        and overall.faithfulness < settings.ALERT_FAITHFULNESS_FLOOR
    ):
        findings.append(
            Finding(
                Alert.Kind.FAITHFULNESS,
                f"faithfulness:{day}",
                "faithfulness",
                overall.faithfulness,
                settings.ALERT_FAITHFULNESS_FLOOR,
                f"Online faithfulness on {day} was {overall.faithfulness:.2f} over "
                f"{overall.scored} scored answers, under the floor of "
                f"{settings.ALERT_FAITHFULNESS_FLOOR:.2f}.",
            )
        )
    if overall is not None and overall.documents_failed > settings.ALERT_MAX_FAILED_INGESTIONS:
        findings.append(
            Finding(
                Alert.Kind.INGESTION,
                f"ingestion:{day}",
                "documents_failed",
                overall.documents_failed,
                settings.ALERT_MAX_FAILED_INGESTIONS,
                f"{overall.documents_failed} document"
                f"{'s' if overall.documents_failed != 1 else ''} failed to ingest on {day}.",
            )
        )
    report = DriftReport.objects.filter(day=day).first()
    if report is not None:
        for metric, label in [
            ("query_psi", "question topics"),
            ("score_psi", "top retrieval scores"),
            ("feedback_psi", "feedback mix"),
        ]:
            value = getattr(report, metric)
            if value is not None and value > settings.ALERT_DRIFT_PSI:
                findings.append(
                    Finding(
                        Alert.Kind.DRIFT,
                        f"drift:{metric}:{day}",
                        metric,
                        value,
                        settings.ALERT_DRIFT_PSI,
                        f"The {label} of {day} drifted from the baseline "
                        f"({report.baseline_start} to {report.baseline_end}): PSI {value:.2f}.",
                    )
                )
    stale = stale_documents(on=day).aggregate(count=Count("pk"), newest=Max("ingested_at"))
    if stale["count"] > settings.ALERT_MAX_STALE_DOCUMENTS:
        # Keyed by the newest stale document, not the day: one alert when documents go stale,
        # not one a day while they stay so.
        findings.append(
            Finding(
                Alert.Kind.FRESHNESS,
                f"freshness:{stale['newest']:%Y-%m-%dT%H:%M:%S.%f}",
                "stale_documents",
                stale["count"],
                settings.ALERT_MAX_STALE_DOCUMENTS,
                f"{stale['count']} documents have not been re-ingested for more than "
                f"{settings.STALE_DOCUMENT_DAYS} days.",
            )
        )
    findings += _guardrail_jumps(day)
    return findings


def _guardrail_jumps(day: date) -> list[Finding]:
    """Blocks of one category on `day` at least ALERT_GUARDRAIL_MIN_BLOCKS and at least
    ALERT_GUARDRAIL_JUMP times the daily mean of the 7 days before: an attack, or a policy
    that started refusing what it should not."""
    findings = []
    for category, counts in sorted(blocks_by_category(day=day, days_before=7).items()):
        *before, today = counts
        mean = sum(before) / len(before)
        bound = max(settings.ALERT_GUARDRAIL_MIN_BLOCKS, settings.ALERT_GUARDRAIL_JUMP * mean)
        if today >= bound:
            findings.append(
                Finding(
                    Alert.Kind.GUARDRAIL_JUMP,
                    f"guardrail_jump:{category}:{day}",
                    f"blocks:{category}",
                    today,
                    bound,
                    f"{today} questions or answers were blocked as {category.replace('_', ' ')} "
                    f"on {day}, against {mean:.1f} a day over the week before.",
                )
            )
    return findings


def check_alerts(*, day: date) -> list[Alert]:
    """Raise the alerts that `day`'s figures call for, then send those not yet sent.

    Run after update_rollups and compute_drift for the same day. Safe to re-run: an alert is
    created once per key and sent once. Returns the alerts created by this call.
    """
    created = []
    for finding in _findings(day):
        alert, is_new = Alert.objects.get_or_create(
            key=finding.key,
            defaults={
                "kind": finding.kind,
                "metric": finding.metric,
                "value": finding.value,
                "threshold": finding.threshold,
                "message": finding.message,
            },
        )
        if is_new:
            created.append(alert)
    send_pending_alerts()
    return created


def send_pending_alerts() -> int:
    """E-mail and POST the alerts not yet sent, all in one message. Returns how many were sent.

    An alert is claimed (notified_at set) before sending, so two runs never send it twice; if
    every channel fails, the claim is released and the next run tries again. With no channel
    configured nothing is claimed: the dashboard shows the alerts as not sent.
    """
    channels = [
        channel
        for channel, configured in [
            (_send_email, bool(settings.ALERT_EMAILS)),
            (_post_webhook, bool(settings.ALERT_WEBHOOK_URL)),
        ]
        if configured
    ]
    if not channels:
        return 0
    now = timezone.now()
    claimed = [
        alert
        for alert in Alert.objects.filter(notified_at__isnull=True).order_by("created_at")
        if Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(notified_at=now)
    ]
    if not claimed:
        return 0
    # Every channel is tried, even after one has succeeded.
    delivered = [channel(claimed) for channel in channels]
    if not any(delivered):
        Alert.objects.filter(pk__in=[alert.pk for alert in claimed]).update(notified_at=None)
        return 0
    return len(claimed)


def _send_email(alerts: list[Alert]) -> bool:
    subject = f"[ragapp] {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    body = "\n\n".join(f"{alert.get_kind_display()}: {alert.message}" for alert in alerts)
    try:
        send_mail(subject, body + "\n", None, settings.ALERT_EMAILS)
    except Exception:
        logger.exception("sending %s alerts by e-mail failed", len(alerts))
        return False
    return True


def _post_webhook(alerts: list[Alert]) -> bool:
    payload = {
        "alerts": [
            {
                "id": alert.pk,
                "kind": alert.kind,
                "key": alert.key,
                "metric": alert.metric,
                "value": alert.value,
                "threshold": alert.threshold,
                "message": alert.message,
                "created_at": alert.created_at.isoformat(),
            }
            for alert in alerts
        ]
    }
    request = urllib.request.Request(
        settings.ALERT_WEBHOOK_URL,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        # The URL may hold a token: log the failure's type, not the URL.
        logger.warning("alert webhook failed for %s alerts: %s", len(alerts), type(exc).__name__)
        return False
    return True


def acknowledge_alert(*, alert: Alert, user) -> Alert:
    """Mark an alert as seen; acknowledging twice keeps the first acknowledgement."""
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=user
    )
    alert.refresh_from_db()
    return alert
