"""Shared fixtures (append new ones; keep existing ones stable)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test stores files in its own temporary media folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


class SMTPSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a random free port that keeps every
    message it accepts. ``stop()`` / ``start()`` take it down and up on the same port."""

    def __init__(self):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received: list[dict] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.received.append(
            {
                "from": envelope.mail_from,
                "rcpt": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.original_content, policy=policy.default),
            }
        )
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self):
        return [entry["message"] for entry in self.received]

    def to(self, address: str):
        """Messages whose envelope reached ``address``."""
        return [e["message"] for e in self.received if address.lower() in map(str.lower, e["rcpt"])]


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server; Django's SMTP backend points at it for the test."""
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def chromium(monkeypatch):
    """Debian's headless Chromium driven by Playwright, for tests marked ``browser``: open
    as many contexts (one per user) as a test needs with ``chromium.new_context()``; they
    all close with the browser. Skips when Chromium or Playwright is missing."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay
    # synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """Opens pages on the live server in headless Chromium: ``browser_page(user)`` gives a
    new page in its own browser context (its own cookies), signed in as ``user`` through a
    session made by Django's test client (no login form); ``browser_page()`` one signed in
    as nobody. ``viewport`` is (width, height); ``timeout_ms`` replaces Playwright's
    default wait."""
    from django.conf import settings
    from django.test import Client

    def open_page(user=None, *, viewport=(1280, 900), timeout_ms: int | None = None):
        width, height = viewport
        context = chromium.new_context(viewport={"width": width, "height": height})
        if timeout_ms is not None:
            context.set_default_timeout(timeout_ms)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        return context.new_page()

    return open_page


SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs/screenshots"


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(page, "name.png")`` photographs the page into the test's temporary folder
    and checks it is larger than ``min_bytes`` (a blank page is small); with
    ``UPDATE_SCREENSHOTS=1`` it also replaces docs/screenshots/name.png. Returns the file."""
    import os
    import shutil

    def take(page, name: str, *, min_bytes: int = 0, full_page: bool = False) -> Path:
        shot = tmp_path / name
        page.screenshot(path=str(shot), full_page=full_page)
        assert shot.stat().st_size > min_bytes
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, SCREENSHOTS / name)
        return shot

    return take


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL (row locks, real concurrent connections):
    they skip, saying so, when DATABASE_URL points elsewhere."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
