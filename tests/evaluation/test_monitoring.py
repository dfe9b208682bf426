"""Monitoring: rollups equal a recount, drift finds a planted shift, alerts go out once."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
from django.utils import timezone

from chat.models import Message
from evaluation import alerts, drift_reports, rollups, selectors
from evaluation.experiments import VariantCounts, compare_variants, pick_control
from evaluation.models import Alert, AnswerScore, DailyRollup, DocumentDailyStat, DriftReport
from evaluation.stats import percentile
from feedback.models import FeedbackEvent
from ingestion.models import Chunk, DocumentVersion
from providers import embeddings
from tests.factories import (
    AnswerScoreFactory,
    CollectionFactory,
    ConversationFactory,
    DocumentFactory,
    DocumentVersionFactory,
    EvalResultFactory,
    EvalRunFactory,
    FeedbackEventFactory,
    GoldenSetFactory,
    MessageFactory,
    at_noon,
)

DAY = date(2026, 10, 15)
ROLLUP_FIELDS = [
    "answers",
    "no_answers",
    "votes_up",
    "votes_down",
    "answers_copied",
    "answers_citation_opened",
    "latency_p50_ms",
    "latency_p95_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "scored",
    "faithfulness",
    "answer_relevance",
    "documents_ingested",
    "documents_failed",
    "pages_ingested",
]


def _rollups() -> dict[tuple, dict]:
    return {
        (row["day"], row["collection_id"], row["variant"]): {f: row[f] for f in ROLLUP_FIELDS}
        for row in DailyRollup.objects.values("day", "collection_id", "variant", *ROLLUP_FIELDS)
    }


@pytest.fixture
def activity(alice):
    """Three days of answers in two collections and two variants, with feedback and scores."""
    rng = random.Random(7)
    hr, it = CollectionFactory(slug="hr"), CollectionFactory(slug="it")
    conversation = ConversationFactory(owner=alice)
    messages = []
    for offset in range(3):
        day = DAY + timedelta(days=offset)
        for n in range(12):
            message = MessageFactory(
                conversation=conversation,
                kind=rng.choice(["answer", "answer", "no_answer", "refusal"]),
                variant=rng.choice(["", "control", "llm"]),
                collection_ids=rng.choice([[hr.pk], [it.pk], [hr.pk, it.pk], []]),
                total_ms=rng.uniform(50, 3000),
                prompt_tokens=rng.choice([None, rng.randrange(500)]),
                completion_tokens=rng.choice([None, rng.randrange(200)]),
                cost=rng.choice([None, Decimal("0.001250")]),
                created_at=at_noon(day) + timedelta(minutes=n),
            )
            messages.append(message)
            if rng.random() < 0.6:
                FeedbackEventFactory(message=message, rating=rng.choice([1, -1]))
            for kind in ["copy", "citation_open"]:
                for _ in range(rng.choice([0, 0, 1, 2])):
                    FeedbackEventFactory(message=message, kind=kind, detail="1")
            if rng.random() < 0.4:
                AnswerScoreFactory(
                    message=message,
                    faithfulness=rng.choice([None, rng.random()]),
                    answer_relevance=rng.random(),
                )
        for collection in [hr, it]:
            DocumentVersionFactory(
                document__collection=collection, ready_at=at_noon(day), page_count=offset + 2
            )
            DocumentVersionFactory(
                document__collection=collection, error="Parse failed", created_at=at_noon(day)
            )
    # Outside the days recomputed: must not leak in.
    MessageFactory(conversation=conversation, created_at=at_noon(DAY + timedelta(days=5)))
    return messages


def _recount(messages: list[Message]) -> dict[tuple, dict]:
    """The rollups, counted in Python from the rows."""
    groups: dict[tuple, list[Message]] = defaultdict(list)
    for message in messages:
        day = timezone.localdate(message.created_at)
        keys = [(day, None, "")] + [(day, c, "") for c in message.collection_ids]
        if message.variant:
            keys.append((day, None, message.variant))
        for key in keys:
            groups[key].append(message)
    events = list(FeedbackEvent.objects.all())
    scores = {score.message_id: score for score in AnswerScore.objects.all()}
    expected = {}
    for key, group in groups.items():
        ids = {message.pk for message in group}
        mine = [event for event in events if event.message_id in ids]
        scored = [scores[m.pk] for m in group if m.pk in scores]
        faithfulness = [s.faithfulness for s in scored if s.faithfulness is not None]
        relevance = [s.answer_relevance for s in scored if s.answer_relevance is not None]
        latencies = [message.total_ms for message in group]
        expected[key] = {
            "answers": len(group),
            "no_answers": sum(m.kind == "no_answer" for m in group),
            "votes_up": sum(e.kind == "vote" and e.rating == 1 for e in mine),
            "votes_down": sum(e.kind == "vote" and e.rating == -1 for e in mine),
            "answers_copied": len({e.message_id for e in mine if e.kind == "copy"}),
            "answers_citation_opened": len(
                {e.message_id for e in mine if e.kind == "citation_open"}
            ),
            "latency_p50_ms": percentile(latencies, 50),
            "latency_p95_ms": percentile(latencies, 95),
            "prompt_tokens": sum(m.prompt_tokens or 0 for m in group),
            "completion_tokens": sum(m.completion_tokens or 0 for m in group),
            "cost": sum((m.cost or Decimal(0) for m in group), Decimal(0)),
            "scored": len(scored),
            "faithfulness": sum(faithfulness) / len(faithfulness) if faithfulness else None,
            "answer_relevance": sum(relevance) / len(relevance) if relevance else None,
            "documents_ingested": 0,
            "documents_failed": 0,
            "pages_ingested": 0,
        }
    zero = dict.fromkeys(ROLLUP_FIELDS, 0) | {
        "latency_p50_ms": None,
        "latency_p95_ms": None,
        "faithfulness": None,
        "answer_relevance": None,
    }
    for version in DocumentVersion.objects.select_related("document"):
        ready = version.ready_at is not None
        day = timezone.localdate(version.ready_at if ready else version.created_at)
        for key in [(day, None, ""), (day, version.document.collection_id, "")]:
            row = expected.setdefault(key, dict(zero))
            row["documents_ingested"] += ready
            row["documents_failed"] += not ready
            row["pages_ingested"] += version.page_count if ready else 0
    return expected


def _assert_same(actual: dict[tuple, dict], expected: dict[tuple, dict]) -> None:
    assert actual.keys() == expected.keys()
    for key, row in expected.items():
        for name, value in row.items():
            if isinstance(value, float):
                assert actual[key][name] == pytest.approx(value), (key, name)
            else:
                assert actual[key][name] == value, (key, name)


def test_rollups_equal_a_direct_recount(activity):
    rollups.update_rollups(days=[DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)])

    expected = _recount(activity)
    # Overall, two collections and two variants on each of the three days.
    assert len(expected) == 3 * 5
    _assert_same(_rollups(), expected)


def test_update_rollups_is_idempotent_and_replaces_a_day(activity):
    days = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    rollups.update_rollups(days=days)
    first = _rollups()
    first_stats = list(DocumentDailyStat.objects.values())

    rollups.update_rollups(days=days)

    assert _rollups() == first
    assert [{**row, "id": None} for row in DocumentDailyStat.objects.values()] == [
        {**row, "id": None} for row in first_stats
    ]

    FeedbackEventFactory(message=activity[0], kind="copy")
    rollups.update_rollups(days=[DAY])

    _assert_same(_rollups(), _recount(activity))


def test_update_rollups_defaults_to_today_and_yesterday(alice):
    today = rollups.local_today()
    for offset in [0, 1, 2]:
        MessageFactory(
            conversation__owner=alice, created_at=timezone.now() - timedelta(days=offset)
        )

    rollups.update_rollups()

    overall = DailyRollup.objects.filter(collection__isnull=True, variant="")
    assert sorted(overall.values_list("day", flat=True)) == [today - timedelta(days=1), today]


def test_document_stats_count_retrievals_citations_votes_and_opens(alice):
    version = DocumentVersionFactory(ready_at=timezone.now())
    document = version.document
    chunk = Chunk.objects.create(
        version=version,
        document=document,
        collection=document.collection,
        ordinal=0,
        text="Text",
        token_count=1,
        embedding=[0.1] * 384,
    )
    other = DocumentFactory()
    retrieved = [{"chunk_id": chunk.pk, "dense_similarity": 0.7}, {"chunk_id": 999_999}]
    sources = [{"number": 1, "chunk_id": chunk.pk, "document_id": document.pk}]
    answers = [
        MessageFactory(
            conversation__owner=alice,
            retrieved=retrieved,
            sources=sources,
            created_at=at_noon(DAY),
        )
        for _ in range(3)
    ]
    # A no-answer lists the closest documents: retrieved, not cited.
    MessageFactory(
        conversation__owner=alice,
        kind="no_answer",
        retrieved=retrieved,
        sources=[{"number": 1, "document_id": other.pk}],
        created_at=at_noon(DAY),
    )
    FeedbackEventFactory(message=answers[0], rating=1)
    FeedbackEventFactory(message=answers[1], rating=-1)
    FeedbackEventFactory(message=answers[0], kind="citation_open", detail="1")
    FeedbackEventFactory(message=answers[0], kind="citation_open", detail="2")  # no such source
    AnswerScoreFactory(message=answers[0], faithfulness=0.5)
    AnswerScoreFactory(message=answers[1], faithfulness=1.0)

    rollups.update_rollups(days=[DAY])

    stat = DocumentDailyStat.objects.get(document=document)
    assert (stat.retrieved, stat.cited, stat.votes_up, stat.votes_down) == (4, 3, 1, 1)
    assert (stat.citations_opened, stat.scored, stat.faithfulness_sum) == (1, 2, 1.5)
    assert not DocumentDailyStat.objects.filter(document=other).exists()


# Drift ---------------------------------------------------------------------------------------

HR_WORDS = [
    "pension",
    "leave",
    "salary",
    "holiday",
    "payroll",
    "benefits",
    "parental",
    "sick",
    "overtime",
    "expenses",
]
IT_WORDS = [
    "firewall",
    "password",
    "vpn",
    "laptop",
    "printer",
    "network",
    "wifi",
    "backup",
    "server",
    "email",
]


class BagOfWordsEmbedder:
    """Questions on the same topic share words, so their vectors point the same way."""

    model_id = "bag-of-words"
    dimensions = 64

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            vector = np.zeros(self.dimensions)
            for word in text.lower().strip("?").split():
                vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % self.dimensions] += 1
            vectors.append((vector / np.linalg.norm(vector)).tolist())
        return vectors


def _traffic(owner, day: date, count: int, *, words, similarity: float, down_share: float, seed):
    """`count` answers on `day` about `words`, with best retrieval scores around `similarity`."""
    rng = random.Random(seed)
    conversation = ConversationFactory(owner=owner)
    messages = Message.objects.bulk_create(
        Message(
            conversation=conversation,
            user=owner,
            question=" ".join(rng.sample(words, 3)) + "?",
            kind="answer",
            template_version="v1",
            generator="extractive",
            search_mode="hybrid",
            retrieved=[{"chunk_id": 1, "dense_similarity": rng.gauss(similarity, 0.05)}],
        )
        for _ in range(count)
    )
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(created_at=at_noon(day))
    FeedbackEvent.objects.bulk_create(
        FeedbackEvent(
            message=message,
            user=owner,
            kind="vote",
            rating=-1 if rng.random() < down_share else 1,
        )
        for message in messages
        if rng.random() < 0.3
    )


@pytest.fixture
def baseline_traffic(alice, settings, monkeypatch):
    """A week of questions on HR topics. Each window fits in the sample, so the result does not
    depend on the ids the database hands out."""
    settings.DRIFT_BASELINE_DAYS, settings.DRIFT_BASELINE_GAP_DAYS = 7, 1
    settings.DRIFT_SAMPLE_SIZE = 500
    monkeypatch.setattr(embeddings, "get_embedder", BagOfWordsEmbedder)
    for offset in range(1, 8):
        _traffic(
            alice,
            DAY - timedelta(days=offset),
            70,
            words=HR_WORDS,
            similarity=0.6,
            down_share=0.2,
            seed=offset,
        )


def test_drift_stays_quiet_on_a_resample_of_the_baseline(alice, baseline_traffic):
    _traffic(alice, DAY, 400, words=HR_WORDS, similarity=0.6, down_share=0.2, seed=99)

    report = drift_reports.compute_drift(day=DAY)

    assert (report.baseline_start, report.baseline_end) == (DAY - timedelta(7), DAY - timedelta(1))
    assert report.queries == 400
    assert report.query_psi < 0.1
    assert report.query_centroid_distance < 0.05
    assert report.score_psi < 0.1
    assert report.feedback_psi < 0.1
    assert report.coverage_gap == report.baseline_coverage_gap == 0


def test_drift_detects_questions_on_a_new_topic_with_worse_retrieval(alice, baseline_traffic):
    _traffic(alice, DAY, 400, words=IT_WORDS, similarity=0.2, down_share=0.9, seed=99)

    report = drift_reports.compute_drift(day=DAY)

    assert report.query_psi > 0.25
    assert report.query_centroid_distance > 0.3
    assert report.score_psi > 0.25
    assert report.feedback_psi > 0.25
    assert report.coverage_gap > 0.8 and report.baseline_coverage_gap < 0.01


def test_drift_is_recomputed_in_place_and_counts_stale_documents(baseline_traffic, settings):
    settings.STALE_DOCUMENT_DAYS = 30
    DocumentFactory(ingested_at=at_noon(DAY) - timedelta(days=31))
    DocumentFactory(ingested_at=at_noon(DAY) - timedelta(days=31), status="retired")
    DocumentFactory(ingested_at=at_noon(DAY) - timedelta(days=3))

    first = drift_reports.compute_drift(day=DAY)
    second = drift_reports.compute_drift(day=DAY)

    assert DriftReport.objects.count() == 1 and first.pk == second.pk
    assert second.stale_documents == 1
    assert second.queries == 0 and second.query_psi is None  # no traffic that day


# Alerts --------------------------------------------------------------------------------------


class Webhook:
    """A loopback HTTP server that keeps the JSON bodies POSTed to it."""

    def __init__(self, status: int = 204) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def troubled_day(alice, settings):
    """A day that breaks every rule once."""
    settings.ALERT_FAITHFULNESS_FLOOR = 0.7
    settings.ALERT_DRIFT_PSI = 0.25
    settings.ALERT_MAX_FAILED_INGESTIONS = 0
    settings.ALERT_MAX_STALE_DOCUMENTS = 0
    settings.STALE_DOCUMENT_DAYS = 30
    settings.EVAL_TOLERANCE = 0.02
    golden_set = GoldenSetFactory(name="Policies")
    baseline = EvalRunFactory(golden_set=golden_set, metrics={"doc_nDCG@10": 0.80, "items": 9})
    EvalRunFactory(
        golden_set=golden_set, baseline=baseline, metrics={"doc_nDCG@10": 0.70, "items": 9}
    )
    for _ in range(5):
        message = MessageFactory(
            conversation__owner=alice, question="My secret question", created_at=at_noon(DAY)
        )
        AnswerScoreFactory(message=message, faithfulness=0.4)
    DocumentVersionFactory(error="Parse failed", created_at=at_noon(DAY))
    DocumentFactory(ingested_at=at_noon(DAY) - timedelta(days=60))
    rollups.update_rollups(days=[DAY])
    DriftReport.objects.create(
        day=DAY, baseline_start=DAY, baseline_end=DAY, query_psi=0.4, score_psi=0.01
    )


def test_alerts_are_created_once_per_key_and_sent_by_email_and_webhook(
    troubled_day, settings, mailoutbox
):
    settings.ALERT_EMAILS = ["ops@example.org"]
    with Webhook() as webhook:
        settings.ALERT_WEBHOOK_URL = webhook.url

        created = alerts.check_alerts(day=DAY)
        again = alerts.check_alerts(day=DAY)

    assert sorted(alert.kind for alert in created) == [
        "drift",
        "faithfulness",
        "freshness",
        "ingestion",
        "metric_drop",
    ]
    assert again == []
    assert Alert.objects.count() == 5
    assert not Alert.objects.filter(notified_at__isnull=True).exists()
    (email,) = mailoutbox
    assert email.to == ["ops@example.org"] and email.subject == "[ragapp] 5 alerts"
    assert "doc_nDCG@10" in email.body and "0.800 to 0.700" in email.body
    (payload,) = webhook.received
    assert sorted(alert["key"] for alert in payload["alerts"]) == sorted(
        Alert.objects.values_list("key", flat=True)
    )
    # No question text and no user names leave the system.
    for text in [email.body, json.dumps(payload)]:
        assert "secret" not in text and "alice" not in text


def test_a_failing_webhook_is_logged_and_retried_next_time(troubled_day, settings, caplog):
    settings.ALERT_EMAILS = []
    with Webhook(status=500) as webhook:
        settings.ALERT_WEBHOOK_URL = webhook.url

        alerts.check_alerts(day=DAY)

        assert len(webhook.received) == 1
        assert Alert.objects.filter(notified_at__isnull=True).count() == 5
        assert "alert webhook failed" in caplog.text and webhook.url not in caplog.text

    with Webhook() as webhook:
        settings.ALERT_WEBHOOK_URL = webhook.url

        alerts.check_alerts(day=DAY)

    assert len(webhook.received[0]["alerts"]) == 5
    assert not Alert.objects.filter(notified_at__isnull=True).exists()


def test_no_email_is_sent_without_recipients(troubled_day, settings, mailoutbox):
    settings.ALERT_EMAILS, settings.ALERT_WEBHOOK_URL = [], ""

    alerts.check_alerts(day=DAY)

    assert mailoutbox == []
    assert Alert.objects.filter(notified_at__isnull=True).count() == 5


def test_stale_documents_raise_one_alert_until_another_goes_stale(db, settings, mailoutbox):
    settings.ALERT_MAX_STALE_DOCUMENTS, settings.STALE_DOCUMENT_DAYS = 0, 30
    settings.ALERT_EMAILS, settings.ALERT_WEBHOOK_URL = [], ""
    DocumentFactory(ingested_at=at_noon(DAY) - timedelta(days=60))

    first = alerts.check_alerts(day=DAY)
    next_days = [alerts.check_alerts(day=DAY + timedelta(days=n)) for n in (1, 2)]
    DocumentFactory(ingested_at=at_noon(DAY) - timedelta(days=29))  # a second stale one
    later = alerts.check_alerts(day=DAY + timedelta(days=3))

    assert [alert.kind for alert in first] == ["freshness"]
    assert next_days == [[], []]
    assert [alert.value for alert in later] == [2]


def test_a_quiet_day_raises_nothing(alice, settings, mailoutbox):
    settings.ALERT_EMAILS = ["ops@example.org"]
    MessageFactory(conversation__owner=alice, created_at=at_noon(DAY))
    rollups.update_rollups(days=[DAY])

    assert alerts.check_alerts(day=DAY) == []
    assert mailoutbox == []


def test_acknowledging_twice_keeps_the_first(olga, curator):
    alert = Alert.objects.create(kind="drift", key="drift:x", metric="query_psi", message="m")

    first = alerts.acknowledge_alert(alert=alert, user=olga).acknowledged_at
    again = alerts.acknowledge_alert(alert=alert, user=curator)

    assert again.acknowledged_at == first and again.acknowledged_by == olga


# A/B comparison and the run page --------------------------------------------------------------


def _variant_day(variant: str, answers: int, up: int, down: int, copied: int) -> None:
    DailyRollup.objects.create(
        day=DAY,
        variant=variant,
        answers=answers,
        votes_up=up,
        votes_down=down,
        answers_copied=copied,
    )


@pytest.mark.django_db
def test_the_ab_table_flags_a_planted_difference_and_not_a_null_one(settings):
    settings.ANSWER_VARIANTS = {"control": {"weight": 1}, "llm": {}, "dense": {}}
    _variant_day("control", 2000, 600, 400, 500)
    _variant_day("llm", 2000, 750, 250, 700)  # better on both
    _variant_day("dense", 2000, 605, 395, 505)  # the same, give or take noise
    _variant_day("", 5000, 0, 0, 0)  # overall row: not a variant

    rows = {row.variant: row for row in selectors.variant_comparison(start=DAY, end=DAY)}

    assert list(rows) == ["control", "dense", "llm"]
    assert rows["control"].is_control and rows["control"].up_test is None
    assert rows["llm"].up_test.verdict == rows["llm"].copy_test.verdict == "significant"
    assert rows["dense"].up_test.verdict == rows["dense"].copy_test.verdict == "not yet"
    low, high = rows["llm"].up_share.interval
    assert low < 0.75 < high and rows["llm"].up_share.value == 0.75


def test_the_control_is_named_control_or_else_the_first_configured():
    assert pick_control(["b", "control"], configured=["b"]) == "control"
    assert pick_control(["a", "b"], configured=["z", "b", "a"]) == "b"
    assert pick_control(["b", "a"]) == "a"
    assert pick_control([]) is None
    assert compare_variants([VariantCounts("a", 0, 0, 0, 0)], control="a")[0].up_share.value is None


@pytest.mark.django_db
def test_a_run_is_compared_item_by_item_with_its_baseline(settings):
    settings.EVAL_TOLERANCE = 0.02
    baseline = EvalRunFactory(metrics={"doc_nDCG@10": 0.9})
    run = EvalRunFactory(
        golden_set=baseline.golden_set, baseline=baseline, metrics={"doc_nDCG@10": 0.7}
    )
    worse, same = (
        EvalResultFactory(run=baseline, metrics={"doc_nDCG@10": value}) for value in [1.0, 0.8]
    )
    EvalResultFactory(run=run, item=same.item, metrics={"doc_nDCG@10": 0.8})
    EvalResultFactory(run=run, item=worse.item, metrics={"doc_nDCG@10": 0.4})

    comparison = selectors.eval_run_comparison(run=run)

    assert comparison.baseline == baseline and comparison.regressed_items == 1
    first, second = comparison.items
    assert first.item_id == worse.item_id and first.metrics[0].change == pytest.approx(-0.6)
    assert first.metrics[0].is_regression and not second.metrics[0].is_regression
    (mean,) = comparison.metrics
    assert (mean.value, mean.baseline, mean.is_regression) == (0.7, 0.9, True)


@pytest.mark.django_db
def test_latest_done_runs_and_reference_run_skip_unfinished_ones():
    golden_set = GoldenSetFactory()
    older = EvalRunFactory(golden_set=golden_set)
    failed = EvalRunFactory(golden_set=golden_set, status="failed")
    latest = EvalRunFactory(golden_set=golden_set, baseline=failed)
    EvalRunFactory(golden_set=golden_set, status="running")

    assert selectors.latest_done_runs() == [latest]
    assert selectors.reference_run(latest) == older


def test_the_review_list_puts_traffic_weighted_harm_first(db):
    def stats(document, **counts):
        for day in [DAY, DAY + timedelta(days=1)]:  # two days add up
            DocumentDailyStat.objects.create(day=day, document=document, **counts)

    busy_and_bad, small_and_bad, busy_and_fine = (DocumentFactory() for _ in range(3))
    elsewhere = DocumentFactory()
    stats(busy_and_bad, cited=50, retrieved=60, votes_up=45, votes_down=5, scored=5,
          faithfulness_sum=4.5)  # fmt: skip
    stats(small_and_bad, cited=5, retrieved=5, votes_down=5)
    stats(busy_and_fine, cited=500, retrieved=900, votes_up=10)
    DocumentDailyStat.objects.create(day=DAY - timedelta(days=1), document=elsewhere, cited=999)

    scorecard, review = selectors.document_scorecards(start=DAY, end=DAY + timedelta(days=1))

    assert [row.document_id for row in review] == [busy_and_bad.pk, small_and_bad.pk]
    assert review[0].harm == pytest.approx(100 * (0.1 + 0.1))
    assert review[1].harm == pytest.approx(10 * 1.0)
    assert [row.document_id for row in scorecard] == [
        busy_and_fine.pk,
        busy_and_bad.pk,
        small_and_bad.pk,
    ]
    assert scorecard[1].faithfulness == pytest.approx(0.9)
    assert scorecard[2].faithfulness is None
    only, _ = selectors.document_scorecards(
        start=DAY, end=DAY, collection_id=small_and_bad.collection_id
    )
    assert [row.document_id for row in only] == [small_and_bad.pk]
