"""The embeddable FAQ widget: a frame any site may embed, searchable without script,
counting views and searches; and the one-line script that embeds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from civic311.knowledge.models import UsageCount

from .factories import add_article, add_topic

pytestmark = pytest.mark.django_db


def counts() -> dict[tuple[str, str], int]:
    return {(row.channel, row.event): row.count for row in UsageCount.objects.all()}


def test_widget_may_be_framed_by_another_site_and_counts_a_view(client: Client) -> None:
    add_article("Report a pothole", topic=add_topic("Streets"), slug="pothole")
    response = client.get("/knowledge/widget/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors *"
    page = response.content.decode()
    assert 'href="/knowledge/widget/a/pothole/?lang=en"' in page
    assert counts() == {("widget", "view"): 1}


def test_a_city_can_restrict_who_may_frame_the_widget(client: Client, settings) -> None:
    settings.KNOWLEDGE_WIDGET_FRAME_ANCESTORS = ["https://www.city.example", "https://app.city.example"]
    response = client.get("/knowledge/widget/")
    assert response["Content-Security-Policy"] == "frame-ancestors https://www.city.example https://app.city.example"


def test_the_rest_of_the_site_still_refuses_to_be_framed(client: Client) -> None:
    assert client.get("/knowledge/")["X-Frame-Options"] == "DENY"


def test_widget_searches_without_script_and_counts_the_search(client: Client) -> None:
    add_article("Report a pothole", "<p>Tell us where the hole is.</p>", slug="pothole")
    page = client.get("/knowledge/widget/", {"q": "pothole", "lang": "en"}).content.decode()
    assert 'href="/knowledge/widget/a/pothole/?lang=en"' in page
    assert counts() == {("widget", "search"): 1}


def test_widget_speaks_the_language_it_is_asked_for(client: Client) -> None:
    add_article("Report a pothole", slug="pothole")
    add_article("Reportar un bache", language="es", slug="bache")
    page = client.get("/knowledge/widget/", {"lang": "es"}).content.decode()
    assert '<html lang="es">' in page and "Preguntas y respuestas" in page
    assert "Reportar un bache" in page and "Report a pothole" not in page
    # An unknown language falls back to the visitor's own.
    assert '<html lang="en">' in client.get("/knowledge/widget/", {"lang": "xx"}).content.decode()


def test_widget_article_is_counted_per_article(client: Client) -> None:
    article = add_article("Report a pothole", slug="pothole")
    client.get("/knowledge/widget/a/pothole/")
    client.get("/knowledge/widget/a/pothole/")
    row = UsageCount.objects.get()
    assert (row.channel, row.event, row.article, row.count) == ("widget", "article", article, 2)
    assert client.get("/knowledge/widget/a/nothing/").status_code == 404


def test_widget_refuses_an_oversized_search_clearly(client: Client) -> None:
    response = client.get("/knowledge/widget/", {"q": "x" * 301})
    assert response.status_code == 400
    assert "Your search is too long" in response.content.decode()


def test_widget_script_is_served_from_the_project(client: Client) -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("knowledge/widget.js")
    assert path is not None
    script = Path(path).read_text(encoding="utf-8")
    assert "/knowledge/widget/?lang=" in script
    assert "http" not in script.split("*/", 1)[1]  # nothing fetched from elsewhere
