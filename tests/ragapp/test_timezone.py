"""Times are shown in the reader's own time zone, which the browser reports in the `tz` cookie."""

from datetime import UTC, datetime

import pytest

from chat.models import Conversation

UPDATED = datetime(2026, 12, 3, 9, 52, tzinfo=UTC)


@pytest.fixture
def conversation(alice):
    conversation = Conversation.objects.create(owner=alice, title="Wellness days")
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=UPDATED)
    return conversation


@pytest.mark.parametrize(
    ("cookie", "shown"),
    [
        ("Asia/Tokyo", "3 Dec 2026, 18:52"),
        ("America%2FNew_York", "3 Dec 2026, 04:52"),  # as document.cookie encodes it
        ("", "3 Dec 2026, 09:52"),  # settings.TIME_ZONE (UTC)
        ("Mars/Olympus_Mons", "3 Dec 2026, 09:52"),
        ("../../etc/passwd", "3 Dec 2026, 09:52"),
    ],
)
def test_the_sidebar_shows_times_in_the_browsers_zone(client, alice, conversation, cookie, shown):
    client.force_login(alice)
    client.cookies["tz"] = cookie

    response = client.get("/conversations/")

    assert response.status_code == 200
    assert shown in response.content.decode()
