"""The staff header's links: which pages a user's role may open, for every staff page
whichever app renders it (queue, desk, insight, knowledge, notices)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from . import access
from .models import StaffProfile

Role = StaffProfile.Role
EVERY_ROLE = (Role.AGENT, Role.DEPARTMENT_STAFF, Role.SUPERVISOR, Role.ADMINISTRATOR)
DESK_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)
LEADS = (Role.SUPERVISOR, Role.ADMINISTRATOR)

# (URL name, label, roles that may open it, URL name prefixes that mark it current)
LINKS: tuple[tuple[str, Promise, tuple[str, ...], tuple[str, ...]], ...] = (
    ("staff:queue", _("Queue"), EVERY_ROLE, ("staff:queue", "staff:department-queue", "staff:work-queue",
                                             "staff:request")),
    ("staff:sla", _("SLAs"), LEADS, ("staff:sla",)),
    ("contacts:desk", _("Desk"), DESK_ROLES, ("contacts:desk", "contacts:contact", "contacts:closed")),
    ("contacts:metrics", _("Contact metrics"), LEADS, ("contacts:metrics",)),
    ("insight:trends", _("Trends"), EVERY_ROLE, ("insight:trends",)),
    ("insight:alerts", _("Alerts"), EVERY_ROLE, ("insight:alert",)),
    ("notices:follow-alerts", _("Follow neighborhoods"), EVERY_ROLE, ("notices:follow-alerts",)),
    ("insight:hotspots", _("Hot spots"), EVERY_ROLE, ("insight:hotspots",)),
    ("insight:report", _("Neighborhood report"), EVERY_ROLE, ("insight:report",)),
    ("knowledge:emergency", _("Emergency mode"), LEADS, ("knowledge:emergency",)),
)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool


def links_for(request: HttpRequest) -> list[NavLink]:
    """The header links the request's user may follow, the current page marked."""
    role = access.role_of(request.user)
    if role is None:
        return []
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match is not None else ""
    links = []
    for name, label, roles, current in LINKS:
        if role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app a city has switched off
            continue
        links.append(NavLink(url=url, label=str(label), current=any(here.startswith(p) for p in current)))
    if access.can_configure(request.user) and getattr(request.user, "is_staff", False):
        links.append(NavLink(url=reverse("admin:index"), label=str(_("Configuration")), current=False))
    return links


def staff_nav(request: HttpRequest) -> dict[str, object]:
    """Context processor: `staff_links` and `staff_role`, worked out only when a template
    uses them (public pages never do)."""
    return {
        "staff_links": SimpleLazyObject(lambda: links_for(request)),
        "staff_role": SimpleLazyObject(lambda: access.profile_of(request.user)),
    }
