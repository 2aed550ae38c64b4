"""The delivery worker as django-q2 tasks: `deliver_due` drains the outbox for a bounded
time, asks for a helper while work remains (so that every worker of the cluster joins
in) and is also scheduled every minute (retries that were backed off, leases that ran
out when a worker was killed)."""

from __future__ import annotations

import logging
import time
from time import monotonic

from django.conf import settings
from django.utils import timezone

from . import outbox

log = logging.getLogger(__name__)

DELIVER = "civic311.notices.tasks.deliver_due"


def enqueue_delivery() -> None:
    """Queue one delivery run (called on commit of a transaction that wrote messages)."""
    from django_q.tasks import async_task

    async_task(DELIVER, group="notices", q_options={"ack_failure": True})


def deliver_due(seconds: float | None = None) -> dict[str, int]:
    """Deliver claimable messages for at most `seconds` (NOTICES_TASK_SECONDS); returns
    the outcome counts. Waits for the next second when a channel's rate limit is used
    up, and queues a follow-up run if messages remain at the end."""
    budget = settings.NOTICES_TASK_SECONDS if seconds is None else seconds
    deadline = monotonic() + budget
    totals: dict[str, int] = {}
    helper_asked = False
    while monotonic() < deadline:
        batch = outbox.claim()
        if batch.messages:
            if not helper_asked and outbox.has_claimable():
                # More work than one batch: let another worker of the cluster help.
                enqueue_delivery()
                helper_asked = True
            for outcome, count in outbox.deliver(batch).items():
                totals[outcome] = totals.get(outcome, 0) + count
        elif batch.rate_limited:
            time.sleep(max(0.0, 1.0 - (timezone.now().timestamp() % 1.0)))
        else:
            break
    else:
        # Out of time with work left: hand over, unless a helper already carries on.
        if not helper_asked and outbox.has_claimable():
            enqueue_delivery()
    outbox.forget_old_windows()
    if totals:
        log.info("notices delivery run: %s", totals)
    return totals


def publish_due_announcements() -> int:
    """Publish the scheduled announcements whose time has come."""
    from .announcements import publish_due

    return publish_due()
