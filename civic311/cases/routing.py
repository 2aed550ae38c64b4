"""Routing: the department and queue a new request goes to. Staff write the rules in the
admin (`RoutingRule`: service type or group × district of any layer × time window →
department and queue); the first matching rule by priority decides, and a request no rule
matches goes to its service type's department and queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from civic311.catalog.models import Department, Queue, ServiceType
from civic311.places.lookup import index_for_layer

from .models import RoutingRule
from .sla import city_zone


@dataclass(frozen=True)
class RoutingDecision:
    department: Department | None
    queue: Queue | None
    rule: RoutingRule | None  # None: the service type's default


def specificity(rule: RoutingRule) -> int:
    """How narrow a rule is; among rules of equal priority the narrowest is tried first."""
    dated = rule.valid_from is not None or rule.valid_until is not None
    return (
        4 * (rule.service_type_id is not None) + 2 * bool(rule.service_group) + 4 * (rule.district_id is not None)
        + (rule.starts_at is not None) + bool(rule.weekdays) + dated
    )


def in_time_window(rule: RoutingRule, local: datetime) -> bool:
    """Whether the local time `local` falls in the rule's dates, weekdays and hours. A
    window running past midnight (22:00–06:00) belongs to the weekday it starts on."""
    if rule.valid_from is not None and local.date() < rule.valid_from:
        return False
    if rule.valid_until is not None and local.date() > rule.valid_until:
        return False
    weekday = local.weekday()
    if rule.starts_at is not None and rule.ends_at is not None:
        moment = local.time().replace(tzinfo=None)
        if rule.starts_at <= rule.ends_at:
            if not rule.starts_at <= moment < rule.ends_at:
                return False
        elif moment < rule.ends_at:
            weekday = (local - timedelta(days=1)).weekday()
        elif moment < rule.starts_at:
            return False
    days = rule.weekday_numbers
    return not days or weekday in days


def candidate_rules(service_type: ServiceType) -> list[RoutingRule]:
    """The active rules that could route `service_type`, in the order they are tried
    (from the reference cache: read-only)."""
    from .lookups import routing_rules

    return routing_rules(service_type.pk, service_type.group)


def load_candidate_rules(service_type_id: int, group: str) -> list[RoutingRule]:
    """`candidate_rules` read from the database."""
    for_type = Q(service_type_id=service_type_id) | Q(service_type__isnull=True, service_group="")
    if group:
        for_type |= Q(service_type__isnull=True, service_group=group)
    rules = list(
        RoutingRule.objects.filter(for_type, active=True, department__active=True)
        .select_related("department", "queue", "district__layer")
        .defer("district__geometry")
    )
    rules.sort(key=lambda r: (r.priority, -specificity(r), r.pk))
    return rules


def route(
    service_type: ServiceType,
    *,
    when: datetime,
    lat: float | None = None,
    long: float | None = None,
    neighborhood_id: int | None = None,
) -> RoutingDecision:
    """Where a request of `service_type` at the point (or in the neighborhood) filed at
    `when` goes. A rule naming a district matches only a located request inside it."""
    local = when.astimezone(city_zone())
    located: dict[int, int | None] = {}
    for rule in candidate_rules(service_type):
        if not in_time_window(rule, local):
            continue
        if rule.district is not None:
            layer = rule.district.layer
            if layer.is_neighborhoods and neighborhood_id is not None:
                inside = rule.district_id == neighborhood_id
            elif lat is not None and long is not None:
                if layer.pk not in located:
                    located[layer.pk] = index_for_layer(layer).locate(lat, long)
                inside = located[layer.pk] == rule.district_id
            else:
                inside = False
            if not inside:
                continue
        return RoutingDecision(department=rule.department, queue=rule.queue, rule=rule)
    return RoutingDecision(department=service_type.department, queue=service_type.queue, rule=None)
