"""Reads for the agent desk and the supervisors' contact metrics: caller search and
history, service-type search, and the metrics as a handful of aggregate queries."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractHour

from civic311.cases.sla import city_zone
from civic311.catalog.models import ServiceType

from .history import HistoryLine, other_lines
from .models import Constituent, Contact, RequestParty, phone_key

MAX_QUERY = 100
_DIGITS = re.compile(r"\d")
_PHONE_TEXT = re.compile(r"[\d\s+().\-/x]+", re.IGNORECASE)


def desk_setting(name: str, default: float) -> float:
    configured = getattr(settings, "CIVIC311_DESK", {}) or {}
    return float(configured.get(name, default))


def find_constituents(query: str, *, limit: int = 10) -> Sequence[Constituent]:
    """Constituents whose phone, e-mail or name matches `query`, with their numbers of
    contacts and requests (one query). A query of digits and phone punctuation only is a
    phone number: typed in full (10+ digits) it is one indexed lookup of `phone_key`;
    shorter, any stored number containing those digits matches."""
    query = query.strip()[:MAX_QUERY]
    if len(query) < 2:
        return []
    digits = "".join(_DIGITS.findall(query))
    if len(digits) >= 4 and _PHONE_TEXT.fullmatch(query):
        key = phone_key(query)
        match = Q(phone_key=key) if len(key) >= 10 else Q(phone_key__contains=digits)
    else:
        match = Q(name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query)
    # Counted by correlated subqueries (one index probe per listed caller), not by joining
    # every contact and request of every match and grouping them.
    contacts = (Contact.objects.filter(constituent_id=OuterRef("pk")).order_by()
                .values("constituent_id").annotate(n=Count("id")).values("n"))
    requests = (RequestParty.objects.filter(constituent_id=OuterRef("pk")).order_by()
                .values("constituent_id").annotate(n=Count("id")).values("n"))
    return list(
        Constituent.objects.filter(match)
        .annotate(contact_count=Coalesce(Subquery(contacts), 0), request_count=Coalesce(Subquery(requests), 0))
        .order_by("name", "id")[:limit]
    )


@dataclass(frozen=True)
class CallerHistory:
    contacts: list[Contact]
    parties: list[RequestParty]
    # Lines from the apps above contacts (their alert subscriptions, …): `contacts.history`.
    other: list[HistoryLine] = field(default_factory=list)


def caller_history(constituent: Constituent, *, limit: int = 10) -> CallerHistory:
    """The caller's latest contacts and the requests they reported or follow (two queries),
    and the lines of the history sources registered by other apps."""
    contacts = list(
        constituent.contacts.select_related("channel", "agent", "request").order_by("-started_at")[:limit]
    )
    parties = list(
        RequestParty.objects.filter(constituent=constituent)
        .select_related("request__service_type", "request__detailed_status")
        .order_by("-request__requested_at")[:limit]
    )
    return CallerHistory(contacts=contacts, parties=parties, other=other_lines(constituent))


def search_service_types(query: str, *, limit: int = 8) -> list[ServiceType]:
    """Active service types whose name, code, group or keywords contain every word typed."""
    words = query.strip()[:MAX_QUERY].split()
    if not words:
        return []
    rows = ServiceType.objects.filter(active=True)
    for word in words[:6]:
        rows = rows.filter(Q(name__icontains=word) | Q(code__icontains=word) | Q(group__icontains=word)
                           | Q(keywords__icontains=word))
    return list(rows.order_by("name")[:limit])


def open_contacts_of(agent_id: int) -> QuerySet[Contact]:
    return (Contact.objects.filter(agent_id=agent_id, outcome=Contact.Outcome.OPEN)
            .select_related("channel", "constituent").order_by("-started_at"))


# ---------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Rates:
    """Figures over a set of contacts: volume, closed, resolved at first contact,
    information only, average handle time."""

    contacts: int
    closed: int
    resolved_first: int
    info_only: int
    avg_handle_seconds: float | None

    @property
    def first_contact_resolution(self) -> float | None:
        return self.resolved_first / self.closed if self.closed else None

    @property
    def info_only_share(self) -> float | None:
        return self.info_only / self.closed if self.closed else None


@dataclass(frozen=True)
class AgentRates:
    agent_id: int | None
    agent_name: str
    rates: Rates


@dataclass(frozen=True)
class ContactMetrics:
    start: datetime
    end: datetime
    totals: Rates
    by_channel: list[tuple[str, int]]
    by_reason: list[tuple[str, int]]
    by_outcome: list[tuple[str, int]]
    by_agent: list[AgentRates]
    by_hour: list[tuple[int, Rates]]


RESOLVED = (Contact.Outcome.INFO_GIVEN, Contact.Outcome.REQUEST_CREATED)


def _rate_aggregates() -> dict[str, Count | Avg]:
    closed = ~Q(outcome=Contact.Outcome.OPEN)
    return {
        "n": Count("id"),
        "closed": Count("id", filter=closed),
        "resolved": Count("id", filter=Q(outcome__in=RESOLVED) & ~Q(reason=Contact.Reason.FOLLOW_UP)
                          & Q(called_again=False)),
        "info": Count("id", filter=Q(outcome=Contact.Outcome.INFO_GIVEN)),
        "handle": Avg("handle_seconds", filter=closed),
    }


def _rates(row: Mapping[str, Any]) -> Rates:
    handle = row["handle"]
    return Rates(contacts=int(row["n"] or 0), closed=int(row["closed"] or 0),
                 resolved_first=int(row["resolved"] or 0), info_only=int(row["info"] or 0),
                 avg_handle_seconds=float(handle) if handle is not None else None)


def contact_metrics(*, start: datetime, end: datetime) -> ContactMetrics:
    """The contact metrics of contacts started in [start, end): seven aggregate queries,
    whatever the number of contacts or agents.

    First-contact resolution: a closed contact counts as resolved at first contact when it
    ended with information given or a request created, was not itself a follow-up, and
    the same constituent did not contact the city again within the window
    (CIVIC311_DESK["fcr_window_days"], default 7). Its share is over closed contacts."""
    window = timedelta(days=desk_setting("fcr_window_days", 7))
    again = Contact.objects.filter(
        constituent_id=OuterRef("constituent_id"), started_at__gt=OuterRef("started_at"),
        started_at__lte=OuterRef("started_at") + window,
    )
    contacts = Contact.objects.filter(started_at__gte=start, started_at__lt=end).annotate(called_again=Exists(again))
    aggregates = _rate_aggregates()
    totals = _rates(contacts.aggregate(**aggregates))
    by_channel = [(row["channel__name"], row["n"]) for row in
                  contacts.values("channel__name").annotate(n=Count("id")).order_by("-n", "channel__name")]
    reasons = dict(Contact.Reason.choices)
    by_reason = [(str(reasons.get(row["reason"], row["reason"])), row["n"]) for row in
                 contacts.values("reason").annotate(n=Count("id")).order_by("-n", "reason")]
    outcomes = dict(Contact.Outcome.choices)
    by_outcome = [(str(outcomes.get(row["outcome"], row["outcome"])), row["n"]) for row in
                  contacts.values("outcome").annotate(n=Count("id")).order_by("-n", "outcome")]
    by_agent = []
    for row in (contacts.values("agent_id", "agent__username", "agent__first_name", "agent__last_name")
                .annotate(**aggregates).order_by("agent__username")):
        name = f"{row['agent__first_name'] or ''} {row['agent__last_name'] or ''}".strip()
        by_agent.append(AgentRates(agent_id=row["agent_id"], agent_name=name or row["agent__username"] or "—",
                                   rates=_rates(row)))
    by_hour = [(int(row["hour"]), _rates(row)) for row in
               contacts.annotate(hour=ExtractHour("started_at", tzinfo=city_zone()))
               .values("hour").annotate(**aggregates).order_by("hour")]
    return ContactMetrics(start=start, end=end, totals=totals, by_channel=by_channel, by_reason=by_reason,
                          by_outcome=by_outcome, by_agent=by_agent, by_hour=by_hour)
