"""Knowledge-base search: one interface over SQLite FTS5 and PostgreSQL full-text search.

Callers (the public FAQ pages, the widget, the agent desk) use `search_articles` only; the
engine behind it depends on the database in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Audience = Literal["public", "staff"]


@dataclass(frozen=True)
class ArticleHit:
    """One search result: enough to list it and link to it."""

    article_id: int
    slug: str
    title: str
    snippet: str
    score: float


def search_articles(
    query: str, *, language: str = "en", audience: Audience = "public", limit: int = 10
) -> list[ArticleHit]:
    """Published articles matching `query` in `language`, best first.

    audience="public" searches public articles only; audience="staff" searches every
    article (staff see the public ones too). At most `limit` hits; [] for a blank query.
    """
    return []
