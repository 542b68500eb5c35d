"""Real-browser tests: Debian's headless Chromium driven by Playwright against pytest-django's live server."""

import os
from pathlib import Path

import pytest

from tests.browser.helpers import SCREENSHOTS, Screen

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
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
DEVICES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test of this folder `browser`, before pyproject's `-m 'not browser'` deselects them."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread, so Django would refuse the ORM calls that the
    # tests (and the in-process live server) make synchronously; they are safe, nothing here is async.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _new_context(browser, live_server, device):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True, **DEVICES[device])
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def phone_context(browser, live_server, transactional_db):
    """A 390x844 touch screen at 2x, like a common phone."""
    context = _new_context(browser, live_server, "phone")
    yield context
    context.close()


@pytest.fixture
def desktop_context(browser, live_server, transactional_db):
    """A 1280x800 laptop screen."""
    context = _new_context(browser, live_server, "desktop")
    yield context
    context.close()


@pytest.fixture
def screens(request, phone_context, desktop_context):
    """screens("phone") or screens("desktop"): a new watched tab; a console error anywhere fails the test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    contexts = {"phone": phone_context, "desktop": desktop_context}
    opened: list[Screen] = []

    def open_screen(device: str) -> Screen:
        screen = Screen(page=contexts[device].new_page(), device=device, test_name=request.node.originalname)
        opened.append(screen.watch())
        return screen

    yield open_screen
    for screen in opened:
        screen.assert_no_console_errors("end of the test")
