"""The REST API enforces the same permissions as the UI, with JSON errors."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chat.models import Message
from ingestion.models import Document
from tests.conftest import MANIFEST
from tests.factories import UserFactory

QUESTION = MANIFEST[0]["question"]


def client_for(username: str, **fields) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=UserFactory(username=username, **fields))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.django_db
def test_anonymous_callers_get_a_json_error():
    response = APIClient().post("/api/v1/questions/", {"question": QUESTION}, format="json")

    assert response.status_code in {401, 403}
    assert "detail" in response.json()


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_json_404_and_a_page_elsewhere(client):
    api = client_for("alice").get("/api/v1/no-such-thing/")
    page = client.get("/no-such-page/")

    assert api.status_code == 404 and api.json() == {"detail": "No such API endpoint."}
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_alice_asks_with_a_token_and_gets_a_cited_answer(tidewater):
    alice = client_for("alice")

    response = alice.post("/api/v1/questions/", {"question": QUESTION}, format="json")

    body = response.json()
    assert response.status_code == 201
    assert body["kind"] == "answer" and body["sources"] and re.search(r"\[1\]", body["answer"])
    assert Message.objects.get(pk=body["id"]).user.username == "alice"


@pytest.mark.django_db
def test_bob_cannot_name_alices_collection_or_rate_her_answer(tidewater):
    alice, bob = client_for("alice"), client_for("bob")
    message_id = alice.post("/api/v1/questions/", {"question": QUESTION}, format="json").json()[
        "id"
    ]

    asked = bob.post(
        "/api/v1/questions/", {"question": QUESTION, "collections": [tidewater.pk]}, format="json"
    )
    unscoped = bob.post("/api/v1/questions/", {"question": QUESTION}, format="json")
    voted = bob.post(f"/api/v1/messages/{message_id}/feedback/", {"kind": "vote", "rating": 1})

    assert asked.status_code == 404 and "detail" in asked.json()
    assert unscoped.json()["kind"] == "no_answer" and unscoped.json()["sources"] == []
    assert voted.status_code == 404


@pytest.mark.django_db
def test_feedback_through_the_api(tidewater):
    alice = client_for("alice")
    message_id = alice.post("/api/v1/questions/", {"question": QUESTION}, format="json").json()[
        "id"
    ]
    url = f"/api/v1/messages/{message_id}/feedback/"

    no_rating = alice.post(url, {"kind": "vote"}, format="json")
    vote = alice.post(
        url, {"kind": "vote", "rating": -1, "reason": "wrong", "comment": "No."}, format="json"
    )
    copy = alice.post(
        url, {"kind": "copy", "detail": "button", "copied_characters": 80}, format="json"
    )

    assert no_rating.status_code == 400 and "rating" in no_rating.json()
    assert vote.status_code == 201 and vote.json()["rating"] == -1
    assert copy.status_code == 201


@pytest.mark.django_db
def test_lists_show_only_what_the_caller_may_read(tidewater):
    alice, bob = client_for("alice"), client_for("bob")

    alice_collections = alice.get("/api/v1/collections/").json()["results"]
    bob_collections = bob.get("/api/v1/collections/").json()["results"]
    alice_documents = alice.get("/api/v1/documents/", {"collection": tidewater.slug}).json()
    bob_documents = bob.get("/api/v1/documents/").json()

    assert [c["slug"] for c in alice_collections] == [tidewater.slug]
    assert bob_collections == []
    assert alice_documents["count"] == len(MANIFEST)
    assert bob_documents["count"] == 0


@pytest.mark.django_db
def test_only_curators_may_upload(tidewater):
    curator = client_for("carol", is_staff=True)
    tidewater.curators.add(Token.objects.get(user__username="carol").user)
    reader = client_for("alice")
    upload = {
        "collection": tidewater.slug,
        "file": SimpleUploadedFile("note.md", b"# Note\n\nHello there."),
    }

    refused = reader.post("/api/v1/documents/upload/", upload, format="multipart")
    upload["file"].seek(0)
    accepted = curator.post("/api/v1/documents/upload/", upload, format="multipart")

    assert refused.status_code == 404
    assert accepted.status_code == 201 and accepted.json()["status"] == "queued"
    Document.objects.filter(pk=accepted.json()["id"]).delete()


@pytest.mark.django_db
def test_the_schema_and_its_docs_page_are_served_without_a_cdn(client):
    client.force_login(UserFactory(username="dora"))

    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200 and b"/api/v1/questions/" in schema.content
    assert docs.status_code == 200
    assert not re.search(r'(src|href)="https?://', docs.text)


@pytest.mark.django_db
def test_search_returns_ranked_passages_with_highlights_and_no_answer(tidewater):
    entry = next(e for e in MANIFEST if e["format"] == "docx")

    response = client_for("alice").get("/api/v1/search/", {"q": entry["question"], "k": 5})

    passages = response.json()
    assert response.status_code == 200 and 1 <= len(passages) <= 5
    assert [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    scores = [p["score"] for p in passages]
    assert scores == sorted(scores, reverse=True)
    best = passages[0]
    assert best["document_title"] and best["highlight"] in best["text"]
    start, end = best["highlights"][0]
    assert best["text"][start:end] == best["highlight"]
    assert best["reader_url"].startswith(f"/documents/{best['document_id']}/read/?chunk=")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_bob_searches_nothing_of_alices(tidewater):
    response = client_for("bob").get("/api/v1/search/", {"q": MANIFEST[0]["question"]})

    assert response.status_code == 200 and response.json() == []


@pytest.mark.django_db
def test_the_search_endpoint_is_in_the_schema(client):
    client.force_login(UserFactory(username="alice"))

    schema = client.get("/api/schema/").text

    assert "/api/v1/search/" in schema and "highlights" in schema
