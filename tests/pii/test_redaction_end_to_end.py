"""A redacting collection through the real worker: planted personal data never comes back out."""

import io
import json
import logging

import numpy as np
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chat.models import Conversation, Message
from ingestion import services
from ingestion.models import Collection, Document
from pii.detection import RECOGNISER_VERSION
from providers.embeddings import get_embedder
from tests.conftest import wait_until_finished
from tests.factories import CollectionFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NI_NUMBER = "AB 12 34 56 C"
EMAIL = "jane.doe@tidewater-utilities.co.uk"
PHONE = "020 7946 0958"
POLICY = f"""# Expense claims procedure

Staff must submit an expense claim within 30 days of paying for something at work.

## Who handles expense claims

The payroll office handles every expense claim. For help with an expense claim, contact
Jane Doe at {EMAIL} or on {PHONE}. Her National Insurance number is {NI_NUMBER}.

## Approval of expense claims

A line manager approves each expense claim before payroll pays it with the next salary.
"""


def leaks(text: str) -> list[str]:
    squashed = "".join(text.split())
    return [
        value
        for value in (NI_NUMBER, EMAIL, PHONE)
        if value in text or "".join(value.split()) in squashed
    ]


def test_planted_values_reach_no_chunk_vector_answer_response_or_log(worker, caplog):
    caplog.set_level(logging.DEBUG)
    alice = UserFactory(username="alice")
    collection = CollectionFactory(slug="claims", pii_handling=Collection.PiiHandling.REDACT)
    collection.readers.add(alice)

    services.add_document(
        collection=collection, file=io.BytesIO(POLICY.encode()), source_name="claims.md"
    )
    (document,) = wait_until_finished(Document.objects.filter(collection=collection), timeout=300)

    assert document.status == Document.Status.READY, document.error
    version = document.current_version
    assert version.pii_handling == "redact"
    assert version.pii_recogniser == RECOGNISER_VERSION
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "UK_NINO", "PERSON"} <= set(version.pii_counts)
    chunks = list(document.chunks.all())
    assert any("<UK_NINO>" in chunk.text for chunk in chunks)
    for chunk in chunks:
        assert leaks(chunk.text + json.dumps(chunk.metadata)) == []
    # What was embedded is the redacted text: the stored vectors are those of the stored text.
    vectors = get_embedder().embed([chunk.text for chunk in chunks])
    for chunk, vector in zip(chunks, vectors, strict=True):
        assert np.dot(chunk.embedding, vector) == pytest.approx(1, abs=1e-3)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    response = api.post(
        "/api/v1/questions/",
        {"question": f"Who handles an expense claim? I am {EMAIL}, NI number {NI_NUMBER}."},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == Message.Kind.ANSWER
    assert leaks(response.content.decode()) == []
    message = Message.objects.get(pk=response.json()["id"])
    assert (
        message.question
        == message.searched_question
        == ("Who handles an expense claim? I am <EMAIL_ADDRESS>, NI number <UK_NINO>.")
    )
    assert leaks(message.rendered + json.dumps(message.sources)) == []
    assert leaks(Conversation.objects.get(pk=message.conversation_id).title) == []
    assert leaks(caplog.text) == [], [r for r in caplog.records if leaks(r.getMessage())][:3]
    assert leaks(worker.log_path.read_text(errors="replace")) == []
    assert worker.network_attempts() == []
