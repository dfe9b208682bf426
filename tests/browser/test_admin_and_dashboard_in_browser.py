"""A curator and an ops engineer in Chromium: a batch upload with one empty file, the document
list filling in without a reload, the dashboard's freshness and refresh, phone width, and axe.

Each test saves screenshots under its own output folder (test-results/<test name>/) at
1366x900 and 390x844 so a reviewer can look at them.
"""

from __future__ import annotations

import io

import pytest
from django.db import connections

from evaluation import rollups
from evaluation.models import Alert, DailyRollup
from ingestion import services
from ingestion.models import Document
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.factories import DocumentFactory, DocumentVersionFactory, MessageFactory

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a-long-test-password-1"
# axe-core impact levels that fail the test; "moderate" and "minor" are reported, not failed.
BLOCKING = {"serious", "critical"}


@pytest.fixture
def browser(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous (Django's documented switch for this case).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
        connections.close_all()  # see test_chat_in_browser.py: keeps the test database droppable


def signed_in(browser, live_server, user, viewport=DESKTOP):
    user.set_password(PASSWORD)
    user.save()
    # Playwright's wait_for_function evaluates strings, which our CSP forbids; the CSP
    # itself is checked page by page in test_security_in_browser.py.
    context = browser.new_context(base_url=live_server.url, viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def shoot(page, folder, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_a_batch_with_one_empty_file_accepts_the_others_and_keeps_the_selection(
    browser, live_server, curator, alices_collection, output
):
    page = signed_in(browser, live_server, curator)
    page.goto("/admin/ingestion/document/upload/")
    # The only collection this curator may upload to is already chosen.
    assert page.locator("#id_collection").input_value() == str(alices_collection.pk)
    files = [
        ("leave.md", b"# Leave\n\nStaff get 25 days of leave a year.\n"),
        ("pumps.txt", b"Pumps are serviced every year by the depot.\n"),
        ("empty.txt", b""),
        ("sampling.txt", b"Lead is sampled every quarter.\n"),
        ("meters.txt", b"Meters are read every month.\n"),
    ]
    page.set_input_files(
        "#id_files",
        [{"name": name, "mimeType": "text/plain", "buffer": body} for name, body in files],
    )
    assert "empty: it will not be added" in page.locator("#upload-selection").inner_text()
    page.click("#upload-form input[type=submit]")
    page.locator("#upload-results table").wait_for()
    shoot(page, output, "upload-results-1366")

    refused = page.locator("#upload-results tr.upload-rejected")
    assert refused.count() == 1
    assert "empty.txt" in refused.inner_text() and "The file is empty." in refused.inner_text()
    assert page.locator("#upload-results tr.upload-queued").count() == 4
    # The page was not reloaded: the browser still holds the five chosen files.
    assert page.evaluate("document.getElementById('id_files').files.length") == 5
    assert Document.objects.count() == 4

    # The document list fills in type, version and chunks as ingestion ends, without a reload.
    page.goto(f"/admin/ingestion/document/?collection__id__exact={alices_collection.pk}")
    leave = Document.objects.get(source_name="leave.md")
    version = page.locator(f"#document-version-{leave.pk}")
    assert version.inner_text() == "–"
    services.ingest_document(document_id=leave.pk, task_id=leave.task_id)
    page.wait_for_function(
        f"document.getElementById('document-version-{leave.pk}').textContent.trim() === 'v1'",
        timeout=20_000,
    )
    assert page.locator(f"#document-type-{leave.pk}").inner_text() == "MD"
    assert "chunk" in page.locator(f"#document-chunks-{leave.pk}").inner_text()
    assert "Ready" in page.locator(f"#document-status-{leave.pk}").inner_text()
    assert "queued (0%)" not in page.content()
    assert horizontal_overflow(page) <= 0
    shoot(page, output, "document-list-1366")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_document_admin_list_has_no_serious_accessibility_violations(
    browser, live_server, curator, alices_collection, output, viewport
):
    services.add_document(
        collection=alices_collection,
        file=io.BytesIO(b"Pumps are serviced yearly.\n"),
        source_name="pumps.txt",
    )
    DocumentFactory(
        collection=alices_collection,
        status=Document.Status.FAILED,
        title="Annual maintenance schedule for the northern pumping stations and reservoirs 2026",
        error="Parsing stopped: the file is 312.4 MB; the limit is 100 MB. Split the document "
        "into smaller files, or raise INGEST_MAX_UPLOAD_MB if the server has the memory.",
    )
    page = signed_in(browser, live_server, curator, viewport)
    page.goto("/admin/ingestion/document/")
    page.locator("#result_list").wait_for()
    shoot(page, output, f"document-list-{viewport['width']}")
    if viewport == DESKTOP:  # every column visible, nothing cut off on the right
        assert horizontal_overflow(page) <= 0
        overflow = (
            "(r => r.scrollWidth - r.clientWidth)(document.querySelector('#changelist .results'))"
        )
        assert page.evaluate(overflow) <= 0
    assert serious_violations(page) == []


def test_dashboard_says_when_it_was_updated_and_refreshes(
    browser, live_server, olga, alice, output
):
    MessageFactory(conversation__owner=alice)  # answered just now: not in any rollup yet
    page = signed_in(browser, live_server, olga)
    page.goto("/ops/")
    updated = page.locator("#dashboard-updated")
    assert "No figures computed for this range yet" in updated.inner_text()
    assert page.locator(".kpis .figure").first.inner_text() == "0"

    page.click("#dashboard-refresh")
    page.wait_for_function(
        "document.querySelector('#dashboard-updated time') !== null", timeout=20_000
    )
    assert "Figures updated just now" in updated.inner_text()
    assert page.locator(".kpis .figure").first.inner_text() == "1"
    assert DailyRollup.objects.filter(answers=1, collection=None, variant="").exists()
    page.locator("#chart-answers").wait_for()
    page.wait_for_timeout(500)  # Chart.js animates its first frame
    shoot(page, output, "dashboard-1366")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_dashboard_fits_the_screen_and_has_no_serious_accessibility_violations(
    browser, live_server, olga, alice, output, viewport
):
    for _ in range(3):
        MessageFactory(conversation__owner=alice)
    rollups.update_rollups()
    failed = DocumentFactory(title="Pump manual", status=Document.Status.FAILED)
    DocumentVersionFactory(document=failed, error="Parse failed")
    Alert.objects.create(
        kind=Alert.Kind.INGESTION,
        key=f"ingestion:{rollups.local_today()}",
        metric="documents_failed",
        message=f"1 document failed to ingest on {rollups.local_today()}.",
    )
    page = signed_in(browser, live_server, olga, viewport)
    page.goto("/ops/")
    page.locator("#chart-answers").wait_for()
    page.wait_for_timeout(500)
    shoot(page, output, f"dashboard-{viewport['width']}")
    assert horizontal_overflow(page) <= 0
    assert serious_violations(page) == []
    link = page.get_by_role("link", name="Open “Pump manual”")
    assert link.get_attribute("href") == f"/admin/ingestion/document/{failed.pk}/change/"
