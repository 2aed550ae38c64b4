"""The public notices pages in a real browser (system Chromium): subscribe, confirm,
change preferences and unsubscribe by clicking, and read announcements; every page passes
axe-core with no serious or critical violation, in English and Spanish."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civic311.notices import announcements, subscriptions
from civic311.notices.models import Announcement, Subscriber, Topic
from civic311.notices.seeds import ensure_topics
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import Mailbox
from civic311.portal.tests.accessibility import assert_accessible
from civic311.portal.tests.factories import boston_with_squares

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.browser]


@pytest.fixture
def city(settings: Any, live_server: Any) -> None:
    settings.NOTICES_SITE_URL = live_server.url
    boston_with_squares()
    ensure_topics(Topic)


def test_subscribe_confirm_and_unsubscribe_by_clicking(live_server: Any, page: Any, city: None,
                                                       mailbox: Mailbox) -> None:
    page.goto(live_server.url + "/notices/subscribe/")
    assert_accessible(page)
    page.get_by_role("button", name="Subscribe").click()
    assert page.get_by_text("Choose at least one neighborhood, topic or request to follow.").is_visible()
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_label("Westside").check()
    page.get_by_label("Parking").check()
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_selector("text=Check your messages")
    assert_accessible(page)

    deliver_due(seconds=5)
    link = re.search(r"(http://\S+/notices/confirm/\S+/)", mailbox.messages[-1].get_content())
    assert link is not None
    page.goto(link.group(1))
    assert_accessible(page)
    page.get_by_role("button", name="Yes, send me these messages").click()
    page.wait_for_selector("text=Subscription confirmed")
    assert Subscriber.objects.get().is_active
    page.get_by_role("link", name="Change what you receive").click()
    assert_accessible(page)
    page.get_by_label("Eastside").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Your choices are saved.")
    assert Subscriber.objects.get().subscriptions.count() == 3
    page.get_by_role("button", name="Unsubscribe from everything").click()
    page.wait_for_selector("text=You are unsubscribed")
    assert_accessible(page)
    assert Subscriber.objects.get().unsubscribed_at is not None


@pytest.mark.parametrize("language", ["en", "es"])
def test_announcement_pages_are_accessible(live_server: Any, browser: Any, city: None, language: str) -> None:
    item = Announcement.objects.create(title="Revised trash pick-up", body="Tuesdays from May.",
                                       title_es="Nueva recolección de basura", body_es="Los martes desde mayo.",
                                       topic=Topic.objects.get(code="trash-recycling"))
    announcements.publish(item, actor=None)
    context = browser.new_context(locale="es-ES" if language == "es" else "en-US")
    page = context.new_page()
    try:
        for path in ("/notices/announcements/", f"/notices/announcements/{item.pk}/", "/notices/subscribe/",
                     "/notices/announcements/?neighborhood=999"):
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language
            assert_accessible(page)
        expected = "Nueva recolección de basura" if language == "es" else "Revised trash pick-up"
        page.goto(live_server.url + f"/notices/announcements/{item.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == expected
        subscriber = subscriptions.subscribe(channel="email", address=f"{language}@example.org", language=language,
                                             choice=subscriptions.Choice(topics=[item.topic] if item.topic else []))
        page.goto(live_server.url + f"/notices/unsubscribe/{subscriptions.manage_token(subscriber)}/")
        assert_accessible(page)
        page.goto(live_server.url + f"/notices/stop-updates/{subscriptions.requester_token(1, 'a@example.org')}/")
        assert_accessible(page)
        page.goto(live_server.url + "/notices/preferences/forged-token/")
        assert_accessible(page)
    finally:
        context.close()
