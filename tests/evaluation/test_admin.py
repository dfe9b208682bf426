"""SMEs curate golden sets in the admin: import a JSONL file, start a run."""

import io

import pytest
from django.urls import reverse

from evaluation.models import EvalRun, GoldenSet
from tests.conftest import ROOT
from tests.factories import CollectionFactory, UserFactory


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_import_jsonl_from_the_golden_set_page(admin_client):
    golden_set = GoldenSet.objects.create(name="Sample")
    golden_set.collections.add(CollectionFactory())
    url = reverse("admin:evaluation_goldenset_import", args=[golden_set.pk])
    upload = io.BytesIO((ROOT / "sample_kb" / "golden.jsonl").read_bytes())
    upload.name = "golden.jsonl"

    response = admin_client.post(url, {"file": upload}, follow=True)

    assert b"19 item(s) added" in response.content
    # Not ingested here: the documents are reported, not silently dropped.
    assert b"Unknown documents: assets.csv" in response.content
    assert golden_set.items.count() == 19

    broken = io.BytesIO(b'{"question": "ok?"}\nnot json\n')
    broken.name = "broken.jsonl"
    response = admin_client.post(url, {"file": broken})
    assert b"Line 2 is not JSON" in response.content


@pytest.mark.django_db
def test_start_run_action_queues_a_run_after_commit(
    admin_client, django_capture_on_commit_callbacks
):
    golden_set = GoldenSet.objects.create(name="Sample")

    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(
            reverse("admin:evaluation_goldenset_changelist"),
            {"action": "start_run", "_selected_action": [golden_set.pk]},
        )

    run = EvalRun.objects.get(golden_set=golden_set)
    assert run.status == EvalRun.Status.QUEUED and run.started_by.username == "root"
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_an_end_user_cannot_open_the_evaluation_admin(client):
    client.force_login(UserFactory(username="bob"))
    response = client.get(reverse("admin:evaluation_goldenset_changelist"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_golden_set_list_shows_the_last_run_time_in_local_format(admin_client):
    from tests.factories import EvalRunFactory

    run = EvalRunFactory()
    html = admin_client.get(reverse("admin:evaluation_goldenset_changelist")).content.decode()
    assert str(run.created_at) not in html  # not "2026-12-02 16:19:28.614420+00:00"
    assert "+00:00" not in html
