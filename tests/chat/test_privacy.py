"""Privacy: users rename and delete their conversations, old ones are purged, erase_user removes
a user's questions from every table, and a stored answer is withheld once its sources are
no longer readable. Deletion is checked by scanning every text column of every model."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from chat.models import Conversation, Message
from chat.tasks import purge_expired_conversations_task
from evaluation import rollups
from evaluation.models import DailyRollup, EvalResult, GoldenItem
from feedback.models import FeedbackEvent
from tests.factories import (
    AnswerScoreFactory,
    ConversationFactory,
    DocumentFactory,
    EvalResultFactory,
    FeedbackEventFactory,
    GoldenItemFactory,
    MessageFactory,
    at_noon,
)

pytestmark = pytest.mark.django_db

SECRET = "Can I expense my divorce lawyer"


def tables_holding(text: str) -> set[str]:
    """Every model and column (text, char or JSON) in which `text` appears."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                hit = model._default_manager.filter(**{f"{field.name}__contains": text})
            elif isinstance(field, models.JSONField):
                hit = model._default_manager.annotate(
                    _as_text=Cast(field.name, models.TextField())
                ).filter(_as_text__contains=text)
            else:
                continue
            if hit.exists():
                found.add(f"{model._meta.label}.{field.name}")
    return found


@pytest.fixture
def alices_secret(alice, alices_collection):
    """A conversation of alice's with everything that copies her question."""
    document = DocumentFactory(collection=alices_collection, title="Benefits handbook")
    conversation = ConversationFactory(owner=alice, title=SECRET)
    message = MessageFactory(
        conversation=conversation,
        question=f"{SECRET}?",
        collection_ids=[alices_collection.pk],
        sentences=[{"text": "Legal fees are not refunded.", "citations": [1]}],
        sources=[{"number": 1, "document_id": document.pk, "chunk_id": 1, "title": "Benefits"}],
        rendered="<p>Legal fees are not refunded. [1]</p>",
    )
    FeedbackEventFactory(message=message, rating=-1, comment=f"I asked: {SECRET}")
    FeedbackEventFactory(message=message, kind="copy", detail="button")
    AnswerScoreFactory(message=message)
    item = GoldenItemFactory(question=message.question, source_message=message)
    EvalResultFactory(item=item, run__golden_set=item.golden_set)
    return conversation


def test_the_fixture_puts_the_question_in_every_table_that_can_hold_it(alices_secret):
    assert tables_holding(SECRET) == {
        "chat.Conversation.title",
        "chat.Message.question",
        "feedback.FeedbackEvent.comment",
        "evaluation.GoldenItem.question",
        "evaluation.EvalResult.question",
    }


def test_alice_deletes_her_conversation_and_every_copy_goes(client, alice, alices_secret):
    client.force_login(alice)

    response = client.post(reverse("chat:conversation-delete", args=[alices_secret.pk]))

    assert response.status_code == 302 and response.url == reverse("chat:chat")
    assert tables_holding(SECRET) == set()
    assert not Message.objects.exists() and not FeedbackEvent.objects.exists()
    assert not GoldenItem.objects.exists() and not EvalResult.objects.exists()


