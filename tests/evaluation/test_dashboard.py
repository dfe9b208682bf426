"""The ops dashboard: who may see it, what it reads, and that its cost does not grow with traffic."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation import rollups
from evaluation.models import Alert, DailyRollup
from tests.factories import (
    AnswerScoreFactory,
    DocumentFactory,
    EvalResultFactory,
    EvalRunFactory,
    FeedbackEventFactory,
    MessageFactory,
    UserFactory,
    at_noon,
)

DASHBOARD = reverse("evaluation:dashboard")


def _traffic(owner, *, answers: int, seed: int = 0) -> None:
    """Answers over the last week in two variants, citing a few documents, with feedback."""
    rng = random.Random(seed)
    documents = [DocumentFactory() for _ in range(3)]
    today = rollups.local_today()
    for n in range(answers):
        document = rng.choice(documents)
        message = MessageFactory(
            conversation__owner=owner,
            variant=rng.choice(["control", "llm"]),
            collection_ids=[document.collection_id],
            sources=[{"number": 1, "document_id": document.pk}],
            total_ms=rng.uniform(100, 900),
            created_at=at_noon(today - timedelta(days=n % 7)),
        )
        FeedbackEventFactory(message=message, rating=rng.choice([1, -1]))
        AnswerScoreFactory(message=message, faithfulness=rng.random())
    rollups.update_rollups(days=[today - timedelta(days=n) for n in range(7)])


def test_ops_see_the_dashboard(client, olga):
    client.force_login(olga)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert b"Ops dashboard" in response.content
    assert b'id="dashboard-data"' in response.content
    assert b"vendor/chart.js/chart.umd.min.js" in response.content


def test_superusers_see_the_dashboard(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("who", ["alice", "curator"])
def test_end_users_and_staff_outside_the_ops_group_get_403(client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("evaluation:dashboard-run", args=[1])).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    response = client.get(DASHBOARD + "?start=2026-01-01")

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=/ops/%3Fstart%3D2026-01-01" in response.url


def test_the_query_count_is_bounded_and_does_not_grow_with_traffic(
    client, olga, alice, django_assert_max_num_queries
):
    client.force_login(olga)
    _traffic(alice, answers=2)
    with CaptureQueriesContext(connection) as small:
        client.get(DASHBOARD)

    _traffic(alice, answers=60, seed=1)
    EvalRunFactory.create_batch(3)
    Alert.objects.create(kind="drift", key="k1", metric="query_psi", message="Drift.")
    # 14 for the rollups, runs, alerts and scorecards; 4 for the guardrail panel (issue 14).
    with django_assert_max_num_queries(18):
        response = client.get(DASHBOARD)

    assert response.status_code == 200
    # The same queries whatever the number of answers, documents, runs and alerts.
    with CaptureQueriesContext(connection) as large:
        client.get(DASHBOARD)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_page_shows_rollup_figures_and_the_ab_table(client, olga, alice):
    client.force_login(olga)
    _traffic(alice, answers=20)

    response = client.get(DASHBOARD)

    data = response.context["data"]
    assert data.totals["answers"] == 20
    assert [row.variant for row in data.variants] == ["control", "llm"]
    assert len(data.scorecard) == 3 and sum(row.cited for row in data.scorecard) == 20
    series = json.loads(
        response.content.split(b'id="dashboard-data" type="application/json">')[1].split(
            b"</script>"
        )[0]
    )
    assert len(series["labels"]) == 30 and sum(filter(None, series["answers"])) == 20
    assert b"(control)" in response.content


def test_an_htmx_request_gets_only_the_body_for_the_new_range(client, olga, alice):
    client.force_login(olga)
    today = rollups.local_today()
    DailyRollup.objects.create(day=today - timedelta(days=40), answers=7)

    response = client.get(
        DASHBOARD,
        {"start": (today - timedelta(days=60)).isoformat(), "end": today.isoformat()},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="dashboard-body">')
    assert b"<html" not in response.content
    assert response.context["data"].totals["answers"] == 7


def test_a_reversed_range_is_refused_and_the_default_shown(client, olga):
    client.force_login(olga)

    response = client.get(DASHBOARD, {"start": "2026-05-02", "end": "2026-05-01"})

    assert b"The start date must be on or before the end date." in response.content
    data = response.context["data"]
    assert (data.end - data.start).days == 29 and data.end == rollups.local_today()


def test_ops_acknowledge_an_alert_with_htmx(client, olga, alice):
    alert = Alert.objects.create(kind="drift", key="k", metric="query_psi", message="Drift.")
    url = reverse("evaluation:alert-acknowledge", args=[alert.pk])

    client.force_login(alice)
    assert client.post(url).status_code == 403
    client.force_login(olga)
    assert client.get(url).status_code == 405
    response = client.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content.lstrip().startswith(f'<tr id="alert-{alert.pk}"'.encode())
    assert b"Acknowledged" in response.content
    alert.refresh_from_db()
    assert alert.acknowledged_by == olga and alert.acknowledged_at is not None


def test_acknowledging_without_htmx_goes_back_to_the_dashboard(client, olga):
    alert = Alert.objects.create(kind="drift", key="k", metric="query_psi", message="Drift.")
    client.force_login(olga)

    response = client.post(reverse("evaluation:alert-acknowledge", args=[alert.pk]))

    assert response.status_code == 302 and response.url == DASHBOARD


def test_the_run_page_highlights_items_that_regressed(client, olga, settings):
    settings.EVAL_TOLERANCE = 0.02
    baseline = EvalRunFactory(metrics={"doc_nDCG@10": 0.9})
    run = EvalRunFactory(
        golden_set=baseline.golden_set, baseline=baseline, metrics={"doc_nDCG@10": 0.7}
    )
    before = EvalResultFactory(run=baseline, metrics={"doc_nDCG@10": 1.0})
    EvalResultFactory(run=run, item=before.item, metrics={"doc_nDCG@10": 0.4})
    client.force_login(olga)

    response = client.get(reverse("evaluation:dashboard-run", args=[run.pk]))

    assert response.status_code == 200
    assert b'class="regressed"' in response.content
    assert "−0.600".encode() in response.content
    assert b"1 of 1 items regressed" in response.content


def test_ops_start_an_evaluation_run_from_the_dashboard(
    client, olga, alice, django_capture_on_commit_callbacks
):
    from evaluation.models import EvalRun, GoldenSet

    golden_set = GoldenSet.objects.create(name="Sample questions")
    client.force_login(olga)
    assert b"Run \xe2\x80\x9cSample questions\xe2\x80\x9d now" in client.get(DASHBOARD).content

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("evaluation:start-run", args=[golden_set.pk]))

    run = EvalRun.objects.get(golden_set=golden_set)
    assert response.status_code == 302 and response.url == reverse(
        "evaluation:dashboard-run", args=[run.pk]
    )
    assert run.started_by == olga and len(callbacks) == 1
    client.force_login(alice)
    assert client.post(reverse("evaluation:start-run", args=[golden_set.pk])).status_code == 403
