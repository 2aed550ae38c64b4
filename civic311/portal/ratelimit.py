"""How many reports one client may send: a fixed window counted in the database, so that
every web process (and machine) shares the count. Clients are known by a keyed hash of
their address, never the address itself."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import ReportWindow


def client_key(remote_addr: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), remote_addr.encode(), hashlib.sha256).hexdigest()[:32]


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def allow_report(remote_addr: str, *, now: datetime | None = None) -> bool:
    """Count one report from this client; False once it sent more than
    PORTAL_REPORTS_PER_WINDOW in the current PORTAL_REPORT_WINDOW_SECONDS."""
    limit: int = settings.PORTAL_REPORTS_PER_WINDOW
    seconds: int = settings.PORTAL_REPORT_WINDOW_SECONDS
    now = now or timezone.now()
    start = _window_start(now, seconds)
    key = client_key(remote_addr)
    with transaction.atomic():
        updated = ReportWindow.objects.filter(client=key, started_at=start).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    ReportWindow.objects.create(client=key, started_at=start, count=1)
            except IntegrityError:  # another process opened the window first
                ReportWindow.objects.filter(client=key, started_at=start).update(count=F("count") + 1)
        count = ReportWindow.objects.filter(client=key, started_at=start).values_list("count", flat=True).get()
    if count == 1:
        # Old windows are useless; drop them now and then rather than by a job.
        ReportWindow.objects.filter(started_at__lt=start - timedelta(seconds=seconds)).delete()
    return count <= limit
