from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _forget_prepared(**kwargs: Any) -> None:
    from civic311.config.prepared import forget_prepared

    forget_prepared()


class CasesConfig(AppConfig):
    name = "civic311.cases"
    verbose_name = "Service requests"

    def ready(self) -> None:
        # The intake's prepared statements were planned for the tables before the migration.
        post_migrate.connect(_forget_prepared, sender=self, dispatch_uid="cases_forget_prepared")
