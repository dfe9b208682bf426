"""Chat wiring and permissions: bob never sees, rates or downloads what is alice's."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import Message
from feedback.models import FeedbackEvent
from ingestion.models import Document
from tests.conftest import MANIFEST, ingest_in_process
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice_client(client, tidewater):
    client.force_login(UserFactory(username="alice"))
    return client


def ask(client, question: str, **extra):
    return client.post(reverse("chat:ask"), {"question": question, **extra}, **HTMX)


@pytest.mark.django_db
def test_chat_needs_a_signed_in_user(client):
    response = client.get(reverse("chat:chat"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_alice_asks_and_gets_a_cited_answer_partial(alice_client):
    entry = next(e for e in MANIFEST if e["format"] == "html")

    response = ask(alice_client, entry["question"])

    message = Message.objects.get()
    assert response.status_code == 200
    assert f'id="message-{message.pk}"' in response.text
    assert 'class="citation"' in response.text
    assert reverse("chat:document-file", args=[message.sources[0]["document_id"]]) in response.text
    assert f'value="{message.conversation_id}" hx-swap-oob="true"' in response.text


@pytest.mark.django_db
def test_a_follow_up_question_stays_in_the_conversation(alice_client):
    ask(alice_client, MANIFEST[0]["question"])
    conversation = Message.objects.get().conversation

    ask(alice_client, MANIFEST[1]["question"], conversation=conversation.pk)

    assert conversation.messages.count() == 2
    page = alice_client.get(reverse("chat:conversation", args=[conversation.pk]))
    assert page.text.count('class="message"') == 2


@pytest.mark.django_db
def test_bob_cannot_see_rate_or_download_alices_things(client, alice_client, tidewater):
    ask(alice_client, MANIFEST[0]["question"])
    message = Message.objects.get()
    document_id = message.sources[0]["document_id"]
    client.force_login(UserFactory(username="bob"))

    responses = [
        client.get(reverse("chat:conversation", args=[message.conversation_id])),
        client.post(reverse("feedback:message-vote", args=[message.pk]), {"rating": 1}),
        client.post(reverse("feedback:message-event", args=[message.pk]), {"kind": "copy"}),
        client.get(reverse("chat:document-file", args=[document_id])),
        ask(client, "anything", conversation=message.conversation_id),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert not FeedbackEvent.objects.exists()


@pytest.mark.django_db
def test_alice_downloads_the_cited_document(alice_client):
    ask(alice_client, MANIFEST[0]["question"])
    source = Message.objects.get().sources[0]

    response = alice_client.get(reverse("chat:document-file", args=[source["document_id"]]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content)


@pytest.mark.django_db
def test_one_vote_per_user_per_answer_which_can_change(alice_client):
    ask(alice_client, MANIFEST[0]["question"])
    message = Message.objects.get()
    url = reverse("feedback:message-vote", args=[message.pk])

    down = alice_client.post(
        url, {"rating": -1, "reason": "outdated", "comment": "Policy changed"}, **HTMX
    )
    alice_client.post(url, {"rating": 1}, **HTMX)

    vote = FeedbackEvent.objects.get(kind=FeedbackEvent.Kind.VOTE)
    assert down.status_code == 200 and "Thanks for the feedback" in down.text
    assert (vote.rating, vote.reason, vote.comment) == (1, "", "")


@pytest.mark.django_db
def test_copies_and_citation_opens_are_recorded(alice_client):
    ask(alice_client, MANIFEST[0]["question"])
    message = Message.objects.get()
    url = reverse("feedback:message-event", args=[message.pk])

    statuses = [
        alice_client.post(
            url, {"kind": "copy", "detail": "button", "copied_characters": 120}
        ).status_code,
        alice_client.post(
            url, {"kind": "copy", "detail": "selection", "copied_characters": 30}
        ).status_code,
        alice_client.post(url, {"kind": "citation_open", "detail": "1"}).status_code,
        alice_client.post(url, {"kind": "vote"}).status_code,
    ]

    assert statuses == [204, 204, 204, 400]
    assert sorted(FeedbackEvent.objects.values_list("kind", "detail")) == [
        ("citation_open", "1"),
        ("copy", "button"),
        ("copy", "selection"),
    ]


@pytest.mark.django_db
def test_markup_inside_a_document_is_escaped_in_the_answer(alice_client, tidewater):
    hostile = (
        b"The backwash pump at the Halyard Bay filters runs every 36 hours "
        b"<script>alert(1)</script> unless the duty operator overrides it."
    )
    document = ingest_in_process(tidewater, "backwash.txt", hostile)

    response = ask(alice_client, "How often is the backwash pump scheduled at Halyard Bay?")

    Document.objects.filter(pk=document.pk).delete()
    assert "every 36 hours &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>" not in response.text


@pytest.mark.django_db
def test_a_blank_question_is_refused_in_the_form_not_the_thread(alice_client):
    response = ask(alice_client, "   ")

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#question-form" and response["HX-Reswap"] == "outerHTML"
    assert "Type a question first." in response.text
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_an_answer_updates_the_sidebar_out_of_band(alice_client):
    response = ask(alice_client, MANIFEST[0]["question"])

    conversation = Message.objects.get().conversation
    assert 'id="conversation-list" class="conversation-list" hx-swap-oob="true"' in response.text
    assert f'href="/c/{conversation.pk}/" aria-current="page"' in response.text
    assert response["HX-Push-Url"] == f"/c/{conversation.pk}/"


@pytest.mark.django_db
def test_alice_searches_her_own_conversations_only(alice_client):
    ask(alice_client, MANIFEST[0]["question"])
    ask(alice_client, MANIFEST[1]["question"])
    other = UserFactory(username="bob")
    other.conversations.create(title="Wellness days for bob")
    url = reverse("chat:conversation-list")

    found = alice_client.get(url, {"q": "Incident Controller"}, **HTMX)
    none = alice_client.get(url, {"q": "Wellness days for bob"}, **HTMX)

    assert found.text.count('class="conversation-item"') == 1
    assert "No conversation matches" in none.text


@pytest.mark.django_db
def test_search_only_lists_passages_without_an_answer(alice_client):
    response = ask(alice_client, MANIFEST[2]["question"], search_only="on")

    assert response.status_code == 200 and 'class="passage"' in response.text
    assert "<mark>" in response.text
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_the_reader_opens_at_the_quoted_sentence(alice_client):
    ask(alice_client, next(e for e in MANIFEST if e["format"] == "docx")["question"])
    message = Message.objects.get()
    answer = alice_client.get(reverse("chat:conversation", args=[message.conversation_id])).text
    reader_url = re.search(r'href="(/documents/\d+/read/[^"]+)" class="read-source"', answer)[1]

    page = alice_client.get(reader_url.replace("&amp;", "&"))

    assert page.status_code == 200
    assert 'class="block cited" id="quote"' in page.text and "<mark>" in page.text
    assert message.sentences[0]["text"].split()[0] in page.text


@pytest.mark.django_db
def test_bob_cannot_read_alices_document(client, tidewater):
    document = tidewater.documents.first()
    client.force_login(UserFactory(username="bob"))

    response = client.get(reverse("chat:reader", args=[document.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_empty_chat_shows_collections_and_example_questions(alice_client, tidewater):
    tidewater.description = "Policies of the Tidewater authority."
    tidewater.example_questions = "How many wellness days?\n\nWho approves leave?"
    tidewater.save()

    page = alice_client.get(reverse("chat:chat")).text

    assert "Policies of the Tidewater authority." in page
    assert f"{tidewater.documents.count()} documents" in page
    assert page.count('class="example-question"') == 2


@pytest.mark.django_db
def test_markup_inside_a_document_is_escaped_in_the_reader(alice_client, tidewater):
    hostile = b"The backwash pump runs every 36 hours <script>alert(1)</script> at Halyard Bay."
    document = ingest_in_process(tidewater, "backwash.txt", hostile)

    page = alice_client.get(reverse("chat:reader", args=[document.pk]))

    Document.objects.filter(pk=document.pk).delete()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text


@pytest.mark.django_db
def test_regenerate_answers_again_with_the_next_variant(alice_client, settings):
    settings.ANSWER_VARIANTS = {"a": {"template": "v1"}, "b": {"template": "v3"}}
    ask(alice_client, MANIFEST[0]["question"])
    first = Message.objects.get()

    response = ask(
        alice_client,
        first.question,
        conversation=first.conversation_id,
        regenerate=first.pk,
    )

    second = Message.objects.exclude(pk=first.pk).get()
    assert {first.variant, second.variant} == {"a", "b"}
    assert 'class="regenerate"' in response.text


@pytest.mark.django_db
def test_staff_get_links_to_the_admin_and_the_ops_dashboard(client, alice_client, curator):
    reader_page = alice_client.get(reverse("chat:chat")).text
    client.force_login(curator)

    staff_page = client.get(reverse("chat:chat")).text

    assert reverse("admin:index") not in reader_page
    assert reverse("admin:index") in staff_page
    assert reverse("evaluation:dashboard") in staff_page


@pytest.mark.django_db
def test_the_reader_leads_back_to_ones_own_conversation_only(alice_client, tidewater):
    ask(alice_client, MANIFEST[0]["question"])
    message = Message.objects.get()
    url = reverse("chat:reader", args=[message.sources[0]["document_id"]])
    back = reverse("chat:conversation", args=[message.conversation_id])
    bob = UserFactory(username="bob")
    tidewater.readers.add(bob)
    bob_client = Client()
    bob_client.force_login(bob)

    own = alice_client.get(url, {"conversation": message.conversation_id}).text
    other = bob_client.get(url, {"conversation": message.conversation_id}).text

    assert f'href="{back}"' in own and f'href="{back}"' not in other
