"""The public FAQ: list by topic, article page, search; English and Spanish; counted."""

from __future__ import annotations

import pytest
from django.test import Client

from civic311.knowledge.models import Article, UsageCount
from civic311.knowledge.seeds import load_faq

from .factories import add_article, add_topic

pytestmark = pytest.mark.django_db


def test_faq_lists_public_articles_under_their_topics_in_order(client: Client) -> None:
    trash = add_topic("Trash", "Basura", order=1)
    streets = add_topic("Streets", "Calles", order=2)
    add_article("Report a pothole", topic=streets, slug="pothole")
    add_article("Missed pickup", topic=trash, slug="missed")
    add_article("Crew overtime", topic=trash, audience="staff", slug="overtime")
    add_article("Retirar basura", language="es", topic=trash, slug="basura")

    page = client.get("/knowledge/").content.decode()

    assert page.index(">Trash</h2>") < page.index("Missed pickup") < page.index(">Streets</h2>")
    assert page.index(">Streets</h2>") < page.index("Report a pothole")
    assert "Crew overtime" not in page
    assert "Retirar basura" not in page


def test_faq_in_spanish_shows_spanish_articles_and_topic_names(client: Client) -> None:
    trash = add_topic("Trash", "Basura")
    add_article("Missed pickup", topic=trash, slug="missed")
    add_article("Recolección no realizada", language="es", topic=trash, slug="recoleccion")
    page = client.get("/knowledge/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page
    assert "Preguntas y respuestas" in page
    assert ">Basura</h2>" in page
    assert "Recolección no realizada" in page
    assert "Missed pickup" not in page


def test_faq_list_query_count_does_not_grow_with_articles(client: Client, django_assert_max_num_queries) -> None:
    topic = add_topic("Trash")
    for number in range(3):
        add_article(f"Answer {number}", topic=topic)
    client.get("/knowledge/")
    with django_assert_max_num_queries(4) as few:
        client.get("/knowledge/")
    index_queries = len(few.captured_queries)
    assert index_queries > 0
    for number in range(30):
        add_article(f"More {number}", topic=add_topic(f"Topic {number}"))
    with django_assert_max_num_queries(index_queries):
        assert "More 29" in client.get("/knowledge/").content.decode()


def test_article_page_shows_the_sanitised_body_and_links_its_translation(client: Client) -> None:
    add_article("Report a pothole", '<p>Call <strong>311</strong>.</p><script>alert("x")</script>', key="pothole",
                slug="pothole")
    add_article("Reportar un bache", "<p>Llame al 311.</p>", language="es", key="pothole", slug="bache")
    page = client.get("/knowledge/a/pothole/").content.decode()
    assert "<h1>Report a pothole</h1>" in page
    assert "<strong>311</strong>" in page
    assert "alert(" not in page
    assert 'href="/knowledge/a/bache/"' in page and "Leer en español" in page
    assert UsageCount.objects.get(event="article", channel="pages").count == 1


def test_staff_only_and_unpublished_articles_are_not_found_publicly(client: Client) -> None:
    add_article("Crew overtime", audience="staff", slug="overtime")
    add_article("Old answer", slug="old", published=False)
    assert client.get("/knowledge/a/overtime/").status_code == 404
    assert client.get("/knowledge/a/old/").status_code == 404
    assert client.get("/knowledge/a/no-such-thing/").status_code == 404


def test_search_page_lists_ranked_hits_with_snippets(client: Client) -> None:
    add_article("Report a pothole", "<p>Tell us where the hole in the road is.</p>", slug="pothole")
    add_article("Street light out", slug="light")
    page = client.get("/knowledge/search/", {"q": "pot hole in the road"}).content.decode()
    assert 'href="/knowledge/a/pothole/"' in page
    assert "hole in the road" in page
    assert "/knowledge/a/light/" not in page
    assert UsageCount.objects.get(event="search", channel="pages").count == 1


def test_search_with_no_hits_says_so_in_spanish_too(client: Client) -> None:
    page = client.get("/knowledge/search/", {"q": "zzzz"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Ninguna respuesta coincide" in page


def test_an_oversized_search_is_refused_with_a_clear_message(client: Client) -> None:
    response = client.get("/knowledge/search/", {"q": "pothole " * 100})
    assert response.status_code == 400
    assert "Your search is too long" in response.content.decode()
    assert not UsageCount.objects.exists()


def test_a_malicious_search_is_shown_escaped(client: Client) -> None:
    page = client.get("/knowledge/search/", {"q": '<script>alert(1)</script>"'}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_usage_counts_add_up_in_one_row_per_day(client: Client) -> None:
    add_article("Report a pothole", slug="pothole")
    for _ in range(3):
        client.get("/knowledge/search/", {"q": "pothole"})
    assert list(UsageCount.objects.values_list("event", "count")) == [("search", 3)]


def test_the_demo_faq_loads_in_both_languages_and_loads_again_unchanged() -> None:
    first = load_faq()
    assert first.created >= 80
    for language in ("en", "es"):
        assert Article.objects.filter(language=language, audience="public").count() >= 40
    spanish = Article.objects.get(slug="pothole-es")
    assert spanish.translation_key == Article.objects.get(slug="pothole").translation_key
    again = load_faq()
    assert (again.created, again.updated) == (0, 0)
    assert Article.objects.get(slug="pothole").version == 1


def test_search_and_widget_query_counts_do_not_grow_with_hits(client: Client, django_assert_max_num_queries) -> None:
    add_article("Tree pruning 0", slug="tree-0")
    client.get("/knowledge/search/", {"q": "tree"})
    client.get("/knowledge/widget/")
    # Counted right away: every request clears the connection's query log.
    with django_assert_max_num_queries(8) as one_hit:
        client.get("/knowledge/search/", {"q": "tree"})
    search_queries = len(one_hit.captured_queries)
    with django_assert_max_num_queries(8) as widget_small:
        client.get("/knowledge/widget/")
    widget_queries = len(widget_small.captured_queries)
    assert search_queries > 0 and widget_queries > 0
    for number in range(1, 10):
        add_article(f"Tree pruning {number}", topic=add_topic(f"Trees {number}"), slug=f"tree-{number}")
    client.get("/knowledge/search/", {"q": "tree"})  # the vocabulary is rebuilt once after the edits
    with django_assert_max_num_queries(search_queries):
        assert "tree-9" in client.get("/knowledge/search/", {"q": "tree"}).content.decode()
    with django_assert_max_num_queries(widget_queries):
        assert "tree-9" in client.get("/knowledge/widget/").content.decode()
