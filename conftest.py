"""Test-wide fixtures: where the real city data is, and how absent things are reported.
Outside CI a missing ../shared/data or Chromium skips with a clear message; with CI=true
the same absence fails the test, so CI cannot go green by skipping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
SHARED_DATA = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip (on a developer's machine) or fail (in CI) because something is absent."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing prerequisite is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real city data files (../shared/data)."""
    if not SHARED_DATA.is_dir():
        missing(f"real city data not found at {SHARED_DATA}; set CIVIC311_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_reference_cache():  # type: ignore[no-untyped-def]
    """Each test starts with empty caches: rows cached by an earlier test were rolled back
    with it, without the signals that would have dropped them."""
    from django.core.cache import caches

    from civic311.config.reference_cache import clear_all

    for cache in caches.all():
        cache.clear()
    clear_all()
    yield
    clear_all()


CHROMIUM = Path(os.environ.get("CIVIC311_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests
    # make around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def reference_data(transactional_db):  # type: ignore[no-untyped-def]
    """The seeded statuses and channels, for transactional tests (a flush after an earlier
    transactional test removes what the data migrations created)."""
    from civic311.cases.models import Status
    from civic311.cases.seeds import ensure_statuses
    from civic311.catalog.models import Channel
    from civic311.catalog.seeds import ensure_channels

    ensure_statuses(Status)
    ensure_channels(Channel)
