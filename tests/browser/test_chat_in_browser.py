"""A person in Chromium: sign in, ask, read a cited answer, open a citation, vote, copy.

Each test saves screenshots in its own output folder, test-results/<test name>/ (as
Playwright's own runner does), for a reviewer to look at.
The sample knowledge base is ingested once for the module (about 45 s). The live server needs
transactional tests, which empty every table after each test, so its rows are copied aside once
and put back before each test.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from chat.models import Conversation, Message
from feedback.models import FeedbackEvent
from ingestion.models import (
    Chunk,
    Collection,
    Document,
    DocumentVersion,
    KeywordStatistic,
    Posting,
    SentenceEmbedding,
    TermStatistic,
)
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.conftest import MANIFEST

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "alice-password-1"


def entry_for(fmt: str) -> dict:
    return next(e for e in MANIFEST if e["format"] == fmt)


def _snapshot_tables() -> list[str]:
    models = [
        get_user_model(), Collection, Collection.readers.through, Document, DocumentVersion,
        Chunk, KeywordStatistic, TermStatistic, Posting, SentenceEmbedding,
    ]  # fmt: skip
    return [model._meta.db_table for model in models]


@pytest.fixture(scope="module")
def snapshot(tidewater, django_db_blocker):
    """The sample collection's rows, copied to tables that Django's flush does not know."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in _snapshot_tables():
            cursor.execute(f"DROP TABLE IF EXISTS snapshot_{table}")
            cursor.execute(f"CREATE TABLE snapshot_{table} AS TABLE {table}")
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in _snapshot_tables():
            cursor.execute(f"DROP TABLE snapshot_{table}")


@pytest.fixture
def restored(snapshot, transactional_db):
    """Puts the sample collection back (foreign keys are checked at commit, so in any order)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _snapshot_tables():
            cursor.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND is_generated = 'NEVER'",
                [table],
            )
            columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM snapshot_{table}"
            )


@pytest.fixture
def open_browser(restored, live_server, monkeypatch):
    """Opens a signed-in page at the given viewport: `open_browser(PHONE)`."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous (Django's documented switch for this case).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = get_user_model().objects.get(username="alice")
    user.set_password(PASSWORD)
    user.save()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)

        def open_page(viewport: dict = DESKTOP):
            # Playwright's wait_for_function evaluates strings, which our CSP forbids; the CSP
            # itself is checked page by page in test_security_in_browser.py.
            context = browser.new_context(
                base_url=live_server.url, viewport=viewport, bypass_csp=True
            )
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            page = context.new_page()
            page.goto("/")
            page.fill("#id_username", "alice")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.locator("#id_question").wait_for()
            return page

        yield open_page
        browser.close()
        # The test's ORM calls ran beside Playwright's event loop, so Django gave them a
        # connection of that context; left open, it keeps the test database from being dropped.
        connections.close_all()


@pytest.fixture
def page(open_browser):
    return open_browser(DESKTOP)


def ask(page, question: str):
    """Types the question and presses Enter; returns the new answer once it is in the thread."""
    before = page.locator("#messages > article.message:not(.pending)").count()
    page.fill("#id_question", question)
    page.press("#id_question", "Enter")
    answer = page.locator("#messages > article.message:not(.pending)").nth(before)
    answer.wait_for()
    return answer


def overflowing(page) -> list[str]:
    """Elements that stick out to the right of the screen and make the page scroll sideways
    (empty when it does not): the diagnosis comes with the failure."""
    return page.evaluate(
        """() => {
        if (document.documentElement.scrollWidth <= window.innerWidth) return [];
        const clipped = el => { for (let p = el.parentElement; p; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
        return [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(el))
            .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))
            .slice(0, 10);
        }"""
    )


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def test_ask_read_open_a_citation_vote_and_copy(tidewater, page, output):
    user = get_user_model().objects.get(username="alice")
    answer = ask(page, entry_for("docx")["question"])
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
    page.screenshot(path=str(output / "chat.png"), full_page=True)

    message = Message.objects.get(user=user)
    assert message.kind == Message.Kind.ANSWER and source_text.inner_text().strip()
    assert source_text.locator("mark").count() >= 1  # the quoted sentence, inside its source
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


