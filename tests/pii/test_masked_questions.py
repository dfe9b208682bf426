"""Questions are kept with personal data masked: in the chat, and in the drift sample."""

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Conversation, Message
from evaluation.drift_reports import _window
from tests.factories import MessageFactory

QUESTION = "Can I claim travel? I am Jo Bloggs, jo.bloggs@example.co.uk, NI AB123456C."
MASKED = "Can I claim travel? I am <PERSON>, <EMAIL_ADDRESS>, NI <UK_NINO>."


@pytest.mark.django_db
def test_the_chat_stores_and_shows_the_question_masked(client, alice):
    client.force_login(alice)

    response = client.post(reverse("chat:ask"), {"question": QUESTION}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    page = response.content.decode()
    assert "jo.bloggs" not in page and "AB123456C" not in page
    assert "&lt;EMAIL_ADDRESS&gt;" in page
    message = Message.objects.get()
    assert message.question == MASKED
    assert Conversation.objects.get().title == MASKED


@pytest.mark.django_db
def test_the_drift_sample_masks_questions_stored_before_masking(alice):
    MessageFactory(conversation__owner=alice, question=QUESTION)

    window = _window(timezone.localdate(), timezone.localdate())

    assert window.sample_questions == [MASKED]
