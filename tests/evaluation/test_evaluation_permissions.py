"""Evaluation follows the chat's read permission: golden sets, items, judgements, runs and the
"add to golden set" action show and accept only what the user may read (staff: what they
curate and read). Named users: alice reads her collection, bob reads nothing private, carol
curates alice's collection, dave curates a private collection he may also read."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from chat.models import Message
from evaluation import runs
from evaluation.models import EvalRun, GoldenItem, GoldenSet
from evaluation.tasks import nightly_evaluation_task
from ingestion.models import Collection, Document
from tests.factories import (
    CollectionFactory,
    DocumentFactory,
    EvalRunFactory,
    GoldenItemFactory,
    MessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_collection(db) -> Collection:
    return CollectionFactory(name="Board minutes (secret)", slug="board")


@pytest.fixture
def carol(curator, alices_collection):
    """curator of alice's collection, also allowed to read it, with the evaluation admin."""
    alices_collection.readers.add(curator)
    curator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["evaluation", "chat", "feedback"])
    )
    return curator


@pytest.fixture
def dave(private_collection):
    """Curator and reader of the private collection only."""
    user = UserFactory(username="dave", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["evaluation", "chat", "feedback", "ingestion"]
        )
    )
    private_collection.curators.add(user)
    private_collection.readers.add(user)
    return user


@pytest.fixture
def secret_set(dave, private_collection) -> GoldenSet:
    golden_set = GoldenSet.objects.create(name="Secret set", created_by=dave)
    golden_set.collections.add(private_collection)
    return golden_set


@pytest.fixture
def secret_document(private_collection) -> Document:
    return DocumentFactory(collection=private_collection, title="Merger plan")


@pytest.fixture
def secret_message(private_collection, dave) -> Message:
    return MessageFactory(
        question="Is the merger with Initech still on?", collection_ids=[private_collection.pk]
    )


def test_carol_does_not_see_golden_sets_runs_or_names_over_a_collection_she_cannot_read(
    client, carol, secret_set, secret_document
):
    item = GoldenItemFactory(golden_set=secret_set, question="Who signs the merger?")
    item.judgements.create(document=secret_document)
    run = EvalRunFactory(golden_set=secret_set, metrics={"doc_nDCG@10": 0.5})
    client.force_login(carol)

    pages = [
        client.get(reverse("admin:evaluation_goldenset_changelist")),
        client.get(reverse("admin:evaluation_goldenitem_changelist")),
        client.get(reverse("admin:evaluation_evalrun_changelist")),
        client.get(reverse("admin:evaluation_goldenset_add")),
        client.get(reverse("admin:chat_message_changelist")),
        client.get(reverse("admin:ingestion_document_changelist")),  # its collection filter
        client.get(reverse("admin:ingestion_chunk_changelist")),
    ]

    for page in pages:
        assert page.status_code == 200
        assert b"Secret set" not in page.content
        assert b"Board minutes" not in page.content
        assert b"merger" not in page.content.lower()
    for url in [
        reverse("admin:evaluation_goldenset_change", args=[secret_set.pk]),
        reverse("admin:evaluation_goldenitem_change", args=[item.pk]),
        reverse("admin:evaluation_evalrun_change", args=[run.pk]),
    ]:
        assert client.get(url, follow=True).redirect_chain[-1][0] == reverse("admin:index")
    import_url = reverse("admin:evaluation_goldenset_import", args=[secret_set.pk])
    assert client.get(import_url).status_code == 404


def test_carol_cannot_create_a_golden_set_over_a_collection_she_cannot_read(
    client, carol, alices_collection, private_collection
):
    client.force_login(carol)
    url = reverse("admin:evaluation_goldenset_add")

    response = client.post(url, {"name": "Probe", "collections": [private_collection.pk]})

    assert response.status_code == 200  # the form again, with the error
    assert b"Select a valid choice" in response.content
    assert not GoldenSet.objects.filter(name="Probe").exists()

    client.post(url, {"name": "Mine", "collections": [alices_collection.pk]})
    assert GoldenSet.objects.get(name="Mine").created_by == carol


