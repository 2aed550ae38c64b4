"""The demo city's FAQ: topics, synonyms and articles in English and Spanish, loaded from
`seed/faq.json` through the services (so every article gets its version and audit event).
Loading again changes only what differs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from civic311.catalog.models import ServiceType

from . import search, services
from .models import Article, SynonymSet, Topic

FAQ_FILE = Path(__file__).resolve().parent / "seed" / "faq.json"
LANGUAGES = ("en", "es")


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def slug_for(key: str, language: str) -> str:
    return key if language == "en" else f"{key}-{language}"


@transaction.atomic
def load_faq(path: Path = FAQ_FILE) -> SeedResult:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    topics: dict[str, Topic] = {}
    for order, topic in enumerate(data["topics"]):
        topics[topic["slug"]], _ = Topic.objects.update_or_create(
            slug=topic["slug"], defaults={"name": topic["name"], "name_es": topic["name_es"], "order": order},
        )
    for language, groups in data["synonyms"].items():
        for terms in groups:
            SynonymSet.objects.get_or_create(language=language, terms=terms)
    search.index_changed()
    service_types = {service.code: service for service in ServiceType.objects.all()}
    result = SeedResult()
    for entry in data["articles"]:
        linked = [service_types[code] for code in entry.get("services", []) if code in service_types]
        for language in LANGUAGES:
            text = entry[language]
            article = Article.objects.filter(translation_key=entry["key"], language=language).first()
            fields = {
                "slug": slug_for(entry["key"], language), "title": text["title"], "keywords": text["keywords"],
                "audience": entry.get("audience", Article.Audience.PUBLIC), "topic": topics.get(entry["topic"]),
            }
            if article is None:
                article = Article(translation_key=entry["key"], language=language, body=text["body"], **fields)
                services.save_article(article=article, service_types=linked, reason="demo FAQ")
                result.created += 1
                continue
            stale = any(getattr(article, name) != value for name, value in fields.items())
            if stale or article.body != services.sanitise_body(text["body"]):
                for name, value in fields.items():
                    setattr(article, name, value)
                article.body = text["body"]
                services.save_article(article=article, service_types=linked, reason="demo FAQ")
                result.updated += 1
            else:
                result.unchanged += 1
    return result
