"""Headless Chromium on pytest-django's live server: a phone and a desktop screen.

The browser is Debian's /usr/bin/chromium driven by Playwright's sync API; no
browser is ever downloaded. Playwright's sync API keeps an asyncio event loop
marked as running in the test thread while it is started, which matters to
Django twice: its "no ORM calls from async code" guard must be switched off,
and its per-thread database connections switch to per-async-context storage
(asgiref's Local), which would hand the test a second connection without the
state pytest-django gave the first. So Playwright lives for one test only, the
guard is off only meanwhile, and the test keeps the connections it started with.
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
PASSWORD = "pw-for-tests-1"  # what tests/factories.py UserFactory sets

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    sync_playwright = None

MISSING = (
    "!! BROWSER TESTS SKIPPED: /usr/bin/chromium is missing (`make test` apt-installs it; "
    "or `apt-get install chromium`). Playwright must never download its own browser."
    if not CHROMIUM.exists()
    else "!! BROWSER TESTS SKIPPED: the playwright package is not installed (pip install -r requirements-dev.txt)."
    if sync_playwright is None
    else ""
)


def pytest_collection_modifyitems(config, items) -> None:
    if not MISSING:
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def browser(live_server) -> Iterator["Browser"]:
    """Chromium for one test, with a fresh throw-away profile directory."""
    kept = {alias: connections[alias] for alias in connections}
    unsafe = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    profile = tempfile.mkdtemp(prefix="hardship-chromium-")
    playwright = sync_playwright().start()
    for alias, connection in kept.items():
        connections[alias] = connection
    try:
        # Plain launch() gives each context its own incognito profile; HOME and the
        # XDG directories keep Chromium's own files in the temp dir too.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": profile, "XDG_CONFIG_HOME": profile, "XDG_CACHE_HOME": profile},
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if unsafe is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = unsafe
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Scopes and configuration lists are cached in memory; the tables were just flushed."""
    cache.clear()


class Screen:
    """One browser context (phone or desktop) pointed at the live server."""

    def __init__(self, context: "BrowserContext", base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        """Chromium reports every content security policy violation on the console: each one fails the test."""
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def goto(self, path: str) -> "Page":
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username: str, password: str = PASSWORD) -> "Page":
        page = self.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(self.base_url + "/")
        return page

    def open_navigation(self) -> "Page":
        """On a phone, open the collapsed navigation bar; on a desktop it is open already."""
        page = self.page
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
            # Bootstrap grows the menu open ("collapsing") and marks it "show" when done; a click on
            # a link before then can miss it (the longer the menu, the longer the animation).
            page.locator("#nav.show").wait_for()
        return page

    def menu(self, group: str, item: str) -> "Page":
        """Follow `item` in the navigation's `group` menu (Households, Visits, Money)."""
        nav = self.open_navigation().locator("nav.navbar")
        nav.get_by_role("button", name=group).click()
        # The item's name, with the count badge some items carry ("Approvals 3").
        name = re.compile(rf"^{re.escape(item)}(\s+\d+\+?)?$")
        nav.locator(".dropdown-menu.show").get_by_role("link", name=name).click()
        return self.page

    def logout(self) -> "Page":
        page = self.open_navigation()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/accounts/login/")
        return page

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Write docs/screenshots/<name>.png for the README (overwritten on every run)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        return path

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
        return self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _screen(browser: "Browser", live_server, options: dict, locale: str) -> Iterator[Screen]:
    context = browser.new_context(**options, locale=locale, timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    screen = Screen(context, live_server.url)
    try:
        yield screen
    finally:
        context.close()
    assert not screen.errors, f"JavaScript errors or CSP violations on the page: {screen.errors}"


@pytest.fixture
def phone(browser, live_server) -> Iterator[Screen]:
    """A 375 x 812 touch screen speaking English."""
    yield from _screen(browser, live_server, PHONE, "en-US")


@pytest.fixture
def desktop(browser, live_server) -> Iterator[Screen]:
    """A 1366 x 900 desktop speaking English."""
    yield from _screen(browser, live_server, DESKTOP, "en-US")
