"""Administrators configure routing, escalation, calendars and holidays in the admin."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from civic311.cases.models import RoutingRule, Status
from civic311.catalog.models import BusinessCalendar, WorkingHours, ensure_default_calendar

from .factories import department, queue, service_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))
    return client


@pytest.mark.parametrize("page", [
    "/admin/cases/routingrule/", "/admin/cases/routingrule/add/", "/admin/cases/escalationrule/",
    "/admin/cases/transfer/", "/admin/cases/escalation/", "/admin/cases/status/",
    "/admin/catalog/businesscalendar/", "/admin/catalog/holiday/", "/admin/catalog/servicetype/",
    "/admin/cases/routingrule/?active__exact=1&district__layer__id__exact=1",
    "/admin/cases/suggestedduplicate/",
])
def test_the_configuration_pages_open(admin_client: Client, page: str) -> None:
    service_type()
    assert admin_client.get(page).status_code == 200


def test_a_routing_rule_is_written_with_weekday_boxes(admin_client: Client) -> None:
    kind = service_type()
    pwd = department("pwd")
    answer = admin_client.post("/admin/cases/routingrule/add/", {
        "name": "Weekend crew", "active": "on", "priority": "50", "service_type": kind.pk,
        "weekdays": ["5", "6"], "starts_at": "08:00", "ends_at": "20:00",
        "department": pwd.pk, "queue": queue(pwd).pk,
    })
    assert answer.status_code == 302, answer.content.decode()[:2000]
    rule = RoutingRule.objects.get()
    assert (rule.weekdays, rule.weekday_numbers, rule.starts_at) == ("5,6", frozenset({5, 6}), time(8))
    page = admin_client.get(f"/admin/cases/routingrule/{rule.pk}/change/").content.decode()
    ticked = re.findall(r'<input type="checkbox" name="weekdays" value="(\d)"[^>]*checked>', page)
    assert ticked == ["5", "6"]


def test_a_new_city_has_a_default_working_week() -> None:
    BusinessCalendar.objects.all().delete()
    ensure_default_calendar(BusinessCalendar, WorkingHours)
    ensure_default_calendar(BusinessCalendar, WorkingHours)
    calendar = BusinessCalendar.objects.get()
    assert calendar.is_default
    assert sorted(calendar.working_hours.values_list("weekday", "opens", "closes")) == [
        (day, time(8, 30), time(17)) for day in range(5)]


def test_statuses_that_stop_the_sla_clock_are_chosen_in_the_admin(admin_client: Client) -> None:
    page = admin_client.get("/admin/cases/status/").content.decode()
    on_hold = Status.objects.get(code="on_hold")
    assert on_hold.pauses_sla and not Status.objects.get(code="in_progress").pauses_sla
    assert f'name="form-{list(Status.objects.values_list("pk", flat=True)).index(on_hold.pk)}-pauses_sla"' in page
