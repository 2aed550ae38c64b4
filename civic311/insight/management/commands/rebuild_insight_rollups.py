"""Recompute the trends' daily counts from the requests (after a bulk import)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from civic311.insight import rollups


class Command(BaseCommand):
    help = "Recompute the daily counts of the trends pages from the service requests (run after an import)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counted = rollups.rebuild()
        self.stdout.write(f"Counted {counted} requests in {time.perf_counter() - started:.1f} s.")
