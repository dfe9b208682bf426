"""A person in Chromium: sign in, ask, read a cited answer, open a citation, vote, copy."""

import pytest
from django.contrib.auth import get_user_model

from chat.models import Message
from feedback.models import FeedbackEvent
from tests.browser.conftest import CHROMIUM, csp_violations
from tests.conftest import MANIFEST

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def test_ask_read_open_a_citation_vote_and_copy(tidewater, page, console, tmp_path):
    user = get_user_model().objects.get(username="alice")
    user.set_password("alice-password-1")
    user.save()
    entry = next(e for e in MANIFEST if e["format"] == "docx")

    page.goto("/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-password-1")
    page.click("button[type=submit]")
    page.fill("#id_question", entry["question"])
    page.click("#question-form button[type=submit]")
    answer = page.locator("article.message").first
    answer.locator("a.citation").first.wait_for()
    answer.locator("a.citation").first.click()
    source_text = answer.locator(".sources details[open] .source-text").first
    source_text.wait_for()
    answer.locator(".feedback summary").click()  # "Not helpful"
    answer.locator("select[name=reason]").select_option("incomplete")
    answer.locator("textarea[name=comment]").fill("Does not say who approves it.")
    answer.locator(".feedback button[value='-1']").click()
    page.locator(".feedback .thanks").wait_for()
    answer.locator(".copy-button").click()
    page.wait_for_function("document.querySelector('.copy-button').textContent === 'Copied'")
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

    message = Message.objects.get(user=user)
    assert message.kind == Message.Kind.ANSWER and source_text.inner_text().strip()
    vote = FeedbackEvent.objects.get(message=message, kind=FeedbackEvent.Kind.VOTE)
    assert (vote.rating, vote.reason, vote.comment) == (
        -1,
        "incomplete",
        "Does not say who approves it.",
    )
    page.wait_for_timeout(300)  # the copy and citation events are fire-and-forget requests
    kinds = set(FeedbackEvent.objects.filter(message=message).values_list("kind", "detail"))
    assert ("citation_open", "1") in kinds
    assert ("copy", "button") in kinds
    # The site-wide CSP (no inline script, no eval) leaves every part of the chat working.
    assert csp_violations(console) == []
    # The question form emptied itself after the answer arrived (chat.js, no hx-on).
    assert page.input_value("#id_question") == ""
