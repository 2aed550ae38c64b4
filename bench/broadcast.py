"""Emergency broadcast to many subscribers by e-mail, delivered by real `manage.py
qcluster` workers to an SMTP server on loopback that counts arrivals by Message-ID.

Run 1: publish a city-wide emergency announcement to N confirmed subscribers (default
100,000): time to enqueue (the publishing transaction that writes the outbox), delivery
rate, total time. Run 2: the same with the worker cluster killed with SIGKILL and
restarted twice during delivery: messages lost, unknown, distinct arrivals, and raw
resends (SMTP is at least once; resends are the same Message-ID arriving again).

Next to them, the floor measured in the same run: one process sending pre-built messages
over one SMTP connection to the same server (no database), i.e. what the loopback SMTP
server and Django's SMTP backend allow per worker.

Needs PostgreSQL (several worker processes write the outbox at once); it uses a scratch
database `civic311_bench_broadcast` on the server of --pg-url, dropped and re-created.

    .venv/bin/python bench/broadcast.py                       # 100,000 subscribers, 2 workers
    .venv/bin/python bench/broadcast.py --subscribers 5000    # a quick look
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "civic311_bench_broadcast"


@dataclass
class Run:
    name: str
    messages: int
    enqueue_s: float
    deliver_s: float
    total_s: float
    lost: int
    distinct: int
    resends: int
    killed_at: list[int]
    states: dict[str, int]

    @property
    def rate(self) -> float:
        return self.messages / self.deliver_s


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the cluster")
    parser.add_argument("--batch", type=int, default=200, help="messages a worker claims at once")
    parser.add_argument("--floor-messages", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per run")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from civic311.notices.testing import Cluster, Mailbox, smtp_server, wait_until

    load_before = os.getloadavg()
    _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    _pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
    database_url = args.pg_url.rsplit("/", 1)[0] + "/" + PG_DB
    mailbox = Mailbox(keep_bodies=False)
    with smtp_server(mailbox) as (_box, port), tempfile.TemporaryDirectory(prefix="broadcast-") as scratch:
        env = {
            **os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "civic311.notices.worker_settings",
            "CIVIC311_SMTP_HOST": "127.0.0.1", "CIVIC311_SMTP_PORT": str(port),
            "CIVIC311_WORKERS": str(args.workers), "CIVIC311_NOTICES_BATCH": str(args.batch),
            # The benchmark measures the machine, not a provider's quota.
            "CIVIC311_EMAIL_RATE": "1000000", "CIVIC311_LOG_LEVEL": "WARNING",
        }
        _log("migrating the scratch database")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        from django.core.mail import EmailMessage, get_connection
        from django.db import connection
        from django.db.models import Count
        from django.utils import timezone

        from civic311.notices import announcements
        from civic311.notices.models import Announcement, OutboxMessage, Subscriber

        _log(f"creating {args.subscribers:,} confirmed subscribers")
        now = timezone.now()
        Subscriber.objects.bulk_create(
            (Subscriber(channel="email", address=f"resident{i}@example.org", confirmed_at=now)
             for i in range(args.subscribers)), batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        # The floor: one connection, pre-built messages, no database.
        _log("measuring the floor")
        floor_mails = [EmailMessage("floor", "body", "a@example.org", [f"f{i}@example.org"],
                                    headers={"Message-ID": f"<floor-{i}@bench>"}) for i in range(args.floor_messages)]
        smtp = get_connection(backend="django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port)
        started = time.perf_counter()
        with smtp:
            for mail in floor_mails:
                smtp.send_messages([mail])
        floor_rate = args.floor_messages / (time.perf_counter() - started)
        floor_ids = args.floor_messages

        results: list[Run] = []
        for run, kills in (("clean run", 0), ("killed twice", 2)):
            _log(f"{run}: publishing to {args.subscribers:,} subscribers")
            cluster = Cluster(root=ROOT, env=env, log=Path(scratch) / f"worker-{kills}.log")
            cluster.start()
            before = mailbox.count()
            item = Announcement.objects.create(title=f"Shelter open ({run})", body="Go to the high school.",
                                               is_emergency=True, by_webhook=False)
            started = time.perf_counter()
            announcements.publish(item, actor=None)  # commits, then queues the first delivery task
            enqueued = time.perf_counter()
            expected = {OutboxMessage(key=key).message_id for key in
                        OutboxMessage.objects.filter(reference=f"announcement:{item.pk}").values_list("key", flat=True)}
            _log(f"{run}: enqueued in {enqueued - started:.1f} s; delivering")
            restarts = []
            for k in range(1, kills + 1):
                if not mailbox.wait_for_count(before + args.subscribers * k // (kills + 1), timeout=args.timeout):
                    raise SystemExit(f"{run}: stalled before kill {k}\n{cluster.tail()}")
                cluster.kill()
                restarts.append(mailbox.count() - before)
                _log(f"{run}: killed the cluster with SIGKILL after {restarts[-1]:,} arrivals; restarting")
                cluster.start()
            if not mailbox.wait_for_count(before + args.subscribers, timeout=args.timeout):
                raise SystemExit(f"{run}: stalled at {mailbox.count() - before:,}\n{cluster.tail()}")
            delivered = time.perf_counter()
            # Every arrival is also recorded as sent before the cluster stops.
            reference = f"announcement:{item.pk}"
            wait_until(lambda: not OutboxMessage.objects.filter(reference=reference)  # noqa: B023 (called now)
                       .exclude(state="sent").exists(), timeout=60)
            cluster.kill()
            with mailbox.lock:
                arrived = {mid: n for mid, n in mailbox.ids.items() if not mid.startswith("<floor-")}
            this_run = {mid: n for mid, n in arrived.items() if mid in expected}
            results.append(Run(
                name=run, messages=len(expected), enqueue_s=enqueued - started,
                deliver_s=delivered - enqueued, total_s=delivered - started,
                lost=len(expected - set(this_run)), distinct=len(this_run),
                resends=sum(n - 1 for n in this_run.values()), killed_at=restarts,
                states=dict(OutboxMessage.objects.filter(reference=reference)
                            .values_list("state").annotate(n=Count("id")).values_list("state", "n")),
            ))
            last = results[-1]
            _log(f"{run}: {last.messages:,} delivered in {last.deliver_s:.1f} s ({last.rate:,.0f}/s), "
                 f"lost {last.lost}, raw resends {last.resends}; load average {os.getloadavg()[0]:.2f}")
        unknown = len([mid for mid in mailbox.ids if not mid.startswith("<floor-")]) - sum(
            r.distinct for r in results)

    load_after = os.getloadavg()
    print(f"\nEmergency broadcast, e-mail to a loopback SMTP server (aiosmtpd), PostgreSQL, "
          f"{args.workers} worker processes, batches of {args.batch}")
    print(f"floor: one process, one SMTP connection, no database: {floor_rate:,.0f} messages/s "
          f"({floor_ids:,} messages)")
    print("| run | messages | enqueue s | deliver s | total s | messages/s | ratio to floor | lost | "
          "distinct Message-IDs | raw resends | killed after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.name} | {r.messages:,} | {r.enqueue_s:.1f} | {r.deliver_s:.1f} | {r.total_s:.1f} | "
              f"{r.rate:,.0f} | {r.rate / floor_rate:.2f} | {r.lost} | {r.distinct:,} | {r.resends} | "
              f"{', '.join(f'{n:,}' for n in r.killed_at) or '-'} |")
    print(f"outbox states after each run: {[r.states for r in results]}; unknown Message-IDs: {unknown}")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}, on {os.cpu_count()} cores")
    ok = all(r.lost == 0 and r.distinct == r.messages for r in results) and unknown == 0
    print("zero lost, each Message-ID counted once" if ok else "MESSAGES LOST OR UNKNOWN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
