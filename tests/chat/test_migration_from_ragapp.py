"""The chat's models moved from the project package's app (label "ragapp") to `chat`: a database
migrated before the move keeps its answers, feedback and group permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from chat.models import Message
from tests.factories import FeedbackEventFactory, MessageFactory

OLD_MIGRATIONS = [("ragapp", "0001_initial"), ("ragapp", "0002_message_fallback_reason")]


def _as_the_old_app_left_it() -> None:
    """The same tables (their names never changed), but the old app's migration rows and
    content types, as on a database last migrated before the move. Migrations written after
    the move are unapplied first (evaluation's that depend on chat, then chat's own): such a
    database has none of their columns."""
    call_command("migrate", "evaluation", "0002_monitoring", verbosity=0)
    call_command("migrate", "chat", "0002_content_types_from_ragapp", verbosity=0)
    recorder = MigrationRecorder(connection)
    recorder.migration_qs.filter(app="chat").delete()
    for app, name in OLD_MIGRATIONS:
        recorder.record_applied(app, name)
    ContentType.objects.filter(app_label="chat").update(app_label="ragapp")
    ContentType.objects.clear_cache()


def _migrated_to_the_end() -> None:
    """Whatever happened above, the tests after this one get the whole schema back."""
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_migrates_and_keeps_its_data():
    # given
    message = MessageFactory(question="How long is parental leave?")
    FeedbackEventFactory(message=message, user=message.user)
    group = Group.objects.create(name="reviewers")
    group.permissions.add(Permission.objects.get(codename="view_message"))
    try:
        _as_the_old_app_left_it()

        # when
        call_command("migrate", verbosity=0)
    finally:
        _migrated_to_the_end()

    # then
    applied = set(MigrationRecorder(connection).applied_migrations())
    assert {("chat", "0001_initial"), ("chat", "0002_content_types_from_ragapp")} <= applied
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="ragapp").exists()
    assert ContentType.objects.get_for_model(Message).app_label == "chat"
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("chat", "view_message")
    ]
    kept = Message.objects.get(pk=message.pk)
    assert kept.question == "How long is parental leave?"
    assert kept.feedback.count() == 1
    assert Message._meta.db_table == "ragapp_message"


def test_the_old_admin_addresses_redirect_to_the_chat_app(admin_client):
    response = admin_client.get("/admin/ragapp/message/?kind=answer")

    assert response.status_code == 301
    assert response["Location"] == "/admin/chat/message/?kind=answer"
