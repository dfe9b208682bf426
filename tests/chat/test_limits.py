"""Rate limits (per user and per client address) on asking, feedback and uploads, daily quotas,
the LLM spending cap, and the sign-in lockout with its admin unlock."""

from decimal import Decimal

import pytest
from django.urls import reverse

from chat.models import Conversation, Message
from chat.services import answer_question, start_conversation
from tests.chat.test_llm_answers import QUESTION, reply_citing_first_source
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = {
        action: {"user": "2/m", "address": "100/m"} for action in ["ask", "feedback", "upload"]
    }
    return settings


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_third_question_in_a_minute_gets_429_with_a_message_for_the_chat(
    client, alice, bob, tight
):
    client.force_login(alice)
    url = reverse("chat:ask")
    htmx = {"HX-Request": "true"}
    # Empty questions are refused by the form, but every request counts.
    for _ in range(2):
        assert client.post(url, {"question": ""}, headers=htmx).status_code == 200

    response = client.post(url, {"question": "Still there?"}, headers=htmx)

    assert_limited(response)
    assert b'role="alert"' in response.content and b"Too many requests" in response.content
    assert not Message.objects.exists()
    client.force_login(bob)  # another user from the same address is not limited by alice
    assert client.post(url, {"question": ""}, headers=htmx).status_code == 200


def test_the_client_address_is_limited_across_users(client, alice, bob, settings):
    settings.RATE_LIMITS = {"ask": {"user": "100/m", "address": "3/m"}}
    url = reverse("api:question-ask")
    for user in [alice, bob, alice]:
        client.force_login(user)
        assert client.post(url, {}, content_type="application/json").status_code == 400

    client.force_login(bob)
    assert_limited(client.post(url, {}, content_type="application/json"))
    other = client.post(url, {}, content_type="application/json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 400


def test_the_api_limits_asking_feedback_and_uploads(client, alice, curator, tight):
    message = MessageFactory(conversation__owner=alice)
    client.force_login(alice)
    for url, data in [
        (reverse("api:question-ask"), {}),
        (reverse("api:feedback-create", args=[message.pk]), {"kind": "copy"}),
    ]:
        for _ in range(2):
            assert client.post(url, data, content_type="application/json").status_code in {
                201,
                400,
            }
        assert_limited(client.post(url, data, content_type="application/json"))
    client.force_login(curator)
    upload = reverse("api:document-upload")
    for _ in range(2):
        assert client.post(upload, {}).status_code == 400
    assert_limited(client.post(upload, {}))


def test_html_feedback_is_limited(client, alice, tight):
    message = MessageFactory(conversation__owner=alice)
    client.force_login(alice)
    url = reverse("feedback:message-event", args=[message.pk])
    for _ in range(2):
        assert client.post(url, {"kind": "copy", "detail": "button"}).status_code == 204

    assert_limited(client.post(url, {"kind": "copy", "detail": "button"}))


def test_the_daily_question_quota_counts_todays_stored_questions(client, alice, settings):
    settings.QUOTA_DAILY_QUESTIONS = 2
    MessageFactory.create_batch(2, conversation__owner=alice, user=alice)
    client.force_login(alice)

    response = client.post(
        reverse("api:question-ask"), {"question": "One more?"}, content_type="application/json"
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 86400
    assert "daily limit" in response.json()["detail"]
    assert Message.objects.count() == 2
    # The refused question left no empty conversation behind.
    assert Conversation.objects.filter(owner=alice).count() == 2


@pytest.fixture
def llm(llm, settings):
    """The shared LLM stub, with prices so each reply has a cost."""
    settings.LLM_PROMPT_PRICE, settings.LLM_COMPLETION_PRICE = 150.0, 600.0  # 0.00075 a reply
    return llm


def test_past_the_spending_cap_answers_are_extractive_and_the_llm_is_not_called(
    tidewater, llm, settings
):
    settings.DAILY_SPENDING_CAP = 0.001  # one reply fits, the second crosses it
    reply_citing_first_source(llm, "Staff receive three Estuary Wellness Days a year.")
    alice = UserFactory(username="alice")
    conversation = start_conversation(owner=alice, title="q")

    answers = [
        answer_question(conversation=conversation, user=alice, question=QUESTION) for _ in range(3)
    ]

    assert [a.generator for a in answers] == ["llm", "llm", "extractive"]
    assert "spending cap" in answers[2].fallback_reason and answers[2].cost is None
    assert len(llm.requests_to("/v1/chat/completions")) == 2
    assert sum(a.cost for a in answers[:2]) == Decimal("0.0015")


def test_past_the_token_quota_a_user_gets_extractive_answers(tidewater, llm, settings):
    settings.QUOTA_DAILY_LLM_TOKENS = 2  # the stub's replies use 1 + 1 tokens
    reply_citing_first_source(llm, "Staff receive three Estuary Wellness Days a year.")
    alice = UserFactory(username="alice")
    conversation = start_conversation(owner=alice, title="q")

    first = answer_question(conversation=conversation, user=alice, question=QUESTION)
    second = answer_question(conversation=conversation, user=alice, question=QUESTION)

    assert first.generator == "llm"
    assert second.generator == "extractive" and "token quota" in second.fallback_reason


def test_sign_in_locks_after_repeated_failures_until_an_admin_unlocks(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    login = reverse("login")
    for _ in range(3):
        client.post(login, {"username": "alice", "password": "wrong"})

    locked = client.post(login, {"username": "alice", "password": "correct horse battery staple"})

    assert locked.status_code == 429 and b"Sign-in locked" in locked.content
    assert "_auth_user_id" not in client.session
    from axes.models import AccessAttempt

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = type(client)()
    admin.force_login(root)
    attempt = AccessAttempt.objects.get(username="alice")
    admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    signed_in = client.post(
        login, {"username": "alice", "password": "correct horse battery staple"}
    )
    assert signed_in.status_code == 302 and client.session["_auth_user_id"] == str(alice.pk)


def test_with_redis_configured_the_counters_are_shared_between_processes(settings):
    """A second connection (another web process) sees and adds to the same counter."""
    import redis
    from django.core.cache.backends.redis import RedisCache

    from providers.limits import count_in_cache

    location = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(location).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    other_process = RedisCache(location, {})
    other_process.delete("shared-counter")

    count_in_cache("shared-counter", initial=0, timeout=60)
    other_process.incr("shared-counter")

    assert count_in_cache("shared-counter", initial=0, timeout=60) == 3
    other_process.delete("shared-counter")
