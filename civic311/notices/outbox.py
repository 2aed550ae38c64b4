"""Writing to the outbox and delivering from it: at least once, never stuck.

- `write` adds messages inside the caller's transaction and asks for a delivery run
  once that transaction commits.
- `claim` gives one worker a batch under a lease (SKIP LOCKED on PostgreSQL, one atomic
  UPDATE on SQLite), within the per-channel rate limits; messages whose lease ran out
  (a worker killed mid-batch) are claimable again.
- `deliver` sends a claimed batch and commits each outcome as soon as it is known:
  sent; retry with exponential back-off; failed permanently; bounced.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .channels import CHANNELS, Outcome, Result
from .models import DeliveryWindow, OutboxMessage

State = OutboxMessage.State


@dataclass(frozen=True)
class NewMessage:
    channel: str
    recipient: str
    body: str
    subject: str = ""
    kind: str = OutboxMessage.Kind.OTHER
    language: str = "en"
    headers: dict[str, str] | None = None
    payload: dict[str, object] | None = None
    reference: str = ""


def write(messages: Iterable[NewMessage], *, batch_size: int = 2000) -> int:
    """Add messages to the outbox in the caller's transaction; delivery starts after
    commit. Returns how many were written."""
    now = timezone.now()
    rows = (
        OutboxMessage(
            channel=m.channel, recipient=m.recipient, body=m.body, subject=m.subject, kind=m.kind,
            language=m.language, headers=m.headers or {}, payload=m.payload or {}, reference=m.reference,
            created_at=now, next_attempt_at=now,
        )
        for m in messages
    )
    written = 0
    chunk: list[OutboxMessage] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch_size:
            OutboxMessage.objects.bulk_create(chunk)
            written += len(chunk)
            chunk = []
    if chunk:
        OutboxMessage.objects.bulk_create(chunk)
        written += len(chunk)
    if written:
        request_delivery_on_commit()
    return written


def request_delivery_on_commit() -> None:
    """Enqueue one delivery task when the current transaction commits (once per
    transaction however many messages it wrote)."""
    from .tasks import enqueue_delivery

    if any(entry[1] is enqueue_delivery for entry in connection.run_on_commit):
        return
    transaction.on_commit(enqueue_delivery)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base × 2^(attempts-1), capped."""
    base = settings.NOTICES_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.NOTICES_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def _candidates(channel: str, now: datetime) -> list[QuerySet[OutboxMessage]]:
    """Claimable messages of a channel, as two queries that each walk a partial index:
    leases that ran out (a killed worker's batch) first, then pending ones in order."""
    return [
        OutboxMessage.objects.filter(state=State.SENDING, lease_until__lt=now, channel=channel).order_by("lease_until"),
        OutboxMessage.objects.filter(state=State.PENDING, channel=channel, next_attempt_at__lte=now).order_by("id"),
    ]


def _reserve(channel: str, wanted: int, now: datetime) -> int:
    """Take up to `wanted` from the channel's allowance for the current second (shared by
    every worker through `DeliveryWindow`). Call inside a transaction."""
    limit = settings.NOTICES_RATE_LIMITS.get(channel)
    if limit is None or wanted == 0:
        return wanted
    second = int(now.timestamp())
    window, _created = DeliveryWindow.objects.select_for_update().get_or_create(channel=channel, second=second)
    granted = max(0, min(wanted, int(limit) - window.taken))
    if granted:
        DeliveryWindow.objects.filter(pk=window.pk).update(taken=F("taken") + granted)
    return granted


@dataclass
class Claim:
    token: uuid.UUID
    until: datetime
    messages: list[OutboxMessage]
    rate_limited: bool


