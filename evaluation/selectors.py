"""Evaluation read side: what the ops dashboard shows. Reads rollups, never raw events, so its
cost depends on the date range, not on the traffic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from evaluation.comparison import LOWER_IS_BETTER, baseline_metrics
from evaluation.drift import MIN_DRIFT_QUESTIONS
from evaluation.experiments import VariantCounts, VariantRow, compare_variants, pick_control
from evaluation.guardrail_stats import GuardrailPanel, guardrail_panel
from evaluation.models import (
    Alert,
    DailyRollup,
    DriftReport,
    EvalResult,
    EvalRun,
    GoldenSet,
)
from ingestion.models import Document, DocumentVersion

# Eval metrics drawn on the quality chart, answer correctness and decline accuracy first, then
# the retrieval answer ceiling and retrieval's nDCG. Faithfulness only for LLM-written answers:
# an extractive answer quotes its source, so it is 1.0 by construction and says nothing.
CHARTED_METRIC_PREFIXES = (
    "answer_correctness",
    "decline_accuracy",
    "retrieval_answer_ceiling",
    "nDCG@",
    "doc_nDCG@",
)
LLM_ONLY_METRICS = ("faithfulness",)


def reference_run(run: EvalRun) -> EvalRun | None:
    """What `run` is compared with: its baseline if that finished, else the previous done run."""
    if run.baseline_id and run.baseline.status == EvalRun.Status.DONE:
        return run.baseline
    return (
        EvalRun.objects.filter(
            golden_set_id=run.golden_set_id,
            status=EvalRun.Status.DONE,
            created_at__lt=run.created_at,
        )
        .order_by("-created_at")
        .first()
    )


def latest_finished_run(golden_set: GoldenSet) -> EvalRun | None:
    # Partial runs (after a knowledge base change) cover only some items: not a baseline.
    return (
        golden_set.runs.filter(status=EvalRun.Status.DONE, item_ids=[])
        .order_by("-created_at")
        .first()
    )


def latest_done_runs() -> list[EvalRun]:
    """The latest finished run of each golden set, with its baseline."""
    return list(
        EvalRun.objects.filter(status=EvalRun.Status.DONE)
        .select_related("golden_set", "baseline")
        .order_by("golden_set_id", "-created_at")
        .distinct("golden_set_id")
    )


# Dashboard -----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    start: date
    end: date
    totals: dict[str, Any]
    series: dict[str, Any]  # for the charts, through json_script
    variants: list[VariantRow]
    scorecard: list[DocumentScore]
    review_next: list[DocumentScore]
    runs: list[EvalRun]
    alerts: list[AlertRow]
    golden_sets: list[GoldenSet]
    updated_at: datetime | None  # when the range's rollups were last recomputed
    empty: dict[str, str]  # chart name → why it has nothing to draw (absent when it has)
    alert_channels: list[str]
    guardrails: GuardrailPanel


def ops_dashboard(*, start: date, end: date, collection_id: int | None = None) -> Dashboard:
    """Everything on the ops dashboard for the days start..end (inclusive): a fixed number of
    queries over rollup tables, whatever the number of answers (the guardrail panel reads the
    answers' decisions: one grouped query)."""
    rollups = list(
        DailyRollup.objects.filter(
            day__range=(start, end), collection_id=collection_id, variant=""
        ).order_by("day")
    )
    drift = list(DriftReport.objects.filter(day__range=(start, end)).order_by("day"))
    runs = list(
        EvalRun.objects.filter(created_at__date__range=(start, end))
        .select_related("golden_set")
        .order_by("-created_at")[:50]
    )
    # Partial runs (after a knowledge base change) cover a few items: not comparable on a chart.
    charted_runs = list(
        EvalRun.objects.filter(
            created_at__date__range=(start, end), status=EvalRun.Status.DONE, item_ids=[]
        )
        .order_by("created_at")
        .values("created_at", "metrics", "config", "golden_set__name")[:1000]
    )
    scorecard, review_next = document_scorecards(start=start, end=end, collection_id=collection_id)
    return Dashboard(
        start=start,
        end=end,
        totals=_totals(rollups),
        series=_series(start, end, rollups, drift, charted_runs),
        variants=variant_comparison(start=start, end=end),
        scorecard=scorecard,
        review_next=review_next,
        runs=runs,
        alerts=alert_rows(recent_alerts()),
        golden_sets=list(GoldenSet.objects.order_by("name")),
        updated_at=max((row.updated_at for row in rollups), default=None),
        empty=_empty_charts(rollups, drift, end=end),
        alert_channels=alert_channels(),
        guardrails=guardrail_panel(start=start, end=end, collection_id=collection_id),
    )


def _empty_charts(
    rollups: list[DailyRollup], drift: list[DriftReport], *, end: date
) -> dict[str, str]:
    """Why each chart has nothing to draw, for an explicit empty state instead of bare axes."""
    empty = {}
    if not any(row.answers for row in rollups):
        no_answers = "No answers in this range."
        empty |= {"feedback": no_answers, "answers": no_answers}
    if not any(row.latency_p50_ms is not None for row in rollups):
        empty["latency"] = "No answer times in this range."
    if not any(row.documents_ingested or row.documents_failed for row in rollups):
        empty["ingestion"] = "No documents ingested or failed in this range."
    psi = ("query_psi", "score_psi", "feedback_psi", "query_centroid_distance", "coverage_gap")
    if not any(getattr(report, name) is not None for report in drift for name in psi):
        empty["drift"] = drift_needs(end=end)
    return empty


def drift_needs(*, end: date) -> str:
    """What drift is waiting for: enough days of history for its baseline, or enough questions."""
    needed = settings.DRIFT_BASELINE_DAYS + settings.DRIFT_BASELINE_GAP_DAYS
    first = (
        DailyRollup.objects.filter(collection__isnull=True, variant="", answers__gt=0)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    have = (end - first).days + 1 if first else 0
    if have < needed:
        return (
            f"Drift needs a baseline of {settings.DRIFT_BASELINE_DAYS} days of questions ending "
            f"{settings.DRIFT_BASELINE_GAP_DAYS} days before the day compared: {needed} days "
            f"of history, {have} so far."
        )
    return (
        f"No drift figures in this range: each day and its baseline need at least "
        f"{MIN_DRIFT_QUESTIONS} questions, and drift is computed after midnight."
    )


def alert_channels() -> list[str]:
    """Where alerts are sent, as configured (ALERT_EMAILS, ALERT_WEBHOOK_URL)."""
    channels = []
    if settings.ALERT_EMAILS:
        count = len(settings.ALERT_EMAILS)
        channels.append(f"e-mail to {count} address{'es' if count != 1 else ''}")
    if settings.ALERT_WEBHOOK_URL:
        channels.append("webhook")
    return channels


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    subject_url: str
    subject_label: str


def alert_rows(alerts: list[Alert]) -> list[AlertRow]:
    """Each alert with a link to what it is about. One query at most (failed documents)."""
    failed_days = [
        day
        for alert in alerts
        if alert.kind == Alert.Kind.INGESTION
        and (day := _day(alert.key.rsplit(":", 1)[-1])) is not None
    ]
    failed: dict[date, list[Document]] = {}
    if failed_days:
        # As the rollups count them: a version that failed, on the day it was uploaded.
        versions = DocumentVersion.objects.filter(
            ready_at__isnull=True,
            created_at__gte=_day_start(min(failed_days)),
            created_at__lt=_day_start(max(failed_days) + timedelta(days=1)),
        ).exclude(error="")
        for version in versions.select_related("document").only(
            "created_at", "document__id", "document__title"
        ):
            day = timezone.localdate(version.created_at, timezone.get_default_timezone())
            if version.document not in failed.setdefault(day, []):
                failed[day].append(version.document)
    return [_alert_row(alert, failed) for alert in alerts]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _alert_row(alert: Alert, failed: dict[date, list[Document]]) -> AlertRow:
    """The link of an alert, from its kind and key (see evaluation/alerts.py for the keys)."""
    _, _, rest = alert.key.partition(":")
    day = _day(rest.rsplit(":", 1)[-1])
    documents = reverse("admin:ingestion_document_changelist")
    if alert.kind == Alert.Kind.INGESTION:
        on_day = failed.get(day, [])
        if len(on_day) == 1:
            document = on_day[0]
            url = reverse("admin:ingestion_document_change", args=[document.pk])
            return AlertRow(alert, url, f"Open “{document.title}”")
        return AlertRow(alert, f"{documents}?status__exact=failed", f"{len(on_day)} documents")
    if alert.kind == Alert.Kind.METRIC_DROP and rest.startswith("run-"):
        run_id = rest.removeprefix("run-").split(":", 1)[0]
        if run_id.isdigit():
            return AlertRow(
                alert, reverse("evaluation:dashboard-run", args=[int(run_id)]), f"Run #{run_id}"
            )
    if alert.kind == Alert.Kind.FAITHFULNESS and day is not None:
        answers = reverse("admin:chat_message_changelist")
        query = (
            f"created_at__year={day.year}&created_at__month={day.month}&created_at__day={day.day}"
        )
        return AlertRow(alert, f"{answers}?{query}", f"Answers of {day:%-d %b}")
    if alert.kind == Alert.Kind.DRIFT and day is not None:
        dashboard = reverse("evaluation:dashboard")
        return AlertRow(
            alert, f"{dashboard}?start={day - timedelta(days=29)}&end={day}#drift", "Drift chart"
        )
    if alert.kind == Alert.Kind.FRESHNESS:
        return AlertRow(alert, f"{documents}?status__exact=ready", "Documents")
    if alert.kind == Alert.Kind.GUARDRAIL_JUMP and day is not None:
        answers = reverse("admin:chat_message_changelist")
        query = (
            f"kind__exact=refusal&created_at__year={day.year}&created_at__month={day.month}"
            f"&created_at__day={day.day}"
        )
        return AlertRow(alert, f"{answers}?{query}", f"Refusals of {day:%-d %b}")
    return AlertRow(alert, "", "")


def variant_comparison(*, start: date, end: date) -> list[VariantRow]:
    """The A/B table: each answer variant's rates over the range, tested against the control."""
    rows = (
        DailyRollup.objects.filter(day__range=(start, end), collection__isnull=True)
        .exclude(variant="")
        .values("variant")
        .annotate(
            total_answers=Sum("answers"),
            up=Sum("votes_up"),
            down=Sum("votes_down"),
            copied=Sum("answers_copied"),
        )
        .order_by("variant")
    )
    counts = [
        VariantCounts(row["variant"], row["total_answers"], row["up"], row["down"], row["copied"])
        for row in rows
    ]
    control = pick_control(
        [row.variant for row in counts], configured=list(settings.ANSWER_VARIANTS)
    )
    return compare_variants(counts, control=control)


# harm = cited × (down share of votes on answers citing it + (1 − their mean online
# faithfulness)). Aggregated first, joined to documents only for the rows shown.
_SCORECARD_SQL = """
WITH totals AS (
    SELECT s.document_id, sum(s.retrieved) AS retrieved, sum(s.cited) AS cited,
           sum(s.votes_up) AS votes_up, sum(s.votes_down) AS votes_down,
           sum(s.citations_opened) AS citations_opened, sum(s.scored) AS scored,
           sum(s.faithfulness_sum) AS faithfulness_sum
    FROM evaluation_documentdailystat s
    WHERE s.day BETWEEN %(start)s AND %(end)s
      AND (%(collection)s::bigint IS NULL OR s.document_id IN (
          SELECT id FROM ingestion_document WHERE collection_id = %(collection)s::bigint))
    GROUP BY s.document_id
),
scored AS (
    SELECT totals.*,
           cited * (coalesce(votes_down::float / nullif(votes_up + votes_down, 0), 0)
                    + coalesce(1 - faithfulness_sum / nullif(scored, 0), 0)) AS harm
    FROM totals
),
picked AS (
    (SELECT 'scorecard' AS list, * FROM scored
     ORDER BY cited DESC, retrieved DESC, document_id LIMIT %(limit)s)
    UNION ALL
    (SELECT 'review' AS list, * FROM scored WHERE harm > 0
     ORDER BY harm DESC, document_id LIMIT %(review_limit)s)
)
SELECT p.list, p.document_id, d.title, c.name, d.ingested_at, p.retrieved, p.cited, p.votes_up,
       p.votes_down, p.citations_opened, p.scored, p.faithfulness_sum, p.harm
FROM picked p
JOIN ingestion_document d ON d.id = p.document_id
JOIN ingestion_collection c ON c.id = d.collection_id
ORDER BY p.list, CASE WHEN p.list = 'review' THEN -p.harm ELSE -p.cited END, p.retrieved DESC,
         p.document_id
"""


@dataclass(frozen=True)
class DocumentScore:
    document_id: int
    title: str
    collection: str
    ingested_at: datetime | None
    retrieved: int
    cited: int
    votes_up: int
    votes_down: int
    citations_opened: int
    faithfulness: float | None  # mean online faithfulness of the answers citing it
    harm: float


def document_scorecards(
    *,
    start: date,
    end: date,
    collection_id: int | None = None,
    limit: int = 50,
    review_limit: int = 10,
) -> tuple[list[DocumentScore], list[DocumentScore]]:
    """The most cited documents over the range, and those to review next, most harmful first.

    harm = cited × (down share of votes on answers citing it + (1 − their mean online
    faithfulness)): roughly how many answers that cited the document users or the scorer found
    bad. Unknown parts (no votes, nothing scored) count as 0, so a document needs both traffic
    and a bad signal to rise to the top of the review list. One query.
    """
    params = {
        "start": start,
        "end": end,
        "collection": collection_id,
        "limit": limit,
        "review_limit": review_limit,
    }
    lists: dict[str, list[DocumentScore]] = {"scorecard": [], "review": []}
    with connection.cursor() as cursor:
        cursor.execute(_SCORECARD_SQL, params)
        for row in cursor.fetchall():
            (name, document_id, title, collection, ingested_at, *counts) = row
            retrieved, cited, up, down, opened, scored, faithfulness_sum, harm = counts
            lists[name].append(
                DocumentScore(
                    document_id=document_id,
                    title=title,
                    collection=collection,
                    ingested_at=ingested_at,
                    retrieved=retrieved,
                    cited=cited,
                    votes_up=up,
                    votes_down=down,
                    citations_opened=opened,
                    faithfulness=faithfulness_sum / scored if scored else None,
                    harm=harm,
                )
            )
    return lists["scorecard"], lists["review"]


def recent_alerts(*, limit: int = 50) -> list[Alert]:
    """Unacknowledged alerts first, then the latest."""
    return list(
        Alert.objects.order_by(F("acknowledged_at").asc(nulls_first=True), "-created_at")[:limit]
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _totals(rollups: list[DailyRollup]) -> dict[str, Any]:
    answers = sum(row.answers for row in rollups)
    votes = sum(row.votes_up + row.votes_down for row in rollups)
    scored = sum(row.scored for row in rollups if row.faithfulness is not None)
    faithfulness_sum = sum(row.faithfulness * row.scored for row in rollups if row.faithfulness)
    return {
        "answers": answers,
        "votes": votes,
        "scored": scored,
        "no_answer_rate": _rate(sum(row.no_answers for row in rollups), answers),
        "up_share": _rate(sum(row.votes_up for row in rollups), votes),
        "copy_rate": _rate(sum(row.answers_copied for row in rollups), answers),
        # Weighted by each day's scored answers: the mean over the range.
        "faithfulness": faithfulness_sum / scored if scored else None,
        "cost": sum(row.cost for row in rollups),
        "documents_ingested": sum(row.documents_ingested for row in rollups),
        "documents_failed": sum(row.documents_failed for row in rollups),
    }


def _series(
    start: date,
    end: date,
    rollups: list[DailyRollup],
    drift: list[DriftReport],
    runs: list[dict[str, Any]],
) -> dict[str, Any]:
    """Day-by-day values for the charts; days without data are null (a gap), not zero."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    by_day = {row.day: row for row in rollups}
    drift_by_day = {report.day: report for report in drift}

    def daily(value) -> list:
        return [value(by_day[day]) if day in by_day else None for day in days]

    def drift_daily(name: str) -> list:
        return [getattr(drift_by_day.get(day), name, None) for day in days]

    evals: dict[tuple[int, str], dict[str, float]] = {}
    for run in runs:  # oldest first: the last run of a day wins
        label_day = timezone.localdate(run["created_at"]).isoformat()
        config = run["config"] or {}
        generator = config.get("generator", "extractive")
        variant = config.get("variant") or ""
        charted = CHARTED_METRIC_PREFIXES + (LLM_ONLY_METRICS if generator == "llm" else ())
        for name, value in run["metrics"].items():
            order = next((i for i, p in enumerate(charted) if name.startswith(p)), None)
            if order is None:
                continue
            label = f"{run['golden_set__name']}{f' [{variant}]' if variant else ''}: {name}"
            evals.setdefault((order, label), {})[label_day] = value
    return {
        "labels": [day.isoformat() for day in days],
        # Per run's golden set and variant, answer correctness and decline accuracy first.
        "eval": [
            {"label": label, "data": [points.get(day.isoformat()) for day in days]}
            for (_, label), points in sorted(evals.items())
        ],
        "online_faithfulness": daily(lambda row: row.faithfulness),
        "up_rate": daily(lambda row: _rate(row.votes_up, row.answers)),
        "down_rate": daily(lambda row: _rate(row.votes_down, row.answers)),
        "copy_rate": daily(lambda row: _rate(row.answers_copied, row.answers)),
        "citation_rate": daily(lambda row: _rate(row.answers_citation_opened, row.answers)),
        "latency_p50": daily(lambda row: row.latency_p50_ms),
        "latency_p95": daily(lambda row: row.latency_p95_ms),
        "answers": daily(lambda row: row.answers),
        "no_answer_rate": daily(lambda row: _rate(row.no_answers, row.answers)),
        "query_psi": drift_daily("query_psi"),
        "score_psi": drift_daily("score_psi"),
        "feedback_psi": drift_daily("feedback_psi"),
        "centroid_distance": drift_daily("query_centroid_distance"),
        "coverage_gap": drift_daily("coverage_gap"),
        "baseline_coverage_gap": drift_daily("baseline_coverage_gap"),
        "documents_ingested": daily(lambda row: row.documents_ingested),
        "documents_failed": daily(lambda row: row.documents_failed),
        "pages_ingested": daily(lambda row: row.pages_ingested),
    }


# Eval run page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricChange:
    name: str
    value: float | None
    baseline: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.baseline is None:
            return None
        return self.value - self.baseline

    @property
    def is_regression(self) -> bool:
        change = self.change
        if change is None:
            return False
        if self.name in LOWER_IS_BETTER:
            return bool(self.baseline) and change / self.baseline > settings.EVAL_LATENCY_TOLERANCE
        return -change > settings.EVAL_TOLERANCE


@dataclass
class ItemComparison:
    item_id: int | None
    question: str
    metrics: list[MetricChange]
    error: str = ""

    @property
    def regression_count(self) -> int:
        return sum(metric.is_regression for metric in self.metrics)


@dataclass
class RunComparison:
    run: EvalRun
    baseline: EvalRun | None
    metrics: list[MetricChange]
    item_metric_names: list[str]
    items: list[ItemComparison]  # items with regressions first

    @property
    def regressed_items(self) -> int:
        return sum(1 for item in self.items if item.regression_count)


def eval_run_comparison(*, run: EvalRun) -> RunComparison:
    """A run beside its baseline: run-level means and each item against the same item."""
    baseline = reference_run(run)
    results = list(run.results.order_by("id"))
    before = {}
    if baseline is not None:
        before = {
            result.item_id: result
            for result in EvalResult.objects.filter(
                run=baseline, item_id__in=[r.item_id for r in results if r.item_id]
            )
        }
    names = sorted(
        {name for result in results for name in result.metrics}
        | {name for result in before.values() for name in result.metrics}
    )
    items = []
    for result in results:
        old = before.get(result.item_id)
        items.append(
            ItemComparison(
                item_id=result.item_id,
                question=result.question,
                error=result.error,
                metrics=[
                    MetricChange(
                        name,
                        result.metrics.get(name),
                        old.metrics.get(name) if old is not None else None,
                    )
                    for name in names
                ],
            )
        )
    items.sort(key=lambda item: -item.regression_count)
    # A partial run (after a knowledge base change) is compared over its own items only.
    reference = baseline_metrics(run, baseline) if baseline is not None else {}
    run_names = sorted((set(run.metrics) | set(reference)) - {"items"})
    return RunComparison(
        run=run,
        baseline=baseline,
        metrics=[
            MetricChange(name, run.metrics.get(name), reference.get(name)) for name in run_names
        ],
        item_metric_names=names,
        items=items,
    )
