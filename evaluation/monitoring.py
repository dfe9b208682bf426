"""Monitoring write side: daily rollups, drift reports and alerts.

The dashboard reads only what these functions write. Feedback, scores and ingestion events are
counted on the day of the answer they belong to (a cohort), so that every rate has its
numerator inside its denominator; feedback given after the recomputed window is picked up by
the nightly recompute of the last week.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from evaluation import drift
from evaluation.models import Alert, DailyRollup, DriftReport
from evaluation.selectors import latest_done_runs, reference_run
from evaluation.services import regressions
from ingestion.models import Document
from ragapp import llm

logger = logging.getLogger(__name__)

# Below this many questions in a window, a distribution (and its PSI) is noise, not drift.
MIN_DRIFT_QUESTIONS = 30
# Online faithfulness of a day is judged only over at least this many scored answers.
MIN_SCORED_ANSWERS = 5
DRIFT_TOPICS = 8
WEBHOOK_TIMEOUT_SECONDS = 5


def local_today() -> date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _runs_of_days(days: Iterable[date]) -> list[list[date]]:
    """Days grouped into runs of consecutive days, so each SQL statement scans one range."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


# Rollups -------------------------------------------------------------------------------------

# Aggregates of one group of answers; `answer` has one row per message with its feedback flags.
_ANSWER_AGGREGATES = """
    count(*) AS answers,
    count(*) FILTER (WHERE kind = 'no_answer') AS no_answers,
    sum(up) AS votes_up,
    sum(down) AS votes_down,
    count(*) FILTER (WHERE copied) AS answers_copied,
    count(*) FILTER (WHERE opened) AS answers_citation_opened,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS latency_p50_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms) AS latency_p95_ms,
    coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
    coalesce(sum(completion_tokens), 0) AS completion_tokens,
    coalesce(sum(cost), 0) AS cost,
    count(*) FILTER (WHERE scored) AS scored,
    avg(faithfulness) AS faithfulness,
    avg(answer_relevance) AS answer_relevance
"""

