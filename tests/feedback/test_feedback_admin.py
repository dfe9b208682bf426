"""The feedback lists show what users said, not only that they said something."""

import pytest
from django.urls import reverse

from feedback.models import FeedbackEvent
from tests.factories import FeedbackEventFactory, MessageFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_feedback_list_shows_the_comment_text(admin_client):
    FeedbackEventFactory(rating=-1, reason="wrong", comment="The pump interval is 6 months.")
    html = admin_client.get(reverse("admin:feedback_feedbackevent_changelist")).content.decode()
    assert "The pump interval is 6 months." in html


def test_answer_review_list_shows_reason_and_comment(admin_client):
    message = MessageFactory(total_ms=17175.161640999988)
    FeedbackEventFactory(
        message=message, rating=-1, reason=FeedbackEvent.Reason.choices[0][0], comment="Outdated."
    )
    html = admin_client.get(reverse("admin:chat_message_changelist")).content.decode()
    assert FeedbackEvent.Reason.choices[0][1] in html
    assert "“Outdated.”" in html
    assert "17.2 s" in html and "17175.16" not in html
