"""Receivers of the cases signals (connected in `NoticesConfig.ready`). They run inside
the transaction of the change, so the outbox rows commit or roll back with it; they only
write rows (no network)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from . import alert_notices, requester_updates, supervisor_digest


def on_status_changed(sender: Any, *, request_id: int, to_status: str, public: bool = True, **kwargs: Any) -> None:
    requester_updates.notify_status_change(request_id=request_id, to_status=to_status, public=public)


def on_sla_at_risk(sender: Any, *, request_ids: Sequence[int], now: datetime, **kwargs: Any) -> None:
    supervisor_digest.add_to_digest(section="at_risk", request_ids=request_ids, now=now)


def on_sla_breached(sender: Any, *, request_ids: Sequence[int], now: datetime, **kwargs: Any) -> None:
    supervisor_digest.add_to_digest(section="breached", request_ids=request_ids, now=now)


def on_sla_escalated(sender: Any, *, request_ids: Sequence[int], now: datetime,
                     department_id: int | None = None, **kwargs: Any) -> None:
    supervisor_digest.add_to_digest(section="escalated", request_ids=request_ids, now=now,
                                    department_id=department_id)


def on_alert_raised(sender: Any, *, alert_id: int, department_ids: Sequence[int],
                    district_ids: Sequence[int] = (), **kwargs: Any) -> None:
    alert_notices.notify_supervisors(alert_id=alert_id, department_ids=department_ids, district_ids=district_ids)