_ROLLUP_SQL = f"""
WITH msg AS (
    SELECT m.id, (m.created_at AT TIME ZONE %(tz)s)::date AS day, m.kind, m.variant,
           m.collection_ids, m.total_ms, m.prompt_tokens, m.completion_tokens, m.cost
    FROM ragapp_message m
    WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
),
feedback AS (
    SELECT e.message_id,
           count(*) FILTER (WHERE e.kind = 'vote' AND e.rating = 1) AS up,
           count(*) FILTER (WHERE e.kind = 'vote' AND e.rating = -1) AS down,
           bool_or(e.kind = 'copy') AS copied,
           bool_or(e.kind = 'citation_open') AS opened
    FROM feedback_feedbackevent e JOIN msg ON msg.id = e.message_id
    GROUP BY e.message_id
),
answer AS (
    SELECT msg.*, coalesce(f.up, 0) AS up, coalesce(f.down, 0) AS down,
           coalesce(f.copied, false) AS copied, coalesce(f.opened, false) AS opened,
           s.id IS NOT NULL AS scored, s.faithfulness, s.answer_relevance
    FROM msg
    LEFT JOIN feedback f ON f.message_id = msg.id
    LEFT JOIN evaluation_answerscore s ON s.message_id = msg.id
),
answer_rows AS (
    -- Overall and per variant. Answers outside any experiment (variant '') count overall only.
    SELECT day, NULL::bigint AS collection_id, coalesce(variant, '') AS variant,
           {_ANSWER_AGGREGATES}
    FROM answer
    GROUP BY GROUPING SETS ((day), (day, variant))
    HAVING grouping(variant) = 1 OR variant <> ''
    UNION ALL
    -- Per collection: an answer counts once for each collection it searched.
    SELECT day, c.id, '', {_ANSWER_AGGREGATES}
    FROM answer
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE jsonb_typeof(answer.collection_ids) WHEN 'array' THEN answer.collection_ids END
    ) AS searched(id)
    JOIN ingestion_collection c ON c.id = searched.id::bigint
    GROUP BY day, c.id
),
ingestion_rows AS (
    -- A published version counts on the day it became ready; a failed one on its upload day.
    SELECT day, collection_id, '' AS variant, sum(ingested) AS ingested,
           sum(failed) AS failed, sum(pages) AS pages
    FROM (
        SELECT (v.ready_at AT TIME ZONE %(tz)s)::date AS day, d.collection_id,
               1 AS ingested, 0 AS failed, coalesce(v.page_count, 1) AS pages
        FROM ingestion_documentversion v JOIN ingestion_document d ON d.id = v.document_id
        WHERE v.ready_at >= %(start)s AND v.ready_at < %(end)s
        UNION ALL
        SELECT (v.created_at AT TIME ZONE %(tz)s)::date, d.collection_id, 0, 1, 0
        FROM ingestion_documentversion v JOIN ingestion_document d ON d.id = v.document_id
        WHERE v.ready_at IS NULL AND v.error <> ''
          AND v.created_at >= %(start)s AND v.created_at < %(end)s
    ) AS events
    GROUP BY GROUPING SETS ((day), (day, collection_id))
)
INSERT INTO evaluation_dailyrollup (
    day, collection_id, variant, answers, no_answers, votes_up, votes_down, answers_copied,
    answers_citation_opened, latency_p50_ms, latency_p95_ms, prompt_tokens, completion_tokens,
    cost, scored, faithfulness, answer_relevance, documents_ingested, documents_failed,
    pages_ingested, updated_at
)
SELECT coalesce(a.day, i.day), coalesce(a.collection_id, i.collection_id),
       coalesce(a.variant, i.variant), coalesce(a.answers, 0), coalesce(a.no_answers, 0),
       coalesce(a.votes_up, 0), coalesce(a.votes_down, 0), coalesce(a.answers_copied, 0),
       coalesce(a.answers_citation_opened, 0), a.latency_p50_ms, a.latency_p95_ms,
       coalesce(a.prompt_tokens, 0), coalesce(a.completion_tokens, 0), coalesce(a.cost, 0),
       coalesce(a.scored, 0), a.faithfulness, a.answer_relevance, coalesce(i.ingested, 0),
       coalesce(i.failed, 0), coalesce(i.pages, 0), now()
FROM answer_rows a
FULL JOIN ingestion_rows i
    ON i.day = a.day AND coalesce(i.collection_id, 0) = coalesce(a.collection_id, 0)
   AND i.variant = a.variant
WHERE coalesce(a.day, i.day) = ANY(%(days)s)
"""

