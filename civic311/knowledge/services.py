"""Every write of the knowledge base: saving articles (with a version, an audit event and
the search index kept in step), usage counters, emergency campaigns."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import nh3
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from civic311.audit.services import record_event
from civic311.catalog.models import ServiceType
from civic311.staff.access import role_of
from civic311.staff.models import StaffProfile

from . import search
from .models import Article, ArticleVersion, EmergencyCampaign, UsageCount

Actor = AbstractBaseUser | AnonymousUser | None

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
_TRACKED = ("title", "body", "keywords", "audience", "published", "language", "review_date",
            "owner_department_id", "topic_id", "translation_key", "slug")
CAMPAIGN_CACHE_KEY = "knowledge:active-campaign"


def sanitise_body(markup: str) -> str:
    """The article body with only safe markup: no scripts, styles, event handlers or
    javascript: links; links get rel="noopener noreferrer"."""
    return nh3.clean(
        markup, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    ).strip()


def _reindex(article: Article) -> None:
    text = search.plain_text(article.body)
    if connection.vendor == "postgresql":
        from . import search_postgres

        search_postgres.reindex(article, text)
    elif connection.vendor == "sqlite":
        from . import search_sqlite

        search_sqlite.reindex(article, text)
    _after_commit_too(search.index_changed)


def _after_commit_too(forget: Callable[[], None]) -> None:
    """Drop a cached read now (this transaction's later reads see the change) and again on
    commit (a concurrent reader may have cached the old state in between)."""
    forget()
    transaction.on_commit(forget)


@transaction.atomic
def save_article(
    *, article: Article, actor: Actor = None, service_types: Iterable[ServiceType] | None = None, reason: str = ""
) -> Article:
    """Create or update `article`: sanitise the body, save, keep a version, record an audit
    event with what changed, and update the search index, all in one transaction."""
    creating = article.pk is None
    before: dict[str, object] = {}
    if not creating:
        old = Article.objects.filter(pk=article.pk).values(*_TRACKED).first()
        before = old or {}
    article.body = sanitise_body(article.body)
    article.keywords = ", ".join(article.keyword_list())
    article.full_clean(exclude=["service_types"])
    article.version = (Article.objects.filter(pk=article.pk).values_list("version", flat=True).first() or 0) + 1 \
        if not creating else 1
    article.save()
    if service_types is not None:
        article.service_types.set(service_types)
    user = actor if actor is not None and actor.is_authenticated else None
    ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, body=article.body, keywords=article.keywords,
        audience=article.audience, published=article.published, saved_by=user,  # type: ignore[misc]
    )
    changes: dict[str, object] = {}
    for field in _TRACKED:
        after = getattr(article, field)
        if creating or before.get(field) != after:
            changes[field] = str(after) if after is not None else None
    record_event(
        action="knowledge.article_created" if creating else "knowledge.article_saved",
        target=article, actor=actor, changes={"version": article.version, **changes}, reason=reason,
    )
    _reindex(article)
    return article


@transaction.atomic
def delete_article(*, article: Article, actor: Actor = None, reason: str = "") -> None:
    """Delete an article (its versions go with it; the audit trail keeps the event)."""
    record_event(action="knowledge.article_deleted", target=article, actor=actor,
                 changes={"slug": article.slug, "title": article.title}, reason=reason)
    article_id = article.pk
    article.delete()
    if connection.vendor == "sqlite":
        from . import search_sqlite

        search_sqlite.unindex(article_id)
    _after_commit_too(search.index_changed)


def record_usage(*, channel: str, event: str, article: Article | None = None) -> None:
    """Count one view or search: one UPDATE in the common case, an INSERT on the day's first."""
    today = timezone.localdate()
    rows = UsageCount.objects.filter(day=today, channel=channel, event=event, article=article)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            UsageCount.objects.create(day=today, channel=channel, event=event, article=article, count=1)
    except IntegrityError:  # another request created the row first
        rows.update(count=F("count") + 1)


# --- Emergency campaigns ---------------------------------------------------------------

def can_run_campaigns(user: Actor) -> bool:
    """Supervisors and administrators switch emergency mode on and off."""
    if user is None:
        return False
    return role_of(user) in (StaffProfile.Role.SUPERVISOR, StaffProfile.Role.ADMINISTRATOR)


def _forget_active_campaign() -> None:
    cache.delete(CAMPAIGN_CACHE_KEY)


@transaction.atomic
def activate_campaign(*, campaign: EmergencyCampaign, actor: Actor, reason: str = "") -> EmergencyCampaign:
    """Switch emergency mode on with `campaign` (any other active campaign is switched off
    first, and audited as such)."""
    if not can_run_campaigns(actor):
        raise PermissionDenied("Only supervisors and administrators may activate an emergency campaign.")
    campaign = EmergencyCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.active:
        return campaign
    for other in EmergencyCampaign.objects.select_for_update().filter(active=True):
        _deactivate(other, actor, reason=f"replaced by {campaign.name}")
    user = actor if actor is not None and actor.is_authenticated else None
    campaign.active = True
    campaign.activated_at = timezone.now()
    campaign.activated_by = user  # type: ignore[assignment]
    campaign.deactivated_at = None
    campaign.deactivated_by = None
    campaign.save(update_fields=["active", "activated_at", "activated_by", "deactivated_at", "deactivated_by"])
    record_event(action="knowledge.campaign_activated", target=campaign, actor=actor,
                 changes={"name": campaign.name, "active": True}, reason=reason)
    _after_commit_too(_forget_active_campaign)
    return campaign


def _deactivate(campaign: EmergencyCampaign, actor: Actor, *, reason: str) -> None:
    user = actor if actor is not None and actor.is_authenticated else None
    campaign.active = False
    campaign.deactivated_at = timezone.now()
    campaign.deactivated_by = user  # type: ignore[assignment]
    campaign.save(update_fields=["active", "deactivated_at", "deactivated_by"])
    record_event(action="knowledge.campaign_deactivated", target=campaign, actor=actor,
                 changes={"name": campaign.name, "active": False}, reason=reason)


@transaction.atomic
def deactivate_campaign(*, campaign: EmergencyCampaign, actor: Actor, reason: str = "") -> EmergencyCampaign:
    """Switch emergency mode off: the banners go away and the FAQ is no longer pinned."""
    if not can_run_campaigns(actor):
        raise PermissionDenied("Only supervisors and administrators may deactivate an emergency campaign.")
    campaign = EmergencyCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.active:
        _deactivate(campaign, actor, reason=reason)
        _after_commit_too(_forget_active_campaign)
    return campaign