def test_only_the_owner_renames_or_deletes_and_only_by_post(client, alice, bob, alices_secret):
    rename = reverse("chat:conversation-rename", args=[alices_secret.pk])
    delete = reverse("chat:conversation-delete", args=[alices_secret.pk])
    client.force_login(bob)
    assert client.post(rename, {"title": "Mine now"}).status_code == 404
    assert client.post(delete).status_code == 404
    client.force_login(alice)
    assert client.get(delete).status_code == 405

    response = client.post(rename, {"title": "  Expenses  "}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and b'value="Expenses"' in response.content
    alices_secret.refresh_from_db()
    assert alices_secret.title == "Expenses"
    assert Conversation.objects.filter(pk=alices_secret.pk).exists()


def test_the_api_lists_renames_and_deletes_own_conversations_only(
    client, alice, bob, alices_secret
):
    ConversationFactory(owner=bob, title="Bob's")
    url = reverse("api:conversation-detail", args=[alices_secret.pk])
    client.force_login(bob)
    listed = client.get(reverse("api:conversation-list")).json()
    assert [row["title"] for row in listed["results"]] == ["Bob's"]
    assert client.get(url).status_code == 404
    assert client.patch(url, {"title": "x"}, content_type="application/json").status_code == 404
    assert client.delete(url).status_code == 404
    client.force_login(alice)

    renamed = client.patch(url, {"title": "Expenses"}, content_type="application/json")
    too_long = client.patch(url, {"title": "x" * 201}, content_type="application/json")
    deleted = client.delete(url)

    assert renamed.status_code == 200 and renamed.json()["title"] == "Expenses"
    assert too_long.status_code == 400
    assert deleted.status_code == 204 and tables_holding(SECRET) == set()
    assert client.get(url).status_code == 404


def test_deleting_a_recent_conversation_is_followed_by_the_rollups_and_an_old_one_is_not(
    alice, alices_collection
):
    today = rollups.local_today()
    recent = ConversationFactory(owner=alice)
    MessageFactory.create_batch(2, conversation=recent, created_at=at_noon(today))
    old_day = today - timedelta(days=30)
    old = ConversationFactory(owner=alice)
    MessageFactory.create_batch(3, conversation=old, created_at=at_noon(old_day))
    rollups.update_rollups(days=[today, old_day])

    call_command("erase_user", "alice", stdout=io.StringIO())
    # What beat does: today and the last week are recomputed, older days are final.
    rollups.update_rollups(days=[today - timedelta(days=n) for n in range(8)])

    overall = DailyRollup.objects.filter(collection=None, variant="")
    assert overall.get(day=old_day).answers == 3  # counted when they were given
    assert not overall.filter(day=today, answers__gt=0).exists()


def test_retention_purges_idle_conversations_only(alice, settings, alices_secret):
    settings.CONVERSATION_RETENTION_DAYS = 0
    Conversation.objects.filter(pk=alices_secret.pk).update(
        updated_at=timezone.now() - timedelta(days=40)
    )
    fresh = ConversationFactory(owner=alice)
    assert purge_expired_conversations_task.run() == {}

    settings.CONVERSATION_RETENTION_DAYS = 30
    removed = purge_expired_conversations_task.run()

    assert removed["chat.Conversation"] == 1 and removed["chat.Message"] == 1
    assert list(Conversation.objects.all()) == [fresh]
    assert tables_holding(SECRET) == set()
    assert purge_expired_conversations_task.run() == {}  # safe to re-run


def test_erase_user_removes_questions_and_feedback_everywhere_and_prints_counts(
    alice, bob, alices_secret
):
    bobs = MessageFactory(conversation__owner=bob, question="Bob's own question?")
    FeedbackEventFactory(message=bobs)
    out = io.StringIO()

    call_command("erase_user", "alice", stdout=out)

    assert tables_holding(SECRET) == set()
    printed = out.getvalue()
    for line in [
        "chat.Conversation: 1",
        "chat.Message: 1",
        "feedback.FeedbackEvent: 2",
        "evaluation.AnswerScore: 1",
        "evaluation.GoldenItem: 1",
        "evaluation.EvalResult: 1",
    ]:
        assert line in printed
    # bob is untouched; alice's account stays.
    assert tables_holding("Bob's own question") == {"chat.Message.question"}
    assert FeedbackEvent.objects.filter(user=bob).count() == 1
    alice.refresh_from_db()


def test_an_answer_is_withheld_once_its_reader_loses_the_collection(
    client, alice, alices_collection, alices_secret
):
    client.force_login(alice)
    page = reverse("chat:conversation", args=[alices_secret.pk])
    api = reverse("api:conversation-detail", args=[alices_secret.pk])
    assert b"Legal fees are not refunded" in client.get(page).content
    assert client.get(api).json()["messages"][0]["withheld"] is False

    alices_collection.readers.remove(alice)
    shown = client.get(page)
    stored = client.get(api).json()["messages"][0]

    assert b"Legal fees are not refunded" not in shown.content
    assert b"cites documents you can no longer read" in shown.content
    assert stored["withheld"] is True and stored["sources"] == [] and stored["sentences"] == []
    assert "Legal fees" not in stored["answer"]
