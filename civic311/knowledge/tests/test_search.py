"""Knowledge-base search: the same behaviour on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import pytest

from civic311.knowledge import services
from civic311.knowledge.search import search_articles

from .factories import add_article, add_synonyms

pytestmark = pytest.mark.django_db


def slugs(query: str, **options: object) -> list[str]:
    return [hit.slug for hit in search_articles(query, **options)]  # type: ignore[arg-type]


def test_title_and_keywords_outrank_a_mention_in_the_body() -> None:
    add_article("Parking permits", "<p>Residents may request a permit. Potholes are reported elsewhere.</p>",
                slug="permits")
    add_article("Report a pothole", "<p>Tell us where the hole in the road is.</p>", slug="pothole")
    add_article("Road repair season", "<p>Crews work from April.</p>", keywords="pothole, paving", slug="paving")
    assert slugs("pothole")[:2] == ["pothole", "paving"]
    assert slugs("pothole")[-1] == "permits"


def test_hits_carry_title_snippet_and_a_positive_score() -> None:
    add_article("Missed trash pickup", "<p>If your <em>trash</em> was not collected, wait until 6 pm.</p>",
                slug="missed")
    [hit] = search_articles("trash not collected")
    assert hit.slug == "missed"
    assert hit.title == "Missed trash pickup"
    assert "not collected" in hit.snippet
    assert "<em>" not in hit.snippet
    assert hit.score > 0


def test_words_in_another_form_still_match() -> None:
    add_article("Abandoned vehicles", "<p>A car parked for more than 72 hours.</p>", slug="abandoned")
    assert slugs("abandoned vehicle") == ["abandoned"]


def test_synonyms_configured_by_the_city_widen_the_search() -> None:
    add_article("Missed garbage collection", slug="garbage")
    assert slugs("rubbish") == []
    add_synonyms("trash, garbage, rubbish")
    assert slugs("rubbish") == ["garbage"]


def test_a_misspelt_word_finds_the_article() -> None:
    add_article("Graffiti removal", "<p>We remove graffiti from public property.</p>", slug="graffiti")
    assert slugs("grafitti on my wall") == ["graffiti"]


def test_staff_only_articles_stay_out_of_public_search() -> None:
    add_article("Overtime rules for crews", audience="staff", keywords="overtime", slug="staff-overtime")
    assert slugs("overtime") == []
    assert slugs("overtime", audience="staff") == ["staff-overtime"]


def test_each_language_searches_its_own_articles() -> None:
    add_article("Report a pothole", slug="pothole-en", key="pothole")
    add_article("Reportar un bache", "<p>Díganos dónde está el bache en la calle.</p>", language="es",
                key="pothole", slug="pothole-es")
    assert slugs("baches en la calle", language="es") == ["pothole-es"]
    assert slugs("bache", language="en") == []
    assert slugs("bache", language="es-MX") == ["pothole-es"]


def test_unpublishing_removes_an_article_and_editing_reindexes_it() -> None:
    article = add_article("Snow emergency parking", slug="snow")
    assert slugs("snow") == ["snow"]
    article.title = "Winter parking bans"
    services.save_article(article=article)
    assert slugs("snow") == []
    assert slugs("winter") == ["snow"]
    article.published = False
    services.save_article(article=article)
    assert slugs("winter") == []


@pytest.mark.parametrize("query", [
    "", "   ", "the and of", '"', "*", "NEAR(a b)", "pothole OR", "a' OR 1=1 --", "pothole:*",
    "!(&|)", "\x00", "𝔭𝔬𝔱𝔥𝔬𝔩𝔢", "ñ" * 5000, "pothole " * 2000,
])
def test_odd_and_malicious_queries_never_fail(query: str) -> None:
    add_article("Report a pothole", slug="pothole")
    hits = search_articles(query)
    assert all(hit.slug == "pothole" for hit in hits)


def test_limit_is_respected() -> None:
    for number in range(5):
        add_article(f"Tree pruning {number}", slug=f"tree-{number}")
    assert len(search_articles("tree", limit=3)) == 3
    assert search_articles("tree", limit=0) == []
