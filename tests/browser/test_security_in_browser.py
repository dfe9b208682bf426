"""Issue 12 in Chromium: an uploaded original never runs script in our origin, and the
site-wide CSP leaves the chat, the admin, the ops dashboard and the API docs working."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.browser.conftest import CHROMIUM, csp_violations, sign_in
from tests.conftest import ingest_in_process
from tests.factories import CollectionFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "correct horse battery staple"
HOSTILE_HTML = b"""<!doctype html><html><head><title>Travel policy</title></head><body>
<h1>Travel policy</h1><p>Economy class for flights under six hours.</p>
<script>alert("stored script"); fetch("/api/v1/collections/?stolen=1");</script>
<img src="/api/v1/documents/?stolen=2" onerror="alert('img')">
</body></html>"""


def upload_html(collection) -> int:
    return ingest_in_process(collection, "policy.html", HOSTILE_HTML).pk


def test_a_superuser_opening_an_uploaded_html_original_runs_none_of_its_script(
    browser_context, page, console, output
):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    document_id = upload_html(CollectionFactory(slug="policies"))
    url = reverse("chat:document-file", args=[document_id])
    sign_in(page, "root", PASSWORD)
    dialogs, requests, downloads = [], [], []

    def watch(tab) -> None:
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("download", lambda download: downloads.append(download))

    watch(page)
    browser_context.on("page", watch)
    browser_context.on("request", lambda request: requests.append(request.url))

    # Opened the way the chat offers it: a link to the original, in a new tab.
    page.set_content(f'<a id="open" href="{url}" target="_blank">Open the document</a>')
    page.click("#open")
    page.wait_for_timeout(1500)  # time for a script to run and call out, or a download to start

    assert dialogs == []
    assert [r for r in requests if "stolen" in r] == []
    assert len(downloads) == 1 and downloads[0].suggested_filename.endswith(".html")
    assert downloads[0].path().read_bytes() == HOSTILE_HTML
    headers = browser_context.request.get(url).headers
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("sandbox")


def test_chat_admin_dashboard_and_api_docs_work_under_the_csp(page, console, output):
    olga = UserFactory(username="olga", is_staff=True, is_superuser=True)
    olga.groups.add(Group.objects.get_or_create(name="Ops")[0])
    sign_in(page, "olga", PASSWORD)

    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "camera=()" in response.headers["permissions-policy"]
    page.locator("#question-form").wait_for()

    page.goto("/admin/ingestion/document/")
    page.locator("#changelist").wait_for()
    page.goto("/admin/ingestion/collection/add/")
    page.fill("#id_name", "Handbook")
    page.fill("#id_slug", "handbook")
    page.click("input[name=_save]")
    page.locator(".messagelist .success").wait_for()

    page.goto("/ops/")
    page.locator("canvas").first.wait_for()
    # Chart.js drew (it gives its canvases a size); a blocked script would leave them blank.
    page.wait_for_function("typeof Chart !== 'undefined'")

    page.goto("/api/docs/")
    page.locator(".swagger-ui .info").wait_for()
    page.screenshot(path=str(output / "api-docs.png"), full_page=True)

    assert csp_violations(console) == []
    assert [line for line in console if line.startswith("pageerror")] == []
