"""Signals cases sends so that higher apps (notices, contacts) can react without cases
knowing them. All are sent once the transaction that made the change has committed, with
`sender=ServiceRequest`.

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
