"""Chromium through Playwright: a page on the live server, with what its console said."""

import re
import shutil
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture
def browser_context(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous (Django's documented switch for this case).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield context
        browser.close()
        # The test's ORM calls ran beside Playwright's event loop, so Django gave them a
        # connection of that context; left open, it keeps the test database from being dropped.
        connections.close_all()


@pytest.fixture
def console(browser_context) -> list[str]:
    """Every console message and page error of every page in the context."""
    messages: list[str] = []

    def listen(page) -> None:
        page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))

    browser_context.on("page", listen)
    return messages


@pytest.fixture
def page(browser_context, console):
    return browser_context.new_page()


def csp_violations(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line]


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def output(request) -> Path:
    """This test's screenshot folder, emptied first: test-results/<test name>/ (as Playwright's
    own runner does), for a reviewer to look at."""
    folder = ROOT / "test-results" / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
