"""`make run` seeds the demo with `seed_demo`: the sample knowledge base through the real
worker, the role groups, the demo admin and a first evaluation run; a second start changes
nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from evaluation.models import EvalRun, GoldenSet
from ingestion.models import Document

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_seed_demo_ingests_the_sample_and_queues_a_first_run_once(worker, settings, tmp_path):
    settings.VAR_DIR = tmp_path

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    documents = Document.objects.filter(collection__slug="tidewater")
    assert documents.count() == 10
    assert set(documents.values_list("status", flat=True)) == {Document.Status.READY}
    assert get_user_model().objects.get(username="admin").is_superuser
    assert (tmp_path / "demo-admin-password").exists()
    assert set(Group.objects.values_list("name", flat=True)) >= {"SMEs", "Ops"}
    (run,) = GoldenSet.objects.get(name="Tidewater sample questions").runs.all()
    assert run.trigger == EvalRun.Trigger.COMMAND
