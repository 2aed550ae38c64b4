"""Signals insight sends so that other apps (the staff digest in notices) can tell people,
without insight knowing them. Sent inside the transaction that stores the alert.

- `alert_raised(alert_id, department_ids, district_ids)`: a new early-warning alert.
"""

from django.dispatch import Signal

alert_raised = Signal()
