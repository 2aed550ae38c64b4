"""Load (or refresh) the demo FAQ articles, topics and synonyms."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from civic311.knowledge.seeds import load_faq


class Command(BaseCommand):
    help = "Load the demo FAQ (English and Spanish articles, topics, synonyms); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_faq()
        self.stdout.write(f"FAQ articles: {result.created} created, {result.updated} updated, "
                          f"{result.unchanged} unchanged")
