"""The ops dashboard's frame (issue 15): how fresh the figures are and a refresh, counts beside
rates, explicit empty states, metric names for people, alerts that link to their subject and
say where they were sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation import rollups
from evaluation.metric_names import metric_definition, metric_label
from evaluation.models import Alert, DailyRollup
from ingestion.models import Document
from tests.factories import (
    DocumentFactory,
    DocumentVersionFactory,
    FeedbackEventFactory,
    MessageFactory,
)

DASHBOARD = reverse("evaluation:dashboard")
REFRESH = reverse("evaluation:refresh")


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_page_says_when_the_figures_were_updated(client, olga):
    client.force_login(olga)
    assert "No figures computed for this range yet" in text_of(client.get(DASHBOARD))

    DailyRollup.objects.create(day=rollups.local_today(), answers=3)
    DailyRollup.objects.update(updated_at=timezone.now() - timedelta(minutes=7))
    html = text_of(client.get(DASHBOARD))
    assert "Figures updated <time" in html and ">7 min ago</time>" in html


def test_refresh_recomputes_todays_rollups_now(client, olga, alice):
    MessageFactory(conversation__owner=alice)  # answered now: not in any rollup yet
    client.force_login(olga)
    assert text_of(client.get(DASHBOARD)).count("No answers in this range.") == 2

    response = client.post(REFRESH, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="dashboard-body">')
    assert response.context["data"].totals["answers"] == 1
    assert "just now" in text_of(response)
    assert (
        DailyRollup.objects.get(day=rollups.local_today(), collection=None, variant="").answers == 1
    )


def test_refresh_without_htmx_returns_to_the_same_range(client, olga):
    client.force_login(olga)
    response = client.post(REFRESH, {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 302
    assert response.url == f"{DASHBOARD}?start=2026-11-01&end=2026-11-30"


def test_only_ops_may_refresh_and_only_by_post(client, olga, alice):
    client.force_login(alice)
    assert client.post(REFRESH).status_code == 403
    client.force_login(olga)
    assert client.get(REFRESH).status_code == 405


def test_refresh_needs_a_csrf_token(olga):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(olga)
    assert client.post(REFRESH).status_code == 403


def test_rates_show_the_counts_behind_them(client, olga, alice):
    for rating in (1, -1):
        FeedbackEventFactory(message=MessageFactory(conversation__owner=alice), rating=rating)
    rollups.update_rollups()
    client.force_login(olga)
    html = text_of(client.get(DASHBOARD))
    assert "50.0%</span> of votes up <small>of 2 votes</small>" in html
    assert "no answer <small>of 2 answers</small>" in html


def test_empty_charts_say_why_and_drift_says_what_baseline_it_needs(client, olga):
    client.force_login(olga)
    response = client.get(DASHBOARD)
    html = text_of(response)
    assert 'id="chart-latency"' not in html and "No answer times in this range." in html
    assert "No documents ingested or failed in this range." in html
    assert (
        "Drift needs a baseline of 28 days of questions ending 7 days before the day compared: 35 days of history, 0 so far."
        in html
    )


def test_charts_with_data_are_drawn(client, olga, alice):
    MessageFactory(conversation__owner=alice)
    rollups.update_rollups()
    client.force_login(olga)
    html = text_of(client.get(DASHBOARD))
    assert 'id="chart-latency"' in html and 'id="chart-answers"' in html
    assert "No answer times in this range." not in html


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("doc_RR@10", "Reciprocal rank, top 10 documents"),
        ("nDCG@5", "Ranking quality (nDCG), top 5 passages"),
        ("faithfulness", "Faithfulness"),
        ("something_new", "something_new"),
    ],
)
def test_metric_names_for_people(name, label):
    assert metric_label(name) == label


def test_metric_definitions():
    assert metric_definition("doc_RR@10").startswith("1 / rank of the first relevant document")
    assert metric_definition("something_new") == ""


def test_a_failed_ingestion_alert_links_to_the_document(client, olga):
    document = DocumentFactory(title="Pump manual", status=Document.Status.FAILED)
    DocumentVersionFactory(document=document, error="Parse failed")
    today = rollups.local_today()
    Alert.objects.create(
        kind=Alert.Kind.INGESTION, key=f"ingestion:{today}", metric="documents_failed",
        message=f"1 document failed to ingest on {today}.",
    )  # fmt: skip
    client.force_login(olga)
    html = text_of(client.get(DASHBOARD))
    url = reverse("admin:ingestion_document_change", args=[document.pk])
    assert f'<a href="{url}">Open “Pump manual”</a>' in html


def test_a_metric_drop_alert_links_to_its_run(client, olga):
    Alert.objects.create(
        kind=Alert.Kind.METRIC_DROP, key="metric_drop:run-12:doc_RR@10", metric="doc_RR@10",
        message="dropped",
    )  # fmt: skip
    client.force_login(olga)
    assert reverse("evaluation:dashboard-run", args=[12]) in text_of(client.get(DASHBOARD))


def test_alerts_say_no_channel_is_configured(client, olga, settings):
    settings.ALERT_EMAILS, settings.ALERT_WEBHOOK_URL = [], ""
    Alert.objects.create(
        kind=Alert.Kind.DRIFT, key="drift:query_psi:2026-12-01", metric="q", message="m"
    )
    client.force_login(olga)
    html = text_of(client.get(DASHBOARD))
    assert "No channel configured" in html and "Not sent (no channel)" in html
    assert "not yet" not in html


def test_alerts_say_which_channels_are_configured(client, olga, settings):
    settings.ALERT_EMAILS, settings.ALERT_WEBHOOK_URL = ["ops@example.com"], "http://127.0.0.1:9/x"
    Alert.objects.create(
        kind=Alert.Kind.DRIFT, key="drift:query_psi:2026-12-01", metric="q", message="m"
    )
    client.force_login(olga)
    html = text_of(client.get(DASHBOARD))
    assert "Sent by e-mail to 1 address and webhook." in html and "Waiting to send" in html


def test_an_alert_about_several_failed_ingestions_links_to_the_failed_documents(client, olga):
    today = rollups.local_today()
    for title in ["A", "B"]:
        document = DocumentFactory(title=title, status=Document.Status.FAILED)
        DocumentVersionFactory(document=document, error="Parse failed")
    Alert.objects.create(
        kind=Alert.Kind.INGESTION, key=f"ingestion:{today}", metric="documents_failed",
        message="2 documents failed to ingest.",
    )  # fmt: skip
    client.force_login(olga)
    url = reverse("admin:ingestion_document_changelist")
    assert f'<a href="{url}?status__exact=failed">2 documents</a>' in text_of(client.get(DASHBOARD))


def test_the_run_page_names_metrics_for_people_and_times_in_seconds(client, olga):
    from tests.factories import EvalRunFactory

    run = EvalRunFactory(metrics={"doc_RR@10": 0.3926598140000124, "latency_ms": 17175.16})
    client.force_login(olga)
    html = text_of(client.get(reverse("evaluation:dashboard-run", args=[run.pk])))
    assert "Reciprocal rank, top 10 documents" in html
    assert "1 / rank of the first relevant document" in html  # the definition, for the tooltip
    assert ">0.393<" in html and "17.2 s" in html
    assert "0.3926598" not in html and "17175.16" not in html
