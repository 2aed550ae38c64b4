"""Functions the task worker runs (django-q2 calls them by their dotted path)."""

from __future__ import annotations

from . import early_warning, troubled


def daily_early_warning() -> dict[str, int]:
    """The morning early-warning run (scheduled daily by this app's migration)."""
    runs = early_warning.run_all()
    return {"types": len(runs), "alerts": sum(len(run.summary.get("alerts", [])) for run in runs)}


def weekly_troubled_neighborhoods() -> dict[str, int]:
    """The weekly cross-department run: troubled neighborhoods become alerts (scheduled
    weekly by this app's migration)."""
    stored = troubled.store_alerts()
    return {"alerts": len(stored), "new": sum(1 for _, created in stored if created)}
