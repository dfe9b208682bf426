"""A person in Chromium: sign in, ask, read a cited answer, open a citation, vote, copy."""

import shutil

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from chat.models import Message
from feedback.models import FeedbackEvent
from tests.conftest import MANIFEST

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture
def page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous (Django's documented switch for this case).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(base_url=live_server.url)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield context.new_page()
        browser.close()
        # The test's ORM calls ran beside Playwright's event loop, so Django gave them a
        # connection of that context; left open, it keeps the test database from being dropped.
        connections.close_all()


def test_ask_read_open_a_citation_vote_and_copy(tidewater, page, tmp_path):
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