def test_enter_sends_shift_enter_breaks_the_line_and_focus_returns(tidewater, page, output):
    page.fill("#id_question", "How many wellness days")
    page.press("#id_question", "Shift+Enter")
    page.keyboard.type("does each employee get per leave year?")
    typed = page.input_value("#id_question")

    page.press("#id_question", "Enter")
    answer = page.locator("#messages > article.message:not(.pending)").first
    answer.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_question'")
    page.screenshot(path=str(output / "enter-sends.png"))

    assert typed == "How many wellness days\ndoes each employee get per leave year?"
    assert page.input_value("#id_question") == ""
    assert answer.locator(".answer-text").inner_text().strip()
    box = answer.bounding_box()
    assert 0 <= box["y"] < DESKTOP["height"]  # the thread scrolled to the new answer
    composer = page.locator("#question-form").bounding_box()
    assert composer["y"] + composer["height"] == pytest.approx(DESKTOP["height"], abs=2)
    answer.locator("button.edit-question").click()
    assert page.input_value("#id_question") == typed  # edit and ask again
    assert page.evaluate("document.activeElement.id") == "id_question"


def test_a_blank_question_is_refused_in_place(tidewater, page, output):
    page.fill("#id_question", "    ")
    page.press("#id_question", "Enter")
    error = page.locator("#question-form .form-error")
    error.wait_for()
    page.screenshot(path=str(output / "blank.png"))

    assert error.inner_text() == "Type a question first."
    assert page.locator("form#question-form").count() == 1
    assert page.locator("#messages form#question-form, #messages article").count() == 0
    assert page.evaluate("document.activeElement.id") == "id_question"
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("failure", "shown"),
    [
        ("server", "server error 500"),
        ("network", "could not be reached"),
        ("timeout", "No answer came in time"),
    ],
)
def test_a_failed_request_shows_a_retry_message(tidewater, page, output, failure, shown):
    question = entry_for("html")["question"]
    if failure == "server":
        page.route("**/ask/", lambda route: route.fulfill(status=500, body="Server Error"))
    elif failure == "network":
        page.route("**/ask/", lambda route: route.abort("internetdisconnected"))
    else:  # never answered, with the form's 60 s timeout shortened to 0.5 s
        page.route("**/ask/", lambda route: None)
        page.eval_on_selector(
            "#question-form", "form => form.setAttribute('hx-request', '{\"timeout\": 500}')"
        )
    page.fill("#id_question", question)
    page.press("#id_question", "Enter")
    failed = page.locator("#messages article.pending.failed")
    failed.wait_for()
    page.screenshot(path=str(output / f"failed-{failure}.png"))
    message_text = failed.locator(".progress").inner_text()

    page.unroute("**/ask/")
    failed.locator("button.retry").click()
    answer = page.locator("#messages > article.message:not(.pending)").first
    answer.wait_for()

    assert shown in message_text
    assert page.locator("#messages article.failed").count() == 0
    assert answer.locator(".question").inner_text() == question


def test_stop_while_waiting_keeps_the_question(tidewater, page, output):
    question = entry_for("html")["question"]
    page.route("**/ask/", lambda route: None)  # never answered
    page.fill("#id_question", question)
    page.press("#id_question", "Enter")
    page.locator("#messages article.pending .progress").wait_for()
    page.screenshot(path=str(output / "waiting.png"))

    page.click("#question-form button.stop")
    page.locator("#messages article.pending.failed").wait_for()

    assert "Stopped" in page.locator("#messages article.failed .progress").inner_text()
    assert page.input_value("#id_question") == question


def test_the_sidebar_updates_after_an_answer(tidewater, page, output):
    first, second = entry_for("md")["question"], entry_for("html")["question"]
    assert page.locator("#conversation-list .empty").inner_text() == "No conversations yet."

    ask(page, first)
    ask(page, second)
    page.screenshot(path=str(output / "sidebar.png"))

    items = page.locator("#conversation-list .conversation-item")
    assert items.count() == 1  # the follow-up stayed in the same conversation
    assert items.first.locator(".conversation-title").inner_text() == first[:59] + "…"
    assert items.first.locator("time").inner_text()
    assert items.first.locator("a[aria-current=page]").count() == 1
    conversation = Message.objects.first().conversation
    assert page.url.endswith(f"/c/{conversation.pk}/")
    page.fill("#conversation-search", "nothing like this")
    page.locator("#conversation-list .empty").wait_for()