_DOCUMENT_STATS_SQL = """
WITH msg AS (
    SELECT m.id, (m.created_at AT TIME ZONE %(tz)s)::date AS day, m.kind, m.retrieved, m.sources
    FROM ragapp_message m
    WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
),
retrieval AS (
    -- The trace names chunks; a chunk's document comes from the chunk table (or the trace,
    -- if it records it), so chunks deleted since then are lost to older days' recounts.
    SELECT day, document_id, count(*) AS retrieved
    FROM (
        SELECT DISTINCT msg.day, msg.id,
               coalesce((r.item ->> 'document_id')::bigint, ch.document_id) AS document_id
        FROM msg
        CROSS JOIN LATERAL jsonb_array_elements(msg.retrieved) AS r(item)
        LEFT JOIN ingestion_chunk ch ON ch.id = (r.item ->> 'chunk_id')::bigint
    ) AS hits
    WHERE document_id IS NOT NULL
    GROUP BY day, document_id
),
citation AS (
    -- Only an answer's sources are citations; a no-answer lists the closest documents.
    SELECT DISTINCT msg.day, msg.id AS message_id, (s.item ->> 'document_id')::bigint AS document_id
    FROM msg CROSS JOIN LATERAL jsonb_array_elements(msg.sources) AS s(item)
    WHERE msg.kind = 'answer'
),
vote AS (
    SELECT e.message_id,
           count(*) FILTER (WHERE e.rating = 1) AS up,
           count(*) FILTER (WHERE e.rating = -1) AS down
    FROM feedback_feedbackevent e JOIN msg ON msg.id = e.message_id
    WHERE e.kind = 'vote'
    GROUP BY e.message_id
),
cited AS (
    SELECT c.day, c.document_id, count(*) AS cited,
           coalesce(sum(v.up), 0) AS up, coalesce(sum(v.down), 0) AS down,
           count(sc.faithfulness) AS scored, coalesce(sum(sc.faithfulness), 0) AS faithfulness_sum
    FROM citation c
    LEFT JOIN vote v ON v.message_id = c.message_id
    LEFT JOIN evaluation_answerscore sc ON sc.message_id = c.message_id
    GROUP BY c.day, c.document_id
),
opened AS (
    -- A citation_open event's detail is the number of the source opened.
    SELECT msg.day, (s.item ->> 'document_id')::bigint AS document_id, count(*) AS opened
    FROM feedback_feedbackevent e
    JOIN msg ON msg.id = e.message_id
    CROSS JOIN LATERAL jsonb_array_elements(msg.sources) AS s(item)
    WHERE e.kind = 'citation_open' AND s.item ->> 'number' = e.detail
    GROUP BY 1, 2
),
keys AS (
    SELECT day, document_id FROM retrieval
    UNION SELECT day, document_id FROM cited
    UNION SELECT day, document_id FROM opened
)
INSERT INTO evaluation_documentdailystat (
    day, document_id, retrieved, cited, votes_up, votes_down, citations_opened, scored,
    faithfulness_sum
)
SELECT k.day, k.document_id, coalesce(r.retrieved, 0), coalesce(c.cited, 0),
       coalesce(c.up, 0), coalesce(c.down, 0), coalesce(o.opened, 0), coalesce(c.scored, 0),
       coalesce(c.faithfulness_sum, 0)
FROM keys k
JOIN ingestion_document d ON d.id = k.document_id
LEFT JOIN retrieval r ON r.day = k.day AND r.document_id = k.document_id
LEFT JOIN cited c ON c.day = k.day AND c.document_id = k.document_id
LEFT JOIN opened o ON o.day = k.day AND o.document_id = k.document_id
WHERE k.day = ANY(%(days)s)
"""


