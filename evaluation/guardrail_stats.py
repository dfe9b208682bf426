"""The ops dashboard's guardrail and personal-data panels (issue 14): decisions per day by
category and action, the policies that acted most, chunks waiting in quarantine, and personal
data found per collection, as counts only (never a question's text or a detected value).

Read side: queries over the answers' stored decisions and the documents' versions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from chat.models import Message
from ingestion.models import Chunk, Document

ACTED = ("flag", "block")


@dataclass(frozen=True)
class DecisionCount:
    day: date
    category: str
    flagged: int
    blocked: int


@dataclass
class GuardrailPanel:
    by_day: list[DecisionCount] = field(default_factory=list)
    by_category: list[DecisionCount] = field(default_factory=list)  # day is the range's end
    top_policies: list[tuple[str, int]] = field(default_factory=list)
    answers: int = 0
    quarantined: int = 0
    quarantined_unreviewed: int = 0
    personal_data: list[dict] = field(default_factory=list)


def decision_counts(
    *, start: date, end: date, collection_id: int | None = None
) -> list[tuple[date, str, str, int]]:
    """(day, category, action, answers) for the flag and block decisions on the answers of
    start..end, days in settings.TIME_ZONE. Answers, not decisions: an injection blocked by
    both the rules and the similarity check is one blocked answer."""
    return _grouped(
        "(m.created_at AT TIME ZONE %s)::date, d->>'category', d->>'action'",
        [settings.TIME_ZONE],
        start=start,
        end=end,
        collection_id=collection_id,
    )


def policy_counts(
    *, start: date, end: date, collection_id: int | None = None
) -> list[tuple[str, int]]:
    """(policy, answers it flagged or blocked), most first."""
    rows = _grouped(
        "d->>'policy'", [], start=start, end=end, collection_id=collection_id, named_only=True
    )
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _grouped(
    columns: str,  # comma-separated expressions, none with a comma inside
    column_params: list,
    *,
    start: date,
    end: date,
    collection_id: int | None,
    named_only: bool = False,
) -> list[tuple]:
    since, until = _bounds(start, end)
    scope = " AND m.collection_ids @> %s::jsonb" if collection_id else ""
    scope += " AND coalesce(d->>'policy', '') <> ''" if named_only else ""
    params: list = [*column_params, since, until, list(ACTED)]
    if collection_id:
        params.append(f"[{int(collection_id)}]")
    ordinals = ", ".join(str(n) for n in range(1, columns.count(",") + 2))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {columns}, count(DISTINCT m.id)
            FROM {Message._meta.db_table} m, jsonb_array_elements(m.guardrails) d
            WHERE m.created_at >= %s AND m.created_at < %s AND d->>'action' = ANY(%s){scope}
            GROUP BY {ordinals} ORDER BY {ordinals}
            """,  # noqa: S608 - our own column expressions and table name, values as parameters
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]


def guardrail_panel(*, start: date, end: date, collection_id: int | None = None) -> GuardrailPanel:
    rows = decision_counts(start=start, end=end, collection_id=collection_id)
    per_day: dict[tuple[date, str], Counter] = defaultdict(Counter)
    per_category: dict[str, Counter] = defaultdict(Counter)
    for day, category, action, count in rows:
        per_day[day, category][action] += count
        per_category[category][action] += count  # an answer belongs to one day: sums exactly
    since, until = _bounds(start, end)
    answers = Message.objects.filter(created_at__gte=since, created_at__lt=until)
    if collection_id:
        answers = answers.filter(collection_ids__contains=[collection_id])
    chunks = Chunk.objects.filter(is_quarantined=True)
    if collection_id:
        chunks = chunks.filter(collection_id=collection_id)
    quarantine = chunks.aggregate(
        total=Count("id"), unreviewed=Count("id", filter=Q(quarantine_reviewed_at__isnull=True))
    )
    return GuardrailPanel(
        by_day=[
            DecisionCount(day, category, counts["flag"], counts["block"])
            for (day, category), counts in sorted(per_day.items())
        ],
        by_category=[
            DecisionCount(end, category, counts["flag"], counts["block"])
            for category, counts in sorted(per_category.items(), key=lambda kv: -kv[1].total())
        ],
        top_policies=policy_counts(start=start, end=end, collection_id=collection_id)[:5],
        answers=answers.count(),
        quarantined=quarantine["total"],
        quarantined_unreviewed=quarantine["unreviewed"],
        personal_data=personal_data_by_collection(collection_id=collection_id),
    )


def personal_data_by_collection(*, collection_id: int | None = None) -> list[dict]:
    """Per collection: its handling and the findings in its documents' current versions, by
    type ("EMAIL_ADDRESS": 3), from the counts recorded at ingestion."""
    documents = Document.objects.filter(current_version__isnull=False)
    if collection_id:
        documents = documents.filter(collection_id=collection_id)
    found: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for name, handling, counts in documents.values_list(
        "collection__name", "collection__pii_handling", "current_version__pii_counts"
    ):
        found[name, handling].update(counts or {})
    return [
        {
            "collection": name,
            "handling": handling,
            "total": sum(counts.values()),
            "types": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        }
        for (name, handling), counts in sorted(found.items())
    ]


def blocks_by_category(*, day: date, days_before: int) -> dict[str, list[int]]:
    """Per category, the number of blocks on each of the `days_before` days before `day`, then
    on `day` itself (the last value): what the jump alert compares."""
    first = day - timedelta(days=days_before)
    series: dict[str, list[int]] = defaultdict(lambda: [0] * (days_before + 1))
    for when, category, action, count in decision_counts(start=first, end=day):
        if action == "block":
            series[category][(when - first).days] += count
    return dict(series)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    return since, datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
