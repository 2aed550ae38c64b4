"""`manage.py schedule_jobs`: make sure the periodic jobs are scheduled (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from civic311.cases.jobs import ensure_schedules


class Command(BaseCommand):
    help = "Create the django-q2 schedules of the periodic jobs (SLA evaluation) if they are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, created in ensure_schedules():
            self.stdout.write(f"{name}: {'scheduled' if created else 'already scheduled'}")
