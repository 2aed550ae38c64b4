"""RSS and Atom feeds of announcements: the whole city, one neighborhood (its own and
the city-wide ones) or one topic, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civic311.places.models import District

from . import announcements
from .forms import neighborhoods
from .models import Announcement, Topic

FEED_SIZE = 50


@dataclass(frozen=True)
class Scope:
    district: District | None = None
    topic: Topic | None = None


def _language() -> str:
    return (get_language() or "en")[:2]


class AnnouncementsRss(Feed):
    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> Scope:
        if "district" in kwargs:
            return Scope(district=get_object_or_404(neighborhoods(), pk=kwargs["district"]))
        if "topic" in kwargs:
            return Scope(topic=get_object_or_404(Topic, code=kwargs["topic"], active=True))
        return Scope()

    def title(self, obj: Scope) -> str:
        if obj.district is not None:
            return _("City announcements: %(name)s") % {"name": obj.district.name}
        if obj.topic is not None:
            return _("City announcements: %(name)s") % {"name": obj.topic.label(_language())}
        return _("City announcements")

    def link(self, obj: Scope) -> str:
        return reverse("notices:announcements")

    def description(self, obj: Scope) -> str:
        return _("News and alerts from the city.")

    def items(self, obj: Scope) -> list[Announcement]:
        return list(announcements.published(district=obj.district, topic=obj.topic)[:FEED_SIZE])

    def item_title(self, item: Announcement) -> str:
        return item.title_in(_language())

    def item_description(self, item: Announcement) -> str:
        return item.body_in(_language())

    def item_link(self, item: Announcement) -> str:
        return reverse("notices:announcement", kwargs={"pk": item.pk})

    def item_pubdate(self, item: Announcement) -> datetime | None:
        return item.published_at

    def item_guid(self, item: Announcement) -> str:
        return f"announcement-{item.pk}"

    def item_guid_is_permalink(self, item: Announcement) -> bool:
        return False


class AnnouncementsAtom(AnnouncementsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Scope) -> str:
        return self.description(obj)