def test_carol_cannot_judge_a_private_document_or_chunk_or_link_a_private_answer(
    client, carol, alices_collection, secret_document, secret_message
):
    mine = GoldenSet.objects.create(name="Mine", created_by=carol)
    mine.collections.add(alices_collection)
    client.force_login(carol)
    base = {
        "golden_set": mine.pk,
        "question": "Probe?",
        "external_id": "",
        "reference_answer": "",
        "judgements-TOTAL_FORMS": "1",
        "judgements-INITIAL_FORMS": "0",
        "judgements-MIN_NUM_FORMS": "0",
        "judgements-MAX_NUM_FORMS": "1000",
        "judgements-0-grade": "1",
    }

    for forged in [
        {"judgements-0-document": secret_document.pk},
        {"source_message": secret_message.pk},
    ]:
        response = client.post(reverse("admin:evaluation_goldenitem_add"), base | forged)
        assert response.status_code == 200 and b"errornote" in response.content, forged

    assert not GoldenItem.objects.exists()
    # The same form with a document of her collection is accepted.
    readable = DocumentFactory(collection=alices_collection, title="Leave policy")
    client.post(
        reverse("admin:evaluation_goldenitem_add"), base | {"judgements-0-document": readable.pk}
    )
    assert GoldenItem.objects.get().judgements.get().document == readable


def test_add_to_golden_set_offers_only_visible_sets_and_refuses_private_answers(
    client, carol, alices_collection, secret_set, secret_message, alice
):
    mine = GoldenSet.objects.create(name="Mine", created_by=carol)
    mine.collections.add(alices_collection)
    own = MessageFactory(conversation__owner=alice, collection_ids=[alices_collection.pk])
    client.force_login(carol)
    url = reverse("admin:chat_message_changelist")

    page = client.post(url, {"action": "add_to_golden_set", "_selected_action": [own.pk]})
    assert b"Mine" in page.content and b"Secret set" not in page.content

    # A forged post: the private answer and the private set are both ignored.
    client.post(
        url,
        {
            "action": "add_to_golden_set",
            "_selected_action": [own.pk, secret_message.pk],
            "golden_set": secret_set.pk,
        },
    )
    assert not secret_set.items.exists()
    client.post(
        url,
        {
            "action": "add_to_golden_set",
            "_selected_action": [own.pk, secret_message.pk],
            "golden_set": mine.pk,
        },
    )
    assert list(mine.items.values_list("source_message", flat=True)) == [own.pk]


def test_a_run_records_who_started_it_and_is_refused_for_a_set_they_cannot_read(
    carol, secret_set, alices_collection, bob
):
    with pytest.raises(runs.RunRefused):
        runs.start_eval_run(golden_set=secret_set, started_by=carol, enqueue=False)
    with pytest.raises(runs.RunRefused):
        runs.start_eval_run(golden_set=secret_set, enqueue=False)  # no user: command line only
    assert not EvalRun.objects.exists()

    mine = GoldenSet.objects.create(name="Mine", created_by=carol)
    mine.collections.add(alices_collection)
    run = runs.start_eval_run(golden_set=mine, started_by=carol, enqueue=False)
    assert run.started_by == carol

    # Carol loses read access before the worker picks the run up: it fails, nothing searched.
    alices_collection.readers.remove(carol)
    run = runs.execute_eval_run(run_id=run.pk)
    assert run.status == EvalRun.Status.FAILED and "cannot read" in run.error
    assert not run.results.exists()


def test_carol_cannot_start_a_run_of_her_set_once_it_covers_a_private_collection(
    client, carol, alices_collection, private_collection
):
    """A superuser widened carol's set: it leaves her view, and her action starts nothing."""
    mine = GoldenSet.objects.create(name="Mine", created_by=carol)
    mine.collections.add(alices_collection, private_collection)
    client.force_login(carol)

    client.post(
        reverse("admin:evaluation_goldenset_changelist"),
        {"action": "start_run", "_selected_action": [mine.pk]},
    )

    assert not EvalRun.objects.exists()


def test_nightly_runs_search_as_the_creator_and_skip_sets_they_can_no_longer_read(
    carol, dave, secret_set, alices_collection, django_capture_on_commit_callbacks
):
    mine = GoldenSet.objects.create(name="Mine", created_by=carol)
    mine.collections.add(alices_collection)
    orphan = GoldenSet.objects.create(name="Orphan")  # no creator: nobody to search as
    orphan.collections.add(alices_collection)
    alices_collection.readers.remove(carol)

    with django_capture_on_commit_callbacks():
        started = nightly_evaluation_task.run()

    (run,) = EvalRun.objects.filter(pk__in=started)
    assert run.golden_set == secret_set and run.started_by == dave
    assert run.trigger == EvalRun.Trigger.NIGHTLY


def test_ops_start_a_run_only_over_collections_they_read(client, olga, bob, secret_set):
    client.force_login(bob)
    assert client.post(reverse("evaluation:start-run", args=[secret_set.pk])).status_code == 403
    assert not EvalRun.objects.exists()


def test_superuser_sees_everything(client, secret_set, secret_message):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)

    page = client.get(reverse("admin:evaluation_goldenset_changelist"))
    answers = client.get(reverse("admin:chat_message_changelist"))

    assert b"Secret set" in page.content
    assert b"Board minutes" in answers.content  # the collection filter
    assert b"merger" in answers.content
