"""The periodic jobs of notices, as django-q2 schedules: a delivery run every minute
(backed-off retries, messages whose lease ran out when a worker was killed) and the
publication of scheduled announcements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    minutes: int


JOBS = (
    Job(name="notices: deliver due messages", func="civic311.notices.tasks.deliver_due", minutes=1),
    Job(name="notices: publish scheduled announcements",
        func="civic311.notices.tasks.publish_due_announcements", minutes=1),
)


def ensure_schedule(schedule_model: Any = None) -> list[str]:
    """Create the missing schedules; returns the names created. An existing one keeps
    the interval a city gave it."""
    if schedule_model is None:
        from django_q.models import Schedule

        schedule_model = Schedule
    created = []
    for job in JOBS:
        _schedule, new = schedule_model.objects.get_or_create(
            name=job.name, defaults={"func": job.func, "schedule_type": "I", "minutes": job.minutes, "repeats": -1},
        )
        if new:
            created.append(job.name)
    return created
