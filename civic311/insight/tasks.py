"""Functions the task worker runs (django-q2 calls them by their dotted path)."""

from __future__ import annotations

from . import early_warning


def daily_early_warning() -> dict[str, int]:
    """The morning early-warning run (scheduled daily by this app's migration)."""
    runs = early_warning.run_all()
    return {"types": len(runs), "alerts": sum(len(run.summary.get("alerts", [])) for run in runs)}
