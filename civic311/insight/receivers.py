"""Keep the daily counts in step with every saved or deleted service request.

Connected to the model's own save/delete signals rather than to `cases` services, so that
every door that writes a request (intake, staff actions, external updates, admin edits)
is covered without `cases` knowing about insight; bulk writes (imports) bypass them and
are followed by `manage.py rebuild_insight_rollups`.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from civic311.cases.deferred import run_or_defer
from civic311.cases.models import ServiceRequest

from . import rollups


def _request_saved(sender: type[ServiceRequest], instance: ServiceRequest, created: bool,
                   update_fields: frozenset[str] | None, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return  # loaddata: the rebuild command counts fixtures
    if not created and update_fields is not None and not (set(update_fields) & rollups.WATCHED_FIELDS):
        return
    # Intake defers it to the end of its transaction (cases.deferred): a short row lock.
    run_or_defer(lambda: rollups.refresh_request(instance, created=created))


def _request_deleted(sender: type[ServiceRequest], instance: ServiceRequest, **kwargs: Any) -> None:
    rollups.forget_request(instance.pk)


def connect() -> None:
    post_save.connect(_request_saved, sender=ServiceRequest, dispatch_uid="insight-rollups-saved")
    post_delete.connect(_request_deleted, sender=ServiceRequest, dispatch_uid="insight-rollups-deleted")
