"""The SQLite engine: an FTS5 table (created by migration 0002) ranked with BM25, the title
weighing most, then the keywords, then the body."""

from __future__ import annotations

from django.db import connection

from .models import Article

# bm25() column weights: article_id (unindexed), title, keywords, body.
_WEIGHTS = "0.0, 10.0, 6.0, 1.0"
Row = tuple[int, str, str, str, float]


def reindex(article: Article, text: str) -> None:
    """Replace the article's row in the index (or drop it when it is not published)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_article_fts WHERE article_id = %s", [article.pk])
        if article.published:
            cursor.execute(
                "INSERT INTO knowledge_article_fts (article_id, title, keywords, body) VALUES (%s, %s, %s, %s)",
                [article.pk, article.title, article.keywords.replace(",", " "), text],
            )


def unindex(article_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_article_fts WHERE article_id = %s", [article_id])


def ranked(terms: list[str], *, language: str, staff: bool, limit: int) -> list[Row]:
    # Terms are \w+ words; quoting each makes it a plain token to FTS5, never syntax.
    match = " OR ".join('"{}"'.format(term.replace('"', "")) for term in terms)
    audience_clause = "" if staff else "AND a.audience = 'public'"
    sql = f"""
        SELECT a.id, a.slug, a.title, a.body, -bm25(knowledge_article_fts, {_WEIGHTS}) AS score
        FROM knowledge_article_fts f JOIN knowledge_article a ON a.id = f.article_id
        WHERE knowledge_article_fts MATCH %s AND a.language = %s AND a.published {audience_clause}
        ORDER BY score DESC, a.id
        LIMIT %s
    """  # the only interpolations are constants of this module
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, language, limit])
        return [(int(pk), slug, title, body, float(score)) for pk, slug, title, body, score in cursor.fetchall()]
