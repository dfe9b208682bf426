"""The audit trail: append-only in the database, and exactly one event for each audited action,
made through the paths people use (sign-in page, admin, chat, API)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import Action, record
from chat.models import Message
from evaluation.models import EvalRun, GoldenSet
from ingestion import services
from ingestion.models import Document
from tests.factories import GoldenSetFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# Events are never deleted, so other modules' committed fixtures leave theirs behind: each test
# looks only at the events written after it started.
_start = 0


@pytest.fixture(autouse=True)
def since_this_test(db) -> None:
    global _start
    _start = last_id()


def new_events():
    return AuditEvent.objects.filter(id__gt=_start)


def events(action: str) -> list[AuditEvent]:
    return list(new_events().filter(action=action))


def only(action: str) -> AuditEvent:
    found = events(action)
    assert len(found) == 1, [str(event) for event in new_events()]
    return found[0]


def add(collection, name: str = "leave.md", text: str = "# Leave\n\nStaff get 25 days.\n"):
    return services.add_document(
        collection=collection, file=io.BytesIO(text.encode()), source_name=name
    ).document


# Append-only, enforced by PostgreSQL for the role the application connects as


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
)
def test_the_database_refuses_to_change_or_delete_an_event(db, alice, statement):
    record(action=Action.SIGN_IN, actor=alice)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert new_events().get().action == Action.SIGN_IN


def test_the_orm_cannot_delete_an_event_either(db, alice):
    record(action=Action.SIGN_IN, actor=alice)
    with pytest.raises(DatabaseError), transaction.atomic():
        new_events().delete()
    assert new_events().count() == 1


def test_deleting_a_user_keeps_their_events(db, alice):
    record(action=Action.SIGN_IN, actor=alice)
    alice.delete()
    event = new_events().get()
    assert (event.actor_username, event.action) == ("alice", Action.SIGN_IN)


def test_each_event_is_also_one_json_line_on_the_audit_logger(db, alice):
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda log_record: lines.append(log_record.getMessage())
    logger = logging.getLogger("ragapp.audit")
    logger.addHandler(handler)
    try:
        event = record(action=Action.SIGN_IN, actor=alice, target=alice)
    finally:
        logger.removeHandler(handler)
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["id"] == event.pk
    assert (line["actor"], line["action"], line["object_id"]) == (
        "alice",
        "auth.sign_in",
        str(alice.pk),
    )


# Sign-in, sign-out, failed sign-in


def test_sign_in_sign_out_and_a_failed_sign_in_each_write_one_event(client, alice):
    alice.set_password("correct horse")
    alice.save()
    client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    failed = only(Action.SIGN_IN_FAILED)
    assert failed.details == {"username": "alice"}
    assert "wrong" not in json.dumps(failed.details)
    assert failed.client_address == "127.0.0.1"

    client.post(reverse("login"), {"username": "alice", "password": "correct horse"})
    assert only(Action.SIGN_IN).actor_username == "alice"
    client.post(reverse("logout"))
    assert only(Action.SIGN_OUT).actor_username == "alice"


# Documents


def test_admin_upload_writes_one_event_per_file(root_client, alices_collection):
    root_client.post(
        reverse("admin:ingestion_document_upload"),
        {
            "collection": alices_collection.pk,
            "files": [
                SimpleUploadedFile("a.txt", b"Pumps are serviced yearly.\n"),
                SimpleUploadedFile("b.txt", b"Lead is sampled every quarter.\n"),
            ],
        },
    )
    uploads = events(Action.DOCUMENT_UPLOAD)
    assert sorted(event.object_repr for event in uploads) == ["a", "b"]
    assert {event.actor_username for event in uploads} == {"root"}


@pytest.mark.parametrize(
    ("admin_action", "audited"),
    [
        ("reingest", Action.DOCUMENT_REINGEST),
        ("retire", Action.DOCUMENT_RETIRE),
        ("delete_selected", Action.DOCUMENT_DELETE),
    ],
)
def test_admin_document_actions_write_one_event_each(
    root_client, alices_collection, admin_action, audited
):
    document = add(alices_collection)
    before = last_id()
    data = {"action": admin_action, "_selected_action": [document.pk]}
    if admin_action == "delete_selected":
        data["post"] = "yes"
    root_client.post(reverse("admin:ingestion_document_changelist"), data)
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert (event.action, event.actor_username, event.object_id) == (
        audited,
        "root",
        str(document.pk),
    )


def test_restoring_a_document_that_never_got_ready_is_one_restore_event(
    root_client, alices_collection
):
    document = add(alices_collection)
    services.retire_document(document=document)
    root_client.post(
        reverse("admin:ingestion_document_changelist"),
        {"action": "restore", "_selected_action": [document.pk]},
    )
    assert only(Action.DOCUMENT_RESTORE).actor_username == "root"
    assert events(Action.DOCUMENT_REINGEST) == []


def test_downloading_an_original_writes_one_event(client, alice, alices_collection):
    document = add(alices_collection)
    services.ingest_document(document_id=document.pk, task_id=document.task_id)
    client.force_login(alice)
    response = client.get(reverse("chat:document-file", args=[document.pk]))
    assert response.status_code == 200
    event = only(Action.DOCUMENT_DOWNLOAD)
    assert (event.actor_username, event.object_id) == ("alice", str(document.pk))


# Who may read and curate; groups


def test_adding_and_removing_readers_and_curators_is_audited(db, alice, bob, alices_collection):
    # The fixture added alice as a reader: one event already.
    assert only(Action.READERS_ADDED).details == {"users": ["alice"]}
    alices_collection.readers.add(bob)
    alices_collection.readers.remove(alice)
    bob.curated_collections.add(alices_collection)
    assert len(events(Action.READERS_ADDED)) == 2
    assert only(Action.READERS_REMOVED).details == {"users": ["alice"]}
    curators = only(Action.CURATORS_ADDED)
    assert (curators.object_id, curators.details) == (str(alices_collection.pk), {"users": ["bob"]})


def test_reader_changes_made_in_the_admin_name_the_admin(root_client, alices_collection, bob):
    response = root_client.post(
        reverse("admin:ingestion_collection_change", args=[alices_collection.pk]),
        {
            "name": alices_collection.name,
            "slug": alices_collection.slug,
            "readers": [bob.pk],
            "curators": [],
            "pii_handling": alices_collection.pii_handling,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert only(Action.READERS_REMOVED).actor_username == "root"
    added = [event for event in events(Action.READERS_ADDED) if event.details == {"users": ["bob"]}]
    assert [event.actor_username for event in added] == ["root"]


def test_group_membership_changes_are_audited_from_both_sides(db, alice, bob):
    ops = Group.objects.create(name="Ops")
    alice.groups.add(ops)
    ops.user_set.add(bob)
    ops.user_set.remove(alice)
    added = events(Action.GROUPS_ADDED)
    assert sorted(event.object_repr for event in added) == ["alice", "bob"]
    assert only(Action.GROUPS_REMOVED).details == {"groups": ["Ops"]}


# Evaluation and exports


def test_golden_set_created_in_the_admin_is_one_event(root_client, alices_collection):
    root_client.post(
        reverse("admin:evaluation_goldenset_add"),
        {"name": "Smoke", "description": "", "collections": [alices_collection.pk]},
    )
    golden_set = GoldenSet.objects.get(name="Smoke")
    event = only(Action.CREATED)
    assert (event.object_type, event.object_id) == ("evaluation.goldenset", str(golden_set.pk))


def test_starting_a_run_and_exporting_a_set_are_audited(root_client, root):
    golden_set = GoldenSetFactory(name="Smoke")
    changelist = reverse("admin:evaluation_goldenset_changelist")
    root_client.post(changelist, {"action": "start_run", "_selected_action": [golden_set.pk]})
    run = EvalRun.objects.get()
    started = only(Action.EVAL_RUN_STARTED)
    assert (started.actor_username, started.object_id) == ("root", str(run.pk))
    root_client.post(changelist, {"action": "export_jsonl", "_selected_action": [golden_set.pk]})
    assert only(Action.EXPORTED).object_id == str(golden_set.pk)


def test_the_audit_admin_is_read_only_even_for_a_superuser(root_client, alice):
    event = record(action=Action.SIGN_IN, actor=alice)
    assert root_client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert (
        root_client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code
        == 403
    )
    response = root_client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "export_csv", "_selected_action": [event.pk]},
    )
    body = b"".join(response.streaming_content).decode()
    assert "auth.sign_in" in body and "alice" in body
    assert only(Action.EXPORTED).details == {"what": "audit events", "count": 1}


# Answers: the trail names the answer and its user, never the text


def test_each_stored_answer_writes_one_event_without_its_text(client, alice, alices_collection):
    client.force_login(alice)
    question = "How many days of leave do staff get, secret-marker-4711?"
    client.post(reverse("chat:ask"), {"question": question}, **HTMX)
    message = Message.objects.get()
    event = only(Action.ANSWERED)
    assert (event.actor_username, event.object_id) == ("alice", str(message.pk))
    assert event.details["kind"] == message.kind
    assert "secret-marker-4711" not in json.dumps(event.details) + event.object_repr
    assert Document.objects.count() == 0
