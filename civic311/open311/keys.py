"""API keys: how a key is made, how it is recognised, and the per-key rate limit.

A key is 32 random bytes; only its SHA-256 is stored, so a leaked database does not leak
working keys (a slow password hash buys nothing for a random 256-bit secret). The rate limit
is a fixed one-minute window counted on the key's own row by one conditional UPDATE: atomic
on PostgreSQL and SQLite alike, shared by every worker process, and needing no cache server.
On PostgreSQL its commit does not wait for the disk (a crash may forget a few counts of the
current minute), so that a write costs one durable commit, not two.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import ApiKey

KEY_PREFIX = "o311_"


def new_secret() -> tuple[str, str, str]:
    """A fresh key: (the key to hand out, its recognisable prefix, its hash)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[: len(KEY_PREFIX) + 8], hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def find_active_key(key: str) -> ApiKey | None:
    """The active key `key` stands for, or None (unknown or revoked)."""
    if not key or len(key) > 200:
        return None
    return ApiKey.objects.filter(key_hash=hash_key(key), active=True).first()


def take_rate_limit_slot(api_key: ApiKey, now: datetime | None = None) -> bool:
    """Count one write against the key's limit; False when the limit of this minute is spent.
    Also records when the key was last used."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    slot = (
        ApiKey.objects.filter(pk=api_key.pk, active=True)
        .filter(~Q(window_started_at=window) | Q(window_count__lt=F("rate_limit_per_minute")))
    )
    changes = {
        "window_count": Case(When(window_started_at=window, then=F("window_count") + 1), default=Value(1)),
        "window_started_at": window,
        "last_used_at": now,
    }
    # Inside a caller's transaction a SET LOCAL would change the durability of all of it.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            # A count of this minute's writes need not survive a crash: its commit does not
            # wait for the WAL to reach the disk (the request's own commit still does).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            updated = slot.update(**changes)
    else:
        updated = slot.update(**changes)
    return updated == 1


def seconds_to_next_window(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return 60 - now.second
