"""Per-process caches of reference data read on every write (the jurisdiction, service
types and their questions, channels, statuses, routing rules, calendars, district layers).

Intake is the hot path of a 311 system, and without these every request re-read a dozen
rows that change a few times a year. A cache entry is dropped in this process as soon as
a row of one of its models is saved or deleted here (signals), and expires after
`CIVIC311_REFERENCE_CACHE_SECONDS` (default 10) so that a change made in another process
(an admin edit served by another worker, a bulk `update()`) is seen within seconds.
Cached objects are shared: callers must treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_all: list[ReferenceCache[Any, Any]] = []


def _lifetime() -> float:
    return float(getattr(settings, "CIVIC311_REFERENCE_CACHE_SECONDS", 10))


class ReferenceCache(Generic[K, V]):
    """`get(key)` returns `load(key)`, loaded at most once per lifetime per process."""

    def __init__(self, name: str, load: Callable[[K], V], models: Iterable[type[Model]],
                 max_entries: int = 1000, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._clock = clock
        # Keys can come from clients (a posted service_code): a bound keeps junk from piling up.
        self.max_entries = max_entries
        self._load = load
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        for model in models:
            uid = f"reference-cache-{name}-{model._meta.label_lower}"
            post_save.connect(self._forget, sender=model, dispatch_uid=uid + "-saved", weak=False)
            post_delete.connect(self._forget, sender=model, dispatch_uid=uid + "-deleted", weak=False)
        _all.append(self)

    def get(self, key: K) -> V:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = self._load(key)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now + _lifetime(), value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _forget(self, **kwargs: Any) -> None:
        self.clear()


def clear_all() -> None:
    """Forget every cached entry in this process (tests call it between cases)."""
    for cache in _all:
        cache.clear()


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CIVIC311_REFERENCE_CACHE_SECONDS":
        clear_all()


setting_changed.connect(_settings_changed, dispatch_uid="reference-cache-settings")
