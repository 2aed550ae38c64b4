"""The channels every city starts with (the data migration and tests use this list)."""

from typing import Any

CHANNELS = [
    ("phone", "Phone"),
    ("web", "Web"),
    ("app", "Mobile app"),
    ("open311", "Open311 API"),
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("social", "Social media"),
    ("chat", "Chat"),
    ("walk_in", "Walk-in"),
    ("mobile_unit", "Mobile unit"),
    ("employee", "Employee"),
    ("other", "Other"),
]


def ensure_channels(channel_model: Any) -> None:
    """Create the missing seed channels; a city's own edits are kept."""
    for code, name in CHANNELS:
        channel_model.objects.get_or_create(code=code, defaults={"name": name})