def claim(*, limit: int | None = None, now: datetime | None = None) -> Claim:
    """Lease up to `limit` claimable messages to this worker, one channel at a time
    within its rate limit."""
    limit = limit or settings.NOTICES_BATCH_SIZE
    now = now or timezone.now()
    token = uuid.uuid4()
    until = now + timedelta(seconds=settings.NOTICES_LEASE_SECONDS)
    rate_limited = False
    taken = 0
    with transaction.atomic():
        for channel in CHANNELS:
            room = limit - taken
            if room <= 0:
                break
            ids: list[int] = []
            for candidates in _candidates(channel, now):
                if len(ids) >= room:
                    break
                if connection.features.has_select_for_update_skip_locked:
                    candidates = candidates.select_for_update(skip_locked=True)
                # (On SQLite, one writer at a time: the IMMEDIATE transaction is the lock.)
                ids += list(candidates.values_list("id", flat=True)[: room - len(ids)])
            granted = _reserve(channel, len(ids), now)
            rate_limited = rate_limited or granted < len(ids)
            ids = ids[:granted]
            taken += len(ids)
            if ids:
                OutboxMessage.objects.filter(id__in=ids).update(
                    state=State.SENDING, lease_until=until, lease_token=token, attempts=F("attempts") + 1)
        messages = list(OutboxMessage.objects.filter(lease_token=token, state=State.SENDING).order_by("id"))
    return Claim(token=token, until=until, messages=messages, rate_limited=rate_limited)


def record(message: OutboxMessage, result: Result, *, token: uuid.UUID, now: datetime | None = None) -> bool:
    """Commit what happened to one message, if this worker still holds its lease.
    Returns False when the lease had been lost (another worker owns the message now)."""
    now = now or timezone.now()
    owned = OutboxMessage.objects.filter(pk=message.pk, lease_token=token, state=State.SENDING)
    detail = result.detail[:2000]
    if result.outcome is Outcome.SENT:
        changed = owned.update(state=State.SENT, sent_at=now, lease_until=None, last_error="")
    elif result.outcome is Outcome.RETRY and message.attempts < settings.NOTICES_MAX_ATTEMPTS:
        changed = owned.update(state=State.PENDING, next_attempt_at=now + backoff(message.attempts),
                               lease_until=None, lease_token=None, last_error=detail)
    elif result.outcome is Outcome.BOUNCED:
        changed = owned.update(state=State.BOUNCED, lease_until=None, last_error=detail)
    else:
        changed = owned.update(state=State.FAILED, lease_until=None, last_error=detail or "too many attempts")
    return changed == 1


def release(messages: Sequence[OutboxMessage], *, token: uuid.UUID) -> int:
    """Give back claimed messages that were not attempted (the lease was running out)."""
    ids = [m.pk for m in messages]
    return OutboxMessage.objects.filter(pk__in=ids, lease_token=token, state=State.SENDING).update(
        state=State.PENDING, lease_until=None, lease_token=None, attempts=F("attempts") - 1)


def deliver(batch: Claim) -> dict[str, int]:
    """Send a claimed batch channel by channel; outcomes are committed one by one."""
    counts = {outcome.value: 0 for outcome in Outcome}
    # Stop starting new sends with a safety margin before the lease ends, so that no
    # other worker can take a message this one is still sending.
    margin = settings.NOTICES_LEASE_SECONDS * 0.3
    stop_at = monotonic() + max((batch.until - timezone.now()).total_seconds() - margin, 0.0)
    reported: set[int] = set()

    def report(message: OutboxMessage, result: Result) -> None:
        reported.add(message.pk)
        if record(message, result, token=batch.token):
            counts[result.outcome.value] += 1

    def still_owned() -> bool:
        return monotonic() < stop_at

    with _commits_without_fsync():
        for channel_name, channel in CHANNELS.items():
            mine = [m for m in batch.messages if m.channel == channel_name]
            if mine:
                channel.send(mine, report, still_owned)
        release([m for m in batch.messages if m.pk not in reported], token=batch.token)
    return counts


@contextmanager
def _commits_without_fsync() -> Iterator[None]:
    """On PostgreSQL, outcomes are committed without waiting for the disk: if the
    database server itself crashed just after, a message would be sent again (at least
    once still holds), and no message waits for an fsync in the meantime."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


def has_claimable(now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return any(query.exists() for channel in CHANNELS for query in _candidates(channel, now))


def forget_old_windows(now: datetime | None = None) -> int:
    """Delete rate-limit counters older than a minute."""
    second = int((now or timezone.now()).timestamp())
    deleted, _by_model = DeliveryWindow.objects.filter(second__lt=second - 60).delete()
    return deleted
