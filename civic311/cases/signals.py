"""Signals cases sends so that higher apps (notices, contacts) can react without cases
knowing them. All are sent inside the transaction that makes the change, with
`sender=ServiceRequest`, so that a receiver writing to the outbox is atomic with it (a
receiver that fails rolls the change back; receivers must not do slow I/O).

- `status_changed(request_id, from_status, to_status, public)`: a request moved between
  detailed statuses (the duplicates of a request share its updates: see
  `cases.selectors.update_audience`).
- `sla_at_risk(request_ids, now)` / `sla_breached(request_ids, now)`: the periodic SLA
  evaluation marked open requests; supervisors of their departments are to be told.
- `sla_escalated(request_ids, department_id, rule_id, role, now)`: an escalation rule
  fired; `role` (e.g. "department_head") says who is to be told.
"""

from django.dispatch import Signal

status_changed = Signal()
sla_at_risk = Signal()
sla_breached = Signal()
sla_escalated = Signal()
