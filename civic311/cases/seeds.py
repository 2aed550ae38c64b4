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


def ensure_statuses(status_model: Any) -> None:
    """Create the missing seed statuses; a city's own edits are kept."""
    for order, (code, name, open311) in enumerate(STATUSES):
        status_model.objects.get_or_create(
            code=code, defaults={"name": name, "open311_status": open311, "order": order}
        )
