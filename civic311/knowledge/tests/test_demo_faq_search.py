"""Search over the demo FAQ as residents word things, in English and Spanish (the same
expectations hold on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from civic311.knowledge.models import Article
from civic311.knowledge.search import search_articles
from civic311.knowledge.seeds import load_faq

pytestmark = pytest.mark.django_db


@pytest.fixture
def faq(db: None) -> dict[str, str]:
    load_faq()
    return dict(Article.objects.values_list("slug", "translation_key"))


@pytest.mark.parametrize(("query", "language", "answer"), [
    ("my garbage wasn't collected today", "en", "missed-trash"),
    ("there's a huge pot hole on my street", "en", "pothole"),
    ("streetlite out on the corner", "en", "streetlight"),
    ("someone dumped an old sofa on the sidewalk", "en", "bulk-items"),
    ("needles in the playground", "en", "needles"),
    ("no recogieron la basura hoy", "es", "missed-trash"),
    ("hay un bache enorme en mi calle", "es", "pothole"),
    ("la farola está apagada", "es", "streetlight"),
    ("ratas en el callejón", "es", "rodents"),
    ("no tengo calefacción en mi apartamento", "es", "no-heat"),
    ("grafitti en la pared", "es", "graffiti"),
])
def test_resident_wording_finds_the_answer_in_the_top_three(faq: dict[str, str], query: str, language: str,
                                                            answer: str) -> None:
    hits = search_articles(query, language=language, limit=3)
    assert answer in [faq[hit.slug] for hit in hits]
    assert all(Article.objects.get(slug=hit.slug).language == language for hit in hits)


def test_staff_only_answers_reach_agents_and_not_the_public(faq: dict[str, str]) -> None:
    query = "transfer the caller to 911 weapon"
    assert "staff-911-transfer" not in [faq[hit.slug] for hit in search_articles(query)]
    assert faq[search_articles(query, audience="staff")[0].slug] == "staff-911-transfer"
