"""A desk to test on: the staff pages' small city (departments, service types, one user of
each role), a pothole service with a definition, callers with history, and contacts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from civic311.catalog.models import Channel, ServiceAttribute, ServiceType
from civic311.contacts.models import Constituent, Contact
from civic311.staff.tests.factories import City, add_case, build_city, logged_in, make_user

__all__ = ["City", "add_case", "add_contact", "add_questions", "build_city", "caller", "logged_in", "make_user"]


def add_questions(service: ServiceType) -> list[ServiceAttribute]:
    """Two questions: how deep (number, required) and where in the road (single choice)."""
    return [
        ServiceAttribute.objects.create(service_type=service, code="depth", datatype="number", required=True,
                                        order=1, description="How deep is it, in centimetres?"),
        ServiceAttribute.objects.create(service_type=service, code="lane", datatype="singlevaluelist", order=2,
                                        description="Where in the road?",
                                        values=[{"key": "lane", "name": "Traffic lane"},
                                                {"key": "bike", "name": "Bike lane"}]),
    ]


def caller(name: str = "Rosa Parks", *, phone: str = "(617) 555-0142", email: str = "rosa@example.org") -> Constituent:
    return Constituent.objects.create(name=name, phone=phone, email=email)


def add_contact(agent: User, *, channel: str = "phone", started_at: datetime | None = None,
                seconds: int | None = 120, outcome: str = Contact.Outcome.INFO_GIVEN,
                reason: str = Contact.Reason.QUESTION, constituent: Constituent | None = None) -> Contact:
    """A contact as the desk leaves it (closed after `seconds`, or open when outcome is open)."""
    start = started_at or timezone.now() - timedelta(minutes=30)
    closed = outcome != Contact.Outcome.OPEN
    return Contact.objects.create(
        channel=Channel.objects.get(code=channel), agent=agent, started_at=start, reason=reason, outcome=outcome,
        constituent=constituent, ended_at=start + timedelta(seconds=seconds or 0) if closed else None,
        handle_seconds=seconds if closed else None,
    )
