"""Functions the task worker runs (django-q2 calls them by their dotted path)."""

from __future__ import annotations

from dataclasses import asdict

from .sla import evaluate_sla


def evaluate_sla_task() -> dict[str, int]:
    """The periodic SLA evaluation (scheduled by `cases.jobs`)."""
    return asdict(evaluate_sla())
