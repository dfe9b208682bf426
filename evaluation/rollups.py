"""Daily rollups: the tables the ops dashboard reads.

Feedback, scores and ingestion events are counted on the day of the answer they belong to (a
cohort), so that every rate has its numerator inside its denominator; feedback given after the
recomputed window is picked up by the nightly recompute of the last week."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ingestion.models import Document

logger = logging.getLogger(__name__)


def local_today() -> date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def day_start(day: date) -> datetime:
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
            "start": day_start(run[0]),
            "end": day_start(run[-1] + timedelta(days=1)),
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


def stale_documents(*, on: date):
    """READY documents not re-ingested within STALE_DOCUMENT_DAYS of the end of `on`."""
    cutoff = day_start(on + timedelta(days=1)) - timedelta(days=settings.STALE_DOCUMENT_DAYS)
    return Document.objects.filter(status=Document.Status.READY, ingested_at__lt=cutoff)
