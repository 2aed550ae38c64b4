"""The PostgreSQL engine: a weighted tsvector per article (title A, keywords B, body D) in
the article's language configuration, a GIN index (migration 0002), ranked with ts_rank."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, Value

from .models import Article

CONFIGS = {"en": "english", "es": "spanish"}
# ts_rank weights in the order D, C, B, A.
_WEIGHTS = [0.1, 0.2, 0.6, 1.0]
Row = tuple[int, str, str, str, float]


def config_for(language: str) -> str:
    return CONFIGS.get(language, "simple")


def reindex(article: Article, text: str) -> None:
    config = config_for(article.language)
    vector = (
        SearchVector(Value(article.title), weight="A", config=config)
        + SearchVector(Value(article.keywords.replace(",", " ")), weight="B", config=config)
        + SearchVector(Value(text), weight="D", config=config)
    )
    Article.objects.filter(pk=article.pk).update(search_vector=vector if article.published else None)


def ranked(terms: list[str], *, language: str, staff: bool, limit: int) -> list[Row]:
    config = config_for(language)
    # Terms are \w+ words, so the raw tsquery is "w1 | w2 | ...", never operators of a user.
    query = SearchQuery(" | ".join(terms), search_type="raw", config=config)
    articles = Article.objects.filter(language=language, published=True, search_vector=query)
    if not staff:
        articles = articles.filter(audience=Article.Audience.PUBLIC)
    rows = (
        articles.annotate(score=SearchRank(F("search_vector"), query, weights=_WEIGHTS, normalization=Value(1)))
        .order_by("-score", "id")
        .values_list("id", "slug", "title", "body", "score")[:limit]
    )
    return [(pk, slug, title, body, float(score)) for pk, slug, title, body, score in rows]
