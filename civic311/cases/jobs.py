"""The periodic jobs of cases, as django-q2 schedules: created once (by a data migration
and by `manage.py schedule_jobs`), then editable in the admin like any schedule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    minutes: int


JOBS = (
    Job(name="cases: evaluate SLAs", func="civic311.cases.tasks.evaluate_sla_task", minutes=5),
)


def ensure_schedules(schedule_model: Any = None) -> list[tuple[str, bool]]:
    """Create the missing schedules: [(name, created)]. An existing schedule keeps the
    interval a city gave it; only a renamed function is corrected."""
    if schedule_model is None:
        from django_q.models import Schedule

        schedule_model = Schedule
    done = []
    for job in JOBS:
        schedule, created = schedule_model.objects.get_or_create(
            name=job.name,
            defaults={"func": job.func, "schedule_type": "I", "minutes": job.minutes, "repeats": -1},
        )
        if not created and schedule.func != job.func:
            schedule.func = job.func
            schedule.save(update_fields=["func"])
        done.append((job.name, created))
    return done
