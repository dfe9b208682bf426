"""Drift reports: how far a day's questions and retrieval moved from a baseline window."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection

from evaluation import drift
from evaluation.models import DriftReport
from evaluation.rollups import day_start, stale_documents
from pii.detection import mask_text
from providers import embeddings

logger = logging.getLogger(__name__)

MIN_DRIFT_QUESTIONS = drift.MIN_DRIFT_QUESTIONS


DRIFT_TOPICS = 8


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
        "start": day_start(first),
        "end": day_start(last + timedelta(days=1)),
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
        # Stored masked since personal data handling came in; older rows are masked here.
        sample_questions=[mask_text(question) for question, _ in sample],
        sample_best_scores=[best for _, best in sample if best is not None],
    )


def _embed(questions: list[str]) -> list[list[float]]:
    # Users repeat questions: each distinct text is embedded once.
    distinct = sorted(set(questions))
    vectors = dict(zip(distinct, embeddings.get_embedder().embed(distinct), strict=True))
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
