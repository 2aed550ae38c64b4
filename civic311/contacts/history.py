"""Lines of a caller's history kept by apps above `contacts`.

`contacts` cannot import the apps that sit above it, yet the desk's caller history should
show what they know of the caller (their alert subscriptions, for example). Such an app
registers, in its `AppConfig.ready`, a function that takes the constituent and returns
history lines; the desk lists every registered function's lines under its section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .models import Constituent


@dataclass(frozen=True)
class HistoryLine:
    """One line of the caller's history: its section (translated, e.g. "Alert
    subscriptions"), what it says, since when, and its state (e.g. "pending")."""

    section: str
    text: str
    since: datetime | None = None
    state: str = ""


HistorySource = Callable[[Constituent], list[HistoryLine]]

_sources: list[HistorySource] = []


def register(source: HistorySource) -> None:
    """Add a source of history lines; registering the same function twice keeps one."""
    if source not in _sources:
        _sources.append(source)


def unregister(source: HistorySource) -> None:
    if source in _sources:
        _sources.remove(source)


def registered() -> list[HistorySource]:
    return list(_sources)


def other_lines(constituent: Constituent) -> list[HistoryLine]:
    """Every registered source's lines for the constituent, in registration order (each
    source keeps its own number of queries constant)."""
    lines: list[HistoryLine] = []
    for source in _sources:
        lines.extend(source(constituent))
    return lines
