"""A delivery worker (real `manage.py qcluster` processes) killed with SIGKILL in the
middle of a run loses no message and delivers none twice: counted by Message-ID at a
real SMTP server. Raw resends (the same Message-ID arriving again, which SMTP cannot
rule out) are counted separately and stay within one batch."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from civic311.notices import outbox
from civic311.notices.models import OutboxMessage
from civic311.notices.testing import Cluster, Mailbox, smtp_server, wait_until

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 300
BATCH = 20

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":", 1)[0] not in ("postgres", "postgresql"),
    reason="worker processes need a database they can share with the test (PostgreSQL); "
    "the SQLite test database lives in memory",
)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Mailbox, Cluster]]:
    with smtp_server() as (mailbox, port):
        env = {
            **os.environ, "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "civic311.notices.worker_settings",
            "CIVIC311_SMTP_HOST": "127.0.0.1", "CIVIC311_SMTP_PORT": str(port),
            "CIVIC311_NOTICES_BATCH": str(BATCH), "CIVIC311_WORKERS": "2",
            "CIVIC311_LOG_LEVEL": "WARNING",
        }
        worker = Cluster(root=ROOT, env=env, log=tmp_path / "worker.log")
        try:
            yield mailbox, worker
        finally:
            worker.kill()


def test_a_worker_killed_mid_run_loses_nothing_and_sends_nothing_twice(
    transactional_db: Any, cluster: tuple[Mailbox, Cluster],
) -> None:
    mailbox, worker = cluster
    # Written and committed: the commit queues the first delivery task.
    outbox.write(outbox.NewMessage(channel="email", recipient=f"r{i}@example.org", subject="Storm", body="Shelter")
                 for i in range(MESSAGES))
    expected = {m.message_id for m in OutboxMessage.objects.all()}
    assert len(expected) == MESSAGES

    worker.start()
    assert mailbox.wait_for_count(MESSAGES // 3, timeout=120), worker.tail()
    worker.kill()
    arrived_before_restart = mailbox.count()
    assert arrived_before_restart < MESSAGES, "the run ended before the kill; the test proves nothing"
    worker.start()

    assert mailbox.wait_for_count(MESSAGES, timeout=180), worker.tail()
    assert wait_until(lambda: not OutboxMessage.objects.exclude(state="sent").exists(), timeout=60)
    assert set(mailbox.ids) == expected  # none lost, none unknown
    assert mailbox.count() == MESSAGES  # none twice, by Message-ID
    # At least once: a message accepted by the server but not yet recorded when the
    # worker died is sent again, at most one batch per worker that was killed.
    assert mailbox.resends() <= 2 * BATCH
    print(f"kill test: {MESSAGES} messages, {arrived_before_restart} before the kill, "
          f"{mailbox.resends()} raw resends")
