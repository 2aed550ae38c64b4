"""The detailed statuses every city starts with, each mapped to Open311 open/closed."""

from typing import Any

from django.utils.translation import gettext_noop

# Names are stored as written here; marked for the catalogs so that pages show a seeded
# status in the reader's language (a city's own statuses are shown as named).
STATUSES = [
    ("new", gettext_noop("New"), "open"),
    ("acknowledged", gettext_noop("Acknowledged"), "open"),
    ("assigned", gettext_noop("Assigned"), "open"),
    ("in_progress", gettext_noop("In progress"), "open"),
    ("on_hold", gettext_noop("On hold"), "open"),
    ("reopened", gettext_noop("Reopened"), "open"),
    ("transferred", gettext_noop("Transferred"), "open"),
    ("resolved", gettext_noop("Resolved"), "closed"),
    ("closed", gettext_noop("Closed"), "closed"),
    ("duplicate", gettext_noop("Duplicate"), "closed"),
    ("cancelled", gettext_noop("Cancelled"), "closed"),
]
# Statuses that stop the SLA clock (waiting on the resident or another party).
PAUSING = frozenset({"on_hold"})


def ensure_statuses(status_model: Any) -> None:
    """Create the missing seed statuses; a city's own edits are kept."""
    # Early migrations pass a historical model that predates `pauses_sla`.
    pausable = any(f.name == "pauses_sla" for f in status_model._meta.get_fields())
    for order, (code, name, open311) in enumerate(STATUSES):
        defaults: dict[str, Any] = {"name": name, "open311_status": open311, "order": order}
        if pausable:
            defaults["pauses_sla"] = code in PAUSING
        status_model.objects.get_or_create(code=code, defaults=defaults)
