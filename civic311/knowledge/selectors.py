"""Reads of the knowledge base that are more than one line: the FAQ by topic, an article
with its translations, the active emergency campaign (cached briefly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet, Sum

from .models import Article, EmergencyCampaign, Topic, UsageCount

# Activation clears the cache where it happens; other processes see it within this time.
CAMPAIGN_CACHE_SECONDS = 30
_NONE = "none"


@dataclass
class TopicSection:
    topic: Topic | None
    name: str
    articles: list[Article] = field(default_factory=list)


def public_articles(language: str) -> QuerySet[Article]:
    return Article.objects.filter(language=language, published=True, audience=Article.Audience.PUBLIC)


def faq_by_topic(language: str) -> list[TopicSection]:
    """Public articles in `language`, grouped by topic in the topics' order (one query)."""
    sections: dict[int | None, TopicSection] = {}
    articles = public_articles(language).select_related("topic").order_by("topic__order", "topic__name", "title")
    for article in articles:
        key = article.topic_id
        if key not in sections:
            name = article.topic.name_in(language) if article.topic is not None else ""
            sections[key] = TopicSection(topic=article.topic, name=name)
        sections[key].articles.append(article)
    ordered = [section for key, section in sections.items() if key is not None]
    if None in sections:
        ordered.append(sections[None])
    return ordered


def article_for(slug: str, *, staff: bool) -> Article | None:
    """A published article by slug (public ones only unless `staff`), with its topic."""
    articles = Article.objects.filter(slug=slug, published=True).select_related("topic", "owner_department")
    if not staff:
        articles = articles.filter(audience=Article.Audience.PUBLIC)
    return articles.first()


def translations_of(article: Article, *, staff: bool) -> list[Article]:
    """The other language versions of the same answer."""
    others = Article.objects.filter(translation_key=article.translation_key, published=True).exclude(pk=article.pk)
    if not staff:
        others = others.filter(audience=Article.Audience.PUBLIC)
    return list(others.order_by("language"))


def active_campaign() -> EmergencyCampaign | None:
    """The active emergency campaign with its public pinned articles, or None."""
    cached = cache.get("knowledge:active-campaign")
    if cached == _NONE:
        return None
    if isinstance(cached, EmergencyCampaign):
        return cached
    pinned = Prefetch(
        "pinned_articles",
        queryset=Article.objects.filter(published=True, audience=Article.Audience.PUBLIC).order_by("title"),
    )
    campaign = EmergencyCampaign.objects.filter(active=True).prefetch_related(pinned).first()
    cache.set("knowledge:active-campaign", campaign if campaign is not None else _NONE, CAMPAIGN_CACHE_SECONDS)
    return campaign


def pinned_articles(campaign: EmergencyCampaign | None, language: str) -> list[Article]:
    if campaign is None:
        return []
    return [article for article in campaign.pinned_articles.all() if article.language == language]


def usage_since(day: date) -> dict[tuple[str, str], int]:
    """Views, searches and article reads since `day` (inclusive), per (channel, event)."""
    rows = (UsageCount.objects.filter(day__gte=day).values("channel", "event")
            .annotate(total=Sum("count")).order_by())
    return {(row["channel"], row["event"]): row["total"] for row in rows}
