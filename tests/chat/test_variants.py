from collections import Counter

import pytest

from chat.services import answer_question, start_conversation
from chat.variants import assign_variant, validate_variants
from feedback import services as feedback_services
from tests.conftest import MANIFEST
from tests.factories import UserFactory

HALVES = {"control": {"weight": 50}, "dense": {"weight": 50, "mode": "dense"}}


def test_a_user_always_gets_the_same_variant():
    assert {assign_variant(42, HALVES) for _ in range(20)} == {assign_variant(42, HALVES)}


def test_users_are_spread_by_weight_and_weight_zero_is_never_shown():
    counts = Counter(assign_variant(user_id, HALVES) for user_id in range(4000))
    off = {"on": {"weight": 1}, "off": {"weight": 0}}

    assert abs(counts["control"] - 2000) < 200
    assert {assign_variant(user_id, off) for user_id in range(500)} == {"on"}


def test_a_new_salt_reshuffles_users():
    before = [assign_variant(user_id, HALVES) for user_id in range(200)]
    after = [assign_variant(user_id, HALVES, salt="experiment-2") for user_id in range(200)]

    assert before != after


def test_unknown_keys_are_refused():
    with pytest.raises(ValueError, match="temperature"):
        validate_variants({"hot": {"temperature": 2}})


@pytest.mark.django_db
def test_the_variant_changes_the_answer_and_is_recorded_with_its_feedback(tidewater, settings):
    settings.ANSWER_VARIANTS = {"keyword-only": {"weight": 1, "mode": "keyword", "k": 2}}
    alice = UserFactory(username="alice")

    message = answer_question(
        conversation=start_conversation(owner=alice, title="x"),
        user=alice,
        question=MANIFEST[0]["question"],
    )
    vote = feedback_services.record_vote(message=message, user=alice, rating=1)

    assert (message.variant, message.search_mode) == ("keyword-only", "keyword")
    assert len(message.retrieved) <= 2
    assert all(row["dense_rank"] is None for row in message.retrieved)
    assert vote.variant == "keyword-only"


def test_an_unknown_template_version_is_refused():
    with pytest.raises(ValueError, match="unknown template version"):
        validate_variants({"new-look": {"template": "v9"}})


@pytest.mark.django_db
def test_a_template_variant_renders_and_records_its_version(tidewater, settings):
    settings.ANSWER_VARIANTS = {"list": {"weight": 1, "template": "v2"}}
    alice = UserFactory(username="alice")

    message = answer_question(
        conversation=start_conversation(owner=alice, title="x"),
        user=alice,
        question=MANIFEST[0]["question"],
    )

    assert (message.variant, message.template_version) == ("list", "v2")
    assert 'data-template="answer_v2"' in message.rendered
    assert message.rendered.count('<li class="answer-sentence">') == len(message.sentences)
    assert f'id="source-{message.pk}-1"' in message.rendered  # the same sources list as v1
