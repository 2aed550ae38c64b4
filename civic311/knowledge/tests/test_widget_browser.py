"""The widget embedded in a plain HTML page served from another origin on loopback, in a
real browser: once with the one-line script, once as a bare iframe with script off."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civic311.knowledge.models import UsageCount

from .factories import add_article, add_topic

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


class CityWebsite:
    """A stand-in city website: serves one HTML page, from 127.0.0.1 (the app is on localhost)."""

    def __init__(self) -> None:
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def city_website() -> Iterator[CityWebsite]:
    site = CityWebsite()
    yield site
    site.close()


def app_url(live_server) -> str:
    return live_server.url.replace("127.0.0.1", "localhost")


def test_script_tag_embeds_a_searchable_faq_in_spanish(live_server, page, city_website) -> None:
    streets = add_topic("Streets", "Calles")
    add_article("Report a pothole", topic=streets, slug="pothole", key="pothole")
    add_article("Reportar un bache", "<p>Díganos dónde está el bache.</p>", language="es", topic=streets,
                slug="bache", key="pothole")
    app = app_url(live_server)
    city_website.html = (
        '<!DOCTYPE html><html lang="es"><head><title>Ciudad</title></head><body><h1>Sitio de la ciudad</h1>'
        f'<script src="{app}/static/knowledge/widget.js" data-lang="es"></script><p>Pie</p></body></html>'
    )
    page.goto(city_website.url)
    frame_element = page.locator("iframe[title='Preguntas frecuentes']")
    frame_element.wait_for()
    frame = page.frame_locator("iframe[title='Preguntas frecuentes']")
    frame.get_by_role("heading", name="Calles").wait_for()
    frame.get_by_label("Buscar en las respuestas").fill("baches")
    frame.get_by_role("button", name="Buscar").click()
    frame.get_by_role("link", name="Reportar un bache").click()
    frame.get_by_text("Díganos dónde está el bache.").wait_for()
    # The iframe follows the script tag and was sized to its content by the frame's message.
    assert page.evaluate("document.querySelector('iframe').previousElementSibling.tagName") == "SCRIPT"
    page.wait_for_function("document.querySelector('iframe').style.height !== ''")
    counted = {(row.event, row.count) for row in UsageCount.objects.filter(channel="widget")}
    assert counted == {("view", 1), ("search", 1), ("article", 1)}


def test_bare_iframe_works_with_script_switched_off(live_server, browser, city_website) -> None:
    add_article("Report a pothole", "<p>Tell us where the hole is.</p>", slug="pothole")
    app = app_url(live_server)
    city_website.html = (
        '<!DOCTYPE html><html lang="en"><head><title>City</title></head><body>'
        f'<iframe src="{app}/knowledge/widget/?lang=en" title="City FAQ" width="600" height="500"></iframe>'
        "</body></html>"
    )
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        page.goto(city_website.url)
        frame = page.frame_locator("iframe[title='City FAQ']")
        frame.get_by_label("Search the answers").fill("hole")
        frame.get_by_role("button", name="Search").click()
        frame.get_by_role("link", name="Report a pothole").click()
        frame.get_by_text("Tell us where the hole is.").wait_for()
    finally:
        context.close()
    assert UsageCount.objects.get(channel="widget", event="search").count == 1