def update_rollups(*, days: Iterable[date] | None = None) -> int:
    """Recompute the daily rollups and document stats of `days` (default: today and yesterday).

    Each day is replaced whole in one transaction: safe to re-run, and readers see the old
    figures or the new ones, never a mix. Returns the number of rollup rows written.
    """
    if days is None:
        today = local_today()
        days = [today - timedelta(days=1), today]
    runs = _runs_of_days(days)
    written = 0
    for run in runs:
        params = {
            "tz": settings.TIME_ZONE,
            "start": _day_start(run[0]),
            "end": _day_start(run[-1] + timedelta(days=1)),
            "days": run,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            # Two overlapping recomputes would both delete, then collide on insert: one waits.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('evaluation.update_rollups'))")
            cursor.execute("DELETE FROM evaluation_dailyrollup WHERE day = ANY(%s)", [run])
            cursor.execute(_ROLLUP_SQL, params)
            written += cursor.rowcount
            cursor.execute("DELETE FROM evaluation_documentdailystat WHERE day = ANY(%s)", [run])
            cursor.execute(_DOCUMENT_STATS_SQL, params)
    logger.info("rollups updated for %s days: %s rows", sum(map(len, runs)), written)
    return written


# Drift ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """What drift needs of a window of days: counts over all its answers, and a sample."""

    questions: int
    coverage_gaps: int
    votes: dict[str, int]
    sample_questions: list[str]
    sample_best_scores: list[float]

    @property
    def coverage_gap(self) -> float | None:
        return self.coverage_gaps / self.questions if self.questions else None


_BEST_SIMILARITY = """(
    SELECT max((r.item ->> 'dense_similarity')::float)
    FROM jsonb_array_elements(m.retrieved) AS r(item)
)"""


def _window(first: date, last: date) -> Window:
    params = {
        "start": _day_start(first),
        "end": _day_start(last + timedelta(days=1)),
        "floor": settings.RETRIEVAL_MIN_SIMILARITY,
        "limit": settings.DRIFT_SAMPLE_SIZE,
    }
    with connection.cursor() as cursor:
        # A message's vote is its net rating; nothing retrieved counts as a coverage gap.
        cursor.execute(
            f"""
            SELECT count(*),
                   count(*) FILTER (WHERE best IS NULL OR best < %(floor)s),
                   count(*) FILTER (WHERE vote > 0),
                   count(*) FILTER (WHERE vote < 0)
            FROM (
                SELECT {_BEST_SIMILARITY} AS best,
                       (SELECT sum(e.rating) FROM feedback_feedbackevent e
                        WHERE e.message_id = m.id AND e.kind = 'vote') AS vote
                FROM ragapp_message m
                WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
            ) AS answers
            """,
            params,
        )
        questions, gaps, up, down = cursor.fetchone()
        # The same messages every time for the same window: ordered by a hash of their id.
        cursor.execute(
            f"""
            SELECT m.question, {_BEST_SIMILARITY}
            FROM ragapp_message m
            WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
            ORDER BY md5(m.id::text)
            LIMIT %(limit)s
            """,
            params,
        )
        sample = cursor.fetchall()
    return Window(
        questions=questions,
        coverage_gaps=gaps,
        votes={"up": up, "down": down, "none": questions - up - down},
        sample_questions=[question for question, _ in sample],
        sample_best_scores=[best for _, best in sample if best is not None],
    )


def _embed(questions: list[str]) -> list[list[float]]:
    # Users repeat questions: each distinct text is embedded once.
    distinct = sorted(set(questions))
    vectors = dict(zip(distinct, llm.get_embedder().embed(distinct), strict=True))
    return [vectors[question] for question in questions]


def compute_drift(*, day: date) -> DriftReport:
    """Compare `day`'s questions with the baseline window and count stale documents.

    Safe to re-run: one report per day, replaced. Questions are embedded only for the sample,
    never stored or logged.
    """
    baseline_end = day - timedelta(days=settings.DRIFT_BASELINE_GAP_DAYS)
    baseline_start = baseline_end - timedelta(days=settings.DRIFT_BASELINE_DAYS - 1)
    current = _window(day, day)
    baseline = _window(baseline_start, baseline_end)
    values: dict[str, float | int | None] = {
        "queries": current.questions,
        "coverage_gap": current.coverage_gap,
        "baseline_coverage_gap": baseline.coverage_gap,
        "query_centroid_distance": None,
        "query_psi": None,
        "score_psi": None,
        "feedback_psi": None,
    }
    if min(len(current.sample_questions), len(baseline.sample_questions)) >= MIN_DRIFT_QUESTIONS:
        topics = drift.embedding_drift(
            _embed(baseline.sample_questions),
            _embed(current.sample_questions),
            k=DRIFT_TOPICS,
        )
        values["query_centroid_distance"] = topics.centroid_distance
        values["query_psi"] = topics.psi
    if (
        min(len(current.sample_best_scores), len(baseline.sample_best_scores))
        >= MIN_DRIFT_QUESTIONS
    ):
        values["score_psi"] = drift.score_psi(
            baseline.sample_best_scores, current.sample_best_scores
        )
    if min(current.questions, baseline.questions) >= MIN_DRIFT_QUESTIONS:
        values["feedback_psi"] = drift.category_psi(baseline.votes, current.votes)
    values["stale_documents"] = stale_documents(on=day).count()
    report, _ = DriftReport.objects.update_or_create(
        day=day,
        defaults={"baseline_start": baseline_start, "baseline_end": baseline_end, **values},
    )
    logger.info("drift for %s computed over %s questions", day, current.questions)
    return report


def stale_documents(*, on: date):
    """READY documents not re-ingested within STALE_DOCUMENT_DAYS of the end of `on`."""
    cutoff = _day_start(on + timedelta(days=1)) - timedelta(days=settings.STALE_DOCUMENT_DAYS)
    return Document.objects.filter(status=Document.Status.READY, ingested_at__lt=cutoff)


# Alerts --------------------------------------------------------------------------------------


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
                    f'{regression.metric} of golden set "{run.golden_set.name}" went from '
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
                f"{overall.documents_failed} document ingestions failed on {day}.",
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
