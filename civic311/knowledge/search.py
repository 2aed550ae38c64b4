"""Knowledge-base search: one interface over SQLite FTS5 and PostgreSQL full-text search.

Callers (the public FAQ pages, the widget, the agent desk) use `search_articles` only; the
engine behind it depends on the database in use. Both engines get the same terms: the
query's words without stop words, each widened by its configured synonyms and, when it is
not a word of the indexed articles, by the closest one that is (cheap typo tolerance).
Terms are OR-ed and ranked so that articles matching more, rarer terms in the title and
keywords come first.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from typing import Literal

import nh3
from django.core.cache import cache
from django.db import connection

from .models import Article, SynonymSet

Audience = Literal["public", "staff"]

MAX_QUERY_CHARS = 300
MAX_TERMS = 16
SNIPPET_CHARS = 180
_WORD = re.compile(r"\w+", re.UNICODE)
_VOCABULARY_KEY = "knowledge:vocabulary:{generation}:{language}"
_GENERATION_KEY = "knowledge:index-generation"

STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be been before but by can could did do
    does doing for from get got had has have having he her here hi him his how i if in into is
    it its just me more my no not now of off on once only or other our out over please she so
    some than that the their them then there these they this those to too up us very was we
    were what when where which while who why will with would you your yes thank thanks
    al algo como con cual cuando de del el ella en era es esta este esto estos hay la las le
    les lo los me mi mis muy no nos o para pero por que se si sin sobre su sus te tengo un una
    uno unos y ya gracias hola favor""".split()  # noqa: SIM905 - easier to read as prose
)


@dataclass(frozen=True)
class ArticleHit:
    """One search result: enough to list it and link to it."""

    article_id: int
    slug: str
    title: str
    snippet: str
    score: float


def plain_text(markup: str) -> str:
    """The words of an article body, without markup."""
    return " ".join(html.unescape(nh3.clean(markup, tags=set())).split())


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def query_terms(query: str) -> list[str]:
    """The searchable words of a query: lower case, no stop words, no repeats, bounded."""
    terms: list[str] = []
    for word in words_of(query[:MAX_QUERY_CHARS]):
        if word in STOP_WORDS or len(word) < 2 or word.replace("_", "") == "" or word in terms:
            continue
        terms.append(word)
    return terms[:MAX_TERMS]


def _generation() -> int:
    return int(cache.get_or_set(_GENERATION_KEY, 0, None) or 0)


def _synonyms(language: str) -> dict[str, set[str]]:
    """term → the other terms of its synonym sets (cached until the next change)."""
    key = f"knowledge:synonyms:{_generation()}:{language}"
    groups: dict[str, set[str]] | None = cache.get(key)
    if groups is None:
        groups = {}
        for synonym_set in SynonymSet.objects.filter(language=language):
            members = set(synonym_set.term_list())
            for term in members:
                groups.setdefault(term, set()).update(members - {term})
        cache.set(key, groups, 600)
    return groups


def index_changed() -> None:
    """Called after every change of an article or a synonym set: the cached vocabulary
    and synonyms are rebuilt on the next search."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 1, None)


def vocabulary(language: str) -> frozenset[str]:
    """Every word of the published articles in `language` (for the typo fallback)."""
    key = _VOCABULARY_KEY.format(generation=_generation(), language=language)
    words: frozenset[str] | None = cache.get(key)
    if words is None:
        found: set[str] = set()
        for title, keywords, body in Article.objects.filter(language=language, published=True).values_list(
            "title", "keywords", "body"
        ):
            found.update(words_of(f"{title} {keywords} {plain_text(body)}"))
        words = frozenset(word for word in found if len(word) >= 3 and not word.isdigit())
        cache.set(key, words, 600)
    return words


_corrections: dict[tuple[int, str], list[str]] = {}


def closest_word(term: str, known: frozenset[str]) -> list[str]:
    """The indexed word closest to a misspelt `term` (difflib ratio ≥ 0.8), if any.

    Only words of a length that could reach the cutoff are compared, and answers are
    remembered per vocabulary, so a repeated typo costs a dictionary lookup."""
    key = (hash(known), term)
    if key not in _corrections:
        if len(_corrections) > 5000:
            _corrections.clear()
        # ratio = 2·matches / (len(a) + len(b)) ≥ 0.8 needs len(b) within [2/3, 3/2] of len(a).
        near = [word for word in known if len(term) * 2 / 3 <= len(word) <= len(term) * 3 / 2]
        _corrections[key] = difflib.get_close_matches(term, near, n=1, cutoff=0.8)
    return _corrections[key]


def expanded_terms(query: str, language: str) -> list[str]:
    """The query's terms, each followed by its synonyms and, for a word the articles never
    use, the closest word they do use."""
    terms = query_terms(query)
    if not terms:
        return []
    synonyms = _synonyms(language)
    known = vocabulary(language)
    expanded: list[str] = []
    for term in terms:
        candidates = [term, *sorted(synonyms.get(term, ()))]
        if term not in known and len(term) >= 4 and not term.isdigit():
            candidates += closest_word(term, known)
        for candidate in candidates:
            for word in words_of(candidate):
                if word not in expanded and word not in STOP_WORDS:
                    expanded.append(word)
    return expanded


def snippet_of(text: str, terms: list[str]) -> str:
    """About SNIPPET_CHARS of `text` around the first matched term (plain text)."""
    lowered = text.lower()
    positions = [lowered.find(term[:5]) for term in terms]
    found = [position for position in positions if position >= 0]
    start = max(0, min(found) - SNIPPET_CHARS // 3) if found else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = text[start : start + SNIPPET_CHARS]
    if start + SNIPPET_CHARS < len(text):
        piece = piece.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + piece


def search_articles(
    query: str, *, language: str = "en", audience: Audience = "public", limit: int = 10
) -> list[ArticleHit]:
    """Published articles matching `query` in `language`, best first.

    audience="public" searches public articles only; audience="staff" searches every
    article (staff see the public ones too). At most `limit` hits; [] for a blank query.
    """
    limit = max(0, min(limit, 50))
    language = (language or "en").split("-")[0].lower()  # "es-MX" searches the Spanish articles
    terms = expanded_terms(query, language)
    if not terms or limit == 0:
        return []
    if connection.vendor == "postgresql":
        from . import search_postgres

        rows = search_postgres.ranked(terms, language=language, staff=audience == "staff", limit=limit)
    else:
        from . import search_sqlite

        rows = search_sqlite.ranked(terms, language=language, staff=audience == "staff", limit=limit)
    return [
        ArticleHit(article_id=pk, slug=slug, title=title, snippet=snippet_of(plain_text(body), terms), score=score)
        for pk, slug, title, body, score in rows
    ]
