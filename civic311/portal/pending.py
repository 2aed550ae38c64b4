"""A checked photo kept between the two steps of a report that has likely duplicates
(the form is shown again and a browser cannot re-send a file by itself)."""

from __future__ import annotations

import re
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from civic311.cases.services import NewAttachment

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}\.(jpg|png|webp)$")
_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
FOLDER = "portal-pending"


def keep(photo: NewAttachment) -> str:
    """Store the photo; returns the token that finds it again."""
    extension = photo.name.rsplit(".", 1)[-1]
    token = f"{secrets.token_urlsafe(24)}.{extension}"
    default_storage.save(f"{FOLDER}/{token}", ContentFile(photo.content))
    return token


def take(token: str) -> NewAttachment | None:
    """The photo kept under `token` (removed from the pending folder), or None for an
    unknown or malformed token."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    path = f"{FOLDER}/{token}"
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        content = handle.read()
    default_storage.delete(path)
    extension = match.group(1)
    return NewAttachment(name=f"photo.{extension}", content=content, content_type=_TYPES[extension])
