"""Articles, topics and campaigns made through the knowledge services."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.core.cache import cache

from civic311.knowledge import search, services
from civic311.knowledge.models import Article, EmergencyCampaign, SynonymSet, Topic

_ids = count(1)


def add_article(title: str, body: str = "<p>Details.</p>", *, language: str = "en", keywords: str = "",
                audience: str = "public", topic: Topic | None = None, key: str | None = None,
                **fields: Any) -> Article:
    number = next(_ids)
    article = Article(
        slug=fields.pop("slug", f"article-{number}-{language}"), language=language,
        translation_key=key or f"answer-{number}", title=title, body=body, keywords=keywords,
        audience=audience, topic=topic, **fields,
    )
    return services.save_article(article=article)


def add_topic(name: str, name_es: str = "", order: int = 0) -> Topic:
    return Topic.objects.create(slug=name.lower().replace(" ", "-"), name=name, name_es=name_es, order=order)


def add_synonyms(terms: str, language: str = "en") -> SynonymSet:
    """As the admin does it: save, then let search rebuild its cached synonyms."""
    synonym_set = SynonymSet.objects.create(terms=terms, language=language)
    search.index_changed()
    return synonym_set


def add_campaign(name: str = "Hurricane Ana", **fields: Any) -> EmergencyCampaign:
    values: dict[str, Any] = {
        "banner": "Shelters are open. Stay off the roads.", "banner_es": "Los refugios están abiertos.",
        "desk_script": "Ask whether the caller is safe right now.", **fields,
    }
    return EmergencyCampaign.objects.create(name=name, **values)


def clear_caches() -> None:
    cache.clear()
