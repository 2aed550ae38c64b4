"""API keys: how a key is made, how it is recognised, and the per-key rate limit.

A key is 32 random bytes; only its SHA-256 is stored, so a leaked database does not leak
working keys (a slow password hash buys nothing for a random 256-bit secret). The rate limit
is a fixed one-minute window counted on the key's own row by one conditional UPDATE: atomic
on PostgreSQL and SQLite alike, shared by every worker process, and needing no cache server.
Open311 intake takes its slot with its last writes (`claim_slot_at_end`), so that the key's
row is locked only from then to the commit, and a refused slot rolls the intake back; before
the work, `known_key` answers from what the process last read of the key and of its minute,
so a key over its limit is refused before any work once a process has seen it spent. Other
writes take their slot at once, in a statement of its own whose commit, on PostgreSQL, does
not wait for the disk (a crash may forget a few counts of the current minute).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from civic311.config.append_rows import check_later
from civic311.config.prepared import execute

from .models import ApiKey

KEY_PREFIX = "o311_"
_RETURNED = ("id", "name", "prefix", "rate_limit_per_minute", "window_count")
# How long this process trusts what it read of a key (its name, prefix, limit) before
# reading it again; whether it is active and within its limit is checked at every write.
KNOWN_FOR_SECONDS = 60.0
_known: dict[str, tuple[ApiKey, float]] = {}
# Per key hash, this process's last sight of its window: (the minute, the writes counted).
_seen: dict[str, tuple[datetime, int]] = {}


class SlotRefused(Exception):
    """The write's key was revoked, or its limit spent, by the time its slot was claimed."""


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


def claim_key(key: str, now: datetime | None = None) -> tuple[ApiKey | None, bool]:
    """The write of a POST: (the active key `key` stands for, or None; whether a slot of
    its rate limit was free and is now taken). One statement when the key is good and
    within its limit, the case of nearly every write."""
    if not key or len(key) > 200:
        return None, False
    claimed = _take_slot(hash_key(key), now)
    if claimed is not None:
        return claimed, True
    return find_active_key(key), False


def known_key(key: str, now: datetime | None = None) -> tuple[ApiKey | None, bool]:
    """Before the work of a write whose slot is claimed as it ends (`claim_slot_at_end`):
    (the active key `key` stands for, or None; False when this process has already seen
    its limit for this minute spent). The key is read at most once a minute per process;
    the claim at the end is what counts (and refuses a key revoked since)."""
    if not key or len(key) > 200:
        return None, False
    key_hash = hash_key(key)
    cached = _known.get(key_hash)
    if cached is None or time.monotonic() - cached[1] > KNOWN_FOR_SECONDS:
        found = ApiKey.objects.filter(key_hash=key_hash, active=True).only(*_RETURNED).first()
        if found is None:
            _known.pop(key_hash, None)
            return None, False
        cached = _known[key_hash] = (found, time.monotonic())
    api_key = cached[0]
    window = (now or timezone.now()).replace(second=0, microsecond=0)
    seen = _seen.get(key_hash)
    spent = seen is not None and seen[0] == window and seen[1] >= api_key.rate_limit_per_minute
    return api_key, not spent


def claim_slot_at_end(api_key: ApiKey, key: str, now: datetime | None = None) -> None:
    """Inside a transaction's `write_behind()` block: take a slot of `api_key`'s rate
    limit with the block's last writes, so that the key's row is locked only from then to
    the commit; SlotRefused (and the transaction rolls back) when the key was revoked or
    its limit is spent. Outside a block, at once."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    connection = connections[DEFAULT_DB_ALIAS]
    at = connection.ops.adapt_datetimefield_value
    key_hash = hash_key(key)

    def check(rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            forget_known_key(key_hash)
            raise SlotRefused(api_key.prefix)
        _seen[key_hash] = (window, int(rows[0][_RETURNED.index("window_count")]))

    check_later(_slot_sql(connection.vendor, asynchronous=False),
                [at(window), at(window), at(now), key_hash, at(window)], check)


def forget_known_key(key_hash: str) -> None:
    """Stop trusting what this process read of a key (revoked here: refused at once)."""
    _known.pop(key_hash, None)


def _take_slot(key_hash: str, now: datetime | None) -> ApiKey | None:
    """One conditional UPDATE … RETURNING of the active key with this hash, counting one write
    and recording when it was used: the key, or None (no such active key, or its limit of
    this minute is spent)."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    connection = connections[DEFAULT_DB_ALIAS]  # resolved once: the proxy costs a lookup a use
    ops = connection.ops
    at_window, at_now = ops.adapt_datetimefield_value(window), ops.adapt_datetimefield_value(now)
    # Inside a caller's transaction a local setting would change the durability of all of it.
    asynchronous = connection.vendor == "postgresql" and not connection.in_atomic_block
    sql = _slot_sql(connection.vendor, asynchronous=asynchronous)
    with connection.cursor() as cursor:
        execute(cursor, [(sql, [at_window, at_window, at_now, key_hash, at_window])])
        # Read to the end: SQLite finishes the statement (and its write lock) only then.
        rows = cursor.fetchall()
    if not rows:
        return None
    row = rows[0]
    _seen[key_hash] = (window, int(row[_RETURNED.index("window_count")]))
    # Columns that need no conversion from either database; the others load if asked for.
    return ApiKey.from_db(connection.alias, list(_RETURNED), list(row))


@lru_cache(maxsize=4)
def _slot_sql(vendor: str, *, asynchronous: bool) -> str:
    """`_take_slot`'s statement (made once for each database and kind of commit)."""
    q = connections[DEFAULT_DB_ALIAS].ops.quote_name
    sql = (
        f"UPDATE {q(ApiKey._meta.db_table)} SET "
        f"{q('window_count')} = CASE WHEN {q('window_started_at')} = %s THEN {q('window_count')} + 1 ELSE 1 END, "
        f"{q('window_started_at')} = %s, {q('last_used_at')} = %s "
        f"WHERE {q('key_hash')} = %s AND {q('active')} AND ({q('window_started_at')} IS NULL "
        f"OR {q('window_started_at')} <> %s OR {q('window_count')} < {q('rate_limit_per_minute')}) "
    )
    if asynchronous:
        # A count of this minute's writes need not survive a crash: its commit does not wait
        # for the WAL to reach the disk (the request's own commit still does). The statement
        # is its own transaction: the setting, evaluated once, lasts for it alone.
        sql += "AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL "
    return sql + f"RETURNING {', '.join(q(name) for name in _RETURNED)}"


def seconds_to_next_window(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return 60 - now.second
