"""The FAQ pages and the widget in a real browser, checked with axe-core (WCAG 2.1 A/AA),
in English and Spanish, with the emergency banner on; and reachable by keyboard."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest

from civic311.knowledge import services
from civic311.staff.models import StaffProfile
from civic311.staff.tests.factories import make_user

from .factories import add_article, add_campaign, add_topic

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
AXE = files("axe_playwright_python").joinpath("axe.min.js")


def serious_violations(page: Any) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await window.axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"""
    )
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v.get("impact") in ("serious", "critical")]


@pytest.mark.parametrize("language", ["en", "es"])
def test_faq_pages_and_widget_pass_axe(live_server, browser, language: str) -> None:
    topic = add_topic("Streets", "Calles")
    add_article("Report a pothole", "<p>Tell us <strong>where</strong>.</p>", topic=topic, slug="pothole",
                key="pothole")
    add_article("Reportar un bache", "<p>Díganos <strong>dónde</strong>.</p>", language="es", topic=topic,
                slug="bache", key="pothole")
    campaign = add_campaign("Hurricane Ana")
    services.activate_campaign(campaign=campaign, actor=make_user("boss", StaffProfile.Role.ADMINISTRATOR))
    slug = "pothole" if language == "en" else "bache"
    context = browser.new_context(locale="es-ES" if language == "es" else "en-US")
    try:
        page = context.new_page()
        for path in ("/knowledge/", f"/knowledge/a/{slug}/", "/knowledge/search/?q=bache+pothole",
                     "/knowledge/search/?q=zzzz", f"/knowledge/widget/?lang={language}&q=pothole+bache",
                     f"/knowledge/widget/a/{slug}/?lang={language}"):
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language, path
            assert serious_violations(page) == [], path
    finally:
        context.close()


def test_search_by_keyboard_alone(live_server, page) -> None:
    add_article("Report a pothole", slug="pothole")
    page.goto(live_server.url + "/knowledge/")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "kb-q":
            break
    assert page.evaluate("document.activeElement.id") == "kb-q"
    page.keyboard.type("pothole")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Report a pothole").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Report a pothole", level=1).wait_for()
