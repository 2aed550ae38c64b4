"""The detailed statuses every city starts with, each mapped to Open311 open/closed."""

from typing import Any

STATUSES = [
    ("new", "New", "open"),
    ("acknowledged", "Acknowledged", "open"),
    ("assigned", "Assigned", "open"),
    ("in_progress", "In progress", "open"),
    ("on_hold", "On hold", "open"),
    ("reopened", "Reopened", "open"),
    ("transferred", "Transferred", "open"),
    ("resolved", "Resolved", "closed"),
    ("closed", "Closed", "closed"),
    ("duplicate", "Duplicate", "closed"),
    ("cancelled", "Cancelled", "closed"),
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
