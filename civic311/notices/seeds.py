"""The topics every city starts with; a city edits, adds or retires them in the admin."""

from typing import Any

TOPICS = [
    ("trash-recycling", "Trash & recycling", "Basura y reciclaje"),
    ("parking", "Parking", "Estacionamiento"),
    ("storms", "Storms & emergencies", "Tormentas y emergencias"),
    ("snow", "Snow removal", "Remoción de nieve"),
    ("street-cleaning", "Street cleaning", "Limpieza de calles"),
    ("roads", "Roads & construction", "Calles y obras"),
]


def ensure_topics(topic_model: Any) -> None:
    """Create the missing seed topics; a city's own edits are kept."""
    for order, (code, name, name_es) in enumerate(TOPICS):
        topic_model.objects.get_or_create(code=code, defaults={"name": name, "name_es": name_es, "order": order})
