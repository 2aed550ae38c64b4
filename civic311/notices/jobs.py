"""The periodic job of notices, as a django-q2 schedule: a delivery run every minute
picks up backed-off retries and messages whose lease ran out (a killed worker)."""

from __future__ import annotations

from typing import Any

NAME = "notices: deliver due messages"
FUNC = "civic311.notices.tasks.deliver_due"


def ensure_schedule(schedule_model: Any = None) -> bool:
    """Create the schedule if missing; True when created. An existing one keeps the
    interval a city gave it."""
    if schedule_model is None:
        from django_q.models import Schedule

        schedule_model = Schedule
    _schedule, created = schedule_model.objects.get_or_create(
        name=NAME, defaults={"func": FUNC, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )
    return bool(created)