def test_rename_and_delete_a_conversation(tidewater, page, output):
    ask(page, entry_for("md")["question"])
    conversation = Message.objects.get().conversation
    page.goto(f"/c/{conversation.pk}/")
    form = page.locator(f"#conversation-title-{conversation.pk}")
    page.fill(f"#title-{conversation.pk}", "Leave questions")
    with page.expect_response(lambda response: "/rename/" in response.url):
        form.locator("button", has_text="Rename").click()
    conversation.refresh_from_db()
    assert conversation.title == "Leave questions"
    page.reload()
    assert "Leave questions" in page.locator("#conversation-list").inner_text()
    page.screenshot(path=str(output / "renamed.png"))

    page.once("dialog", lambda dialog: dialog.accept())  # "Delete this conversation, …?"
    with page.expect_response(lambda response: "/delete/" in response.url):
        page.locator(f"#conversation-title-{conversation.pk} button", has_text="Delete").click()
    page.wait_for_url(re.compile(r"/$"))
    page.locator("#conversation-list .empty").wait_for()
    page.screenshot(path=str(output / "deleted.png"))
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("fmt", ["docx", "html", "xlsx", "pdf"])
def test_a_citation_opens_the_reader_at_the_highlighted_sentence(
    tidewater, open_browser, output, fmt
):
    entry = entry_for(fmt)
    title = Document.objects.get(collection=tidewater, source_name=entry["file"]).title
    page = open_browser(DESKTOP)
    answer = ask(page, entry["question"])
    page.screenshot(path=str(output / f"answer-{fmt}.png"))
    source = answer.locator(".sources > li", has_text=title).first
    source.locator("summary").click()

    source.locator("a.read-source").click()
    page.wait_for_url("**/read/**")
    quote = page.locator("#quote")
    quote.wait_for()
    page.screenshot(path=str(output / f"reader-{fmt}.png"))

    marked = quote.locator("mark")
    assert marked.count() >= 1
    assert entry["answer_phrase"].split()[0] in quote.inner_text()
    top = marked.first.bounding_box()["y"]
    assert 0 <= top < DESKTOP["height"]  # opened at the sentence, not at the top
    assert page.locator("h1").inner_text() == title
    assert page.locator("a[download]").first.get_attribute("href").endswith("/file/")
    if entry["pages"]:
        assert page.locator(f"#page-{entry['pages']}").count() == 1


def test_copy_gives_the_answer_with_its_numbered_sources(tidewater, page, output):
    answer = ask(page, entry_for("docx")["question"])
    labels = answer.locator(".sources > li").evaluate_all(
        "items => items.map(item => item.dataset.label)"
    )

    # Our Permissions-Policy forbids reading the clipboard (clipboard-read=()), so the test
    # records what the page writes to it, then lets the write go through.
    page.evaluate(
        """() => {
        const write = navigator.clipboard.writeText.bind(navigator.clipboard);
        navigator.clipboard.writeText = text => { window.copiedText = text; return write(text); };
        }"""
    )
    answer.locator(".copy-button").click()
    page.wait_for_function("document.querySelector('.copy-button').textContent === 'Copied'")
    copied = page.evaluate("window.copiedText")
    page.screenshot(path=str(output / "copied.png"))
    page.wait_for_function(
        "document.querySelector('.copy-button').textContent === 'Copy answer'", timeout=5000
    )

    text, sources = copied.split("\n\nSources:\n")
    assert "[1]" in text and answer.locator(".answer-sentence").first.inner_text()[:20] in text
    assert sources.splitlines() == [f"[{n}] {label}" for n, label in enumerate(labels, 1)]


def test_search_only_mode_lists_passages(tidewater, page, output):
    page.check("#id_search_only")
    page.fill("#id_question", "wellness days")
    page.press("#id_question", "Enter")
    results = page.locator("#messages article.search-results")
    results.wait_for()
    page.screenshot(path=str(output / "search-only.png"))

    passages = results.locator(".passage")
    assert passages.count() >= 1
    assert "wellness" in passages.first.locator("mark").inner_text().lower()
    assert passages.first.locator(".score").inner_text().startswith("score ")
    assert not Message.objects.exists()
    assert page.is_checked("#id_search_only")  # the mode stays on for the next query


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chat_and_reader_are_accessible_and_fit_the_screen(
    tidewater, open_browser, output, viewport
):
    page = open_browser(viewport)
    page.screenshot(path=str(output / "empty-chat.png"), full_page=True)
    empty_chat = serious_violations(page), overflowing(page)
    answer = ask(page, entry_for("xlsx")["question"])
    answer.locator(".sources summary").first.click()
    page.screenshot(path=str(output / "chat.png"))
    chat = serious_violations(page), overflowing(page)
    if viewport == PHONE:
        page.click(".sidebar-toggle")
        page.screenshot(path=str(output / "sidebar.png"))
        page.click(".sidebar-toggle")

    answer.locator("a.read-source").first.click()
    page.locator("#quote").wait_for()
    page.screenshot(path=str(output / "reader.png"))
    reader = serious_violations(page), overflowing(page)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(output / "reader-dark.png"))
    dark_reader = serious_violations(page)
    page.go_back()
    page.locator("#messages article.message").first.wait_for()
    page.screenshot(path=str(output / "chat-dark.png"))
    dark_chat = serious_violations(page)

    assert empty_chat == ([], [])
    assert chat == ([], [])
    assert reader == ([], [])
    assert dark_reader == dark_chat == []
