"""Rebuild the address index from the request history (run after an import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from civic311.portal.address_history import rebuild_from_history


class Command(BaseCommand):
    help = "Rebuild the address index (autocomplete) from the addresses of imported requests."

    def handle(self, *args: Any, **options: Any) -> None:
        count = rebuild_from_history()
        self.stdout.write(f"Address index rebuilt: {count} addresses.")
