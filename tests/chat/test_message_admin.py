"""SMEs review answers in the admin: filters by feedback, the trace, CSV export."""

import csv
import io

import pytest
from django.urls import reverse

from chat.services import answer_question, start_conversation
from feedback import services as feedback_services
from tests.conftest import MANIFEST
from tests.factories import UserFactory

CHANGELIST = "admin:chat_message_changelist"


@pytest.fixture
def answers(tidewater):
    alice = UserFactory(username="alice")
    conversation = start_conversation(owner=alice, title="review")
    liked, disliked, unrated = (
        answer_question(conversation=conversation, user=alice, question=entry["question"])
        for entry in MANIFEST[:3]
    )
    feedback_services.record_vote(message=liked, user=alice, rating=1)
    feedback_services.record_vote(
        message=disliked, user=alice, rating=-1, reason="outdated", comment="=HYPERLINK(1)"
    )
    return liked, disliked, unrated


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def listed(client, **params) -> set[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {message.pk for message in response.context["cl"].result_list}


@pytest.mark.django_db
def test_filters_by_rating_reason_comment_and_collection(admin_client, answers, tidewater):
    liked, disliked, unrated = answers

    assert listed(admin_client, rating="down") == {disliked.pk}
    assert listed(admin_client, rating="up") == {liked.pk}
    assert listed(admin_client, rating="none") == {unrated.pk}
    assert listed(admin_client, reason="outdated") == {disliked.pk}
    assert listed(admin_client, has_comment="yes") == {disliked.pk}
    assert listed(admin_client, collection=tidewater.pk) == {m.pk for m in answers}


@pytest.mark.django_db
def test_the_answer_page_shows_the_trace_and_feedback(admin_client, answers):
    _, disliked, _ = answers

    response = admin_client.get(reverse("admin:chat_message_change", args=[disliked.pk]))

    assert response.status_code == 200
    assert "Dense rank" in response.text and "outdated" in response.text
    first_chunk = disliked.retrieved[0]["chunk_id"]
    assert reverse("admin:ingestion_chunk_change", args=[first_chunk]) in response.text


@pytest.mark.django_db
def test_csv_export_has_one_row_per_answer_and_defuses_formulas(admin_client, answers):
    ids = [m.pk for m in answers]

    response = admin_client.post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": ids}
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(int(row["id"]) for row in rows) == sorted(ids)
    commented = next(row for row in rows if row["reason"] == "outdated")
    assert commented["comment"] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_thumbs_down_answers_go_to_a_golden_set_in_two_steps(admin_client, answers, tidewater):
    from evaluation.models import GoldenSet

    _, disliked, _ = answers
    golden_set = GoldenSet.objects.create(name="Regressions")
    golden_set.collections.add(tidewater)
    url = reverse(CHANGELIST)
    chosen = {"action": "add_to_golden_set", "_selected_action": [disliked.pk]}

    asked = admin_client.post(url, chosen)
    assert asked.status_code == 200 and b"Regressions" in asked.content
    assert not golden_set.items.exists()

    done = admin_client.post(url, {**chosen, "golden_set": golden_set.pk}, follow=True)

    assert b"are in Regressions" in done.content
    (item,) = golden_set.items.all()
    assert item.source_message == disliked and item.question == disliked.question
