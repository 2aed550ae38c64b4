"""Writes that other apps make in reaction to a request change, moved to the end of the
caller's transaction.

The trends' daily counts are few hot rows: every new request of a type on a day adds to
the same city-wide row, and the row stays locked until the transaction commits. Written
at the request's INSERT, that lock is held through everything intake does afterwards
(duplicate check, update, audit, the reporter's details), so concurrent intakes of one
type queue behind each other. Every channel's intake (Open311, the portal, the desk) runs
inside `deferred_writes()` — a block or a decorator under `transaction.atomic` — and the
receivers hand their write to `run_or_defer`: it runs as the block ends, just before the
commit, still atomic with the request, with the lock held for one statement. The block's
audit events are written together at its end too (`audit.services.batched_events`), and
every write nothing reads back goes in one round trip (`config.append_rows.write_behind`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from civic311.audit.services import batched_events
from civic311.config.append_rows import write_behind

_pending: ContextVar[list[Callable[[], None]] | None] = ContextVar("cases_deferred_writes", default=None)


@contextmanager
def deferred_writes() -> Iterator[None]:
    """Run deferred writes when the block ends without an error (on an error the caller's
    transaction rolls back and they are dropped). Use inside the transaction."""
    outer = _pending.get()
    if outer is not None:  # nested: the outermost block runs them
        yield
        return
    pending: list[Callable[[], None]] = []
    token = _pending.set(pending)
    try:
        with write_behind(), batched_events():
            yield
            # A deferred write may defer nothing more: the list is read to its end.
            for write in pending:
                write()
    finally:
        _pending.reset(token)


def run_or_defer(write: Callable[[], None]) -> None:
    """Run `write` now, or at the end of the enclosing `deferred_writes()` block."""
    pending = _pending.get()
    if pending is None:
        write()
    else:
        pending.append(write)
