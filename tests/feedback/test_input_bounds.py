"""Bad input is a 400, never a 500 (issue 12: copied_characters=1450077521242 raised DataError)."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chat.models import Conversation
from feedback.models import FeedbackEvent
from tests.factories import CollectionFactory, MessageFactory

TOO_MANY = 1_450_077_521_242


@pytest.fixture
def message(alice):
    return MessageFactory(conversation__owner=alice)


@pytest.fixture
def api(alice) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    return client


@pytest.mark.django_db
def test_a_copy_count_beyond_the_column_is_refused_by_the_api(api, message):
    url = reverse("api:feedback-create", args=[message.pk])

    too_many = api.post(url, {"kind": "copy", "copied_characters": TOO_MANY}, format="json")
    largest = api.post(url, {"kind": "copy", "copied_characters": 2**31 - 1}, format="json")

    assert too_many.status_code == 400 and "copied_characters" in too_many.json()
    assert largest.status_code == 201
    assert FeedbackEvent.objects.get().copied_characters == 2**31 - 1


@pytest.mark.django_db
def test_a_copy_count_beyond_the_column_is_refused_by_the_chat(client, alice, message):
    client.force_login(alice)
    url = reverse("feedback:message-event", args=[message.pk])

    response = client.post(url, {"kind": "copy", "copied_characters": TOO_MANY})

    assert response.status_code == 400
    assert not FeedbackEvent.objects.exists()


@pytest.mark.django_db
def test_ids_beyond_bigint_and_long_collection_lists_are_refused(api, alice):
    asks = [
        {"question": "Who approves travel?", "conversation": 2**63},
        {"question": "Who approves travel?", "collections": [2**63]},
        {"question": "Who approves travel?", "collections": list(range(1, 102))},
        {"question": "x" * 2001},
    ]

    responses = [api.post("/api/v1/questions/", body, format="json") for body in asks]

    assert [r.status_code for r in responses] == [400] * 4
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_an_unreadable_collection_is_refused_before_any_conversation_is_made(api, alice):
    private = CollectionFactory(slug="private")

    response = api.post(
        "/api/v1/questions/",
        {"question": "Who approves travel?", "collections": [private.pk]},
        format="json",
    )

    assert response.status_code == 404
    assert not Conversation.objects.filter(owner=alice).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [None, "Token not-a-real-token"])
def test_missing_or_bad_credentials_are_a_401_with_a_challenge(authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.get("/api/v1/collections/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_the_schema_documents_errors_and_the_collection_filter(client, alice):
    client.force_login(alice)

    schema = client.get("/api/schema/?format=json").json()

    documents = schema["paths"]["/api/v1/documents/"]["get"]
    assert "collection" in [p["name"] for p in documents["parameters"]]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            if method == "post":
                assert {"400", "404"} <= codes, (method, path)
