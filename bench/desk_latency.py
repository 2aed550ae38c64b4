"""Agent desk latencies: the contact page, caller search, knowledge-base search as the
agent types, autosave and the request save, median and p99, next to two floors measured in
the same run through the same stack (a view returning a constant, and one that also loads
the session's user).

SYNTHETIC DATA, SAY SO WHERE FIGURES ARE QUOTED. In a scratch database (a temporary SQLite
file, or the PostgreSQL database bench_desk_latency, created and dropped):

1. untimed: migrate; Boston's jurisdiction with two square neighborhoods; 20,000
   constituents with phone numbers and e-mail addresses, 60,000 closed contacts and
   10,000 requests linked to them; 200 knowledge-base articles (made through the
   knowledge services, so indexed like real ones); 5,000 addresses in the address index;
2. timed, round-robin (each round requests every page once, so machine noise hits the
   floors and the pages alike): N rounds through Django's test client, logged in as an
   agent (sessions, auth, middleware, templates: the whole stack).

    .venv/bin/python bench/desk_latency.py                       # SQLite, 200 rounds
    .venv/bin/python bench/desk_latency.py --db postgresql --rounds 100
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Any

from scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "bench_desk_latency"
WORDS = ("trash", "pickup", "recycling", "bulky", "item", "street", "light", "pothole", "sidewalk", "snow",
         "parking", "permit", "tree", "graffiti", "noise", "rodent", "water", "leak", "hydrant", "park",
         "bus", "stop", "signal", "sign", "abandoned", "vehicle", "needle", "dumping", "yard", "waste",
         "holiday", "schedule")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _build(rng: random.Random) -> None:
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from civic311.cases.models import ServiceRequest, Status
    from civic311.catalog.models import Channel, ServiceAttribute, ServiceType
    from civic311.contacts.models import Constituent, Contact, RequestParty
    from civic311.knowledge.tests.factories import add_article
    from civic311.places.addresses import AddressSighting, rebuild_address_index
    from civic311.portal.tests.factories import boston_with_squares
    from civic311.staff.models import StaffProfile

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    boston_with_squares()
    agent = User.objects.create_user("bench-agent", first_name="Bench", last_name="Agent")
    StaffProfile.objects.create(user=agent, role=StaffProfile.Role.AGENT)
    pothole = ServiceType.objects.create(code="pothole", name="Pothole", sla_hours=48)
    ServiceAttribute.objects.create(service_type=pothole, code="depth", datatype="number", required=True, order=1,
                                    description="How deep?")
    now = timezone.now()
    people = Constituent.objects.bulk_create(
        Constituent(name=f"Resident {i}", phone=f"(617) 5{i // 10000:02d}-{i % 10000:04d}",
                    phone_key=f"6175{i // 10000:02d}{i % 10000:04d}", email=f"resident{i}@example.org")
        for i in range(20_000))
    channels = list(Channel.objects.filter(code__in=["phone", "email", "walk_in", "chat"]))
    new = Status.objects.get(code="new")
    requests = ServiceRequest.objects.bulk_create(
        ServiceRequest(public_id=f"B-{i}", service_type=pothole, detailed_status=new, status="open",
                       requested_at=now - timedelta(hours=i), updated_at=now, description=f"pothole {i}",
                       lat=42.30 + rng.random() * 0.07, long=-71.14 + rng.random() * 0.13)
        for i in range(10_000))
    RequestParty.objects.bulk_create(RequestParty(constituent=people[i * 2], request=r) for i, r in enumerate(requests))
    Contact.objects.bulk_create(
        Contact(channel=rng.choice(channels), agent=agent, constituent=people[i % len(people)],
                started_at=now - timedelta(minutes=5 * i), ended_at=now - timedelta(minutes=5 * i - 3),
                handle_seconds=180, outcome=Contact.Outcome.INFO_GIVEN) for i in range(60_000))
    for i in range(200):
        words = rng.sample(WORDS, 6)
        add_article(f"{words[0].title()} {words[1]} and {words[2]} ({i})",
                    "<p>" + " ".join(rng.choice(WORDS) for _ in range(120)) + "</p>", keywords=", ".join(words[3:]))
    rebuild_address_index([AddressSighting(address=f"{n} {rng.choice(WORDS).title()} St", lat=42.3 + rng.random() / 20,
                                           long=-71.1 + rng.random() / 20) for n in range(1, 5001)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    _log(f"built in {time.perf_counter() - started:.0f} s ({connection.vendor})")


def _urls() -> str:
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    def constant(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    def constant_user(request: HttpRequest) -> HttpResponse:
        return HttpResponse(request.user.get_username(), content_type="text/plain")

    module = types.ModuleType("bench_desk_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/constant/", constant),
        path("bench/constant-user/", constant_user),
        path("", include("civic311.config.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _measure(rounds: int, rng: random.Random) -> dict[str, dict[str, float]]:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from civic311.catalog.models import Channel, ServiceType
    from civic311.contacts import services
    from civic311.contacts.models import Constituent

    agent = User.objects.get(username="bench-agent")
    phone = Channel.objects.get(code="phone")
    pothole = ServiceType.objects.get(code="pothole")
    contact = services.start_contact(agent=agent, channel=phone)
    services.attach_constituent(contact=contact, constituent=Constituent.objects.get(name="Resident 42"),
                                agent=agent)
    base = f"/desk/contacts/{contact.pk}"
    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(agent)
    queries = [" ".join(rng.sample(WORDS, 2)) for _ in range(50)]
    phones = [f"617 5{rng.randrange(2):02d} {rng.randrange(10000):04d}" for _ in range(50)]
    request_data = {"service_type": pothole.pk, "description": "Deep pothole by the bus stop",
                    "address": "12 Tremont St", "lat": "42.3571", "long": "-71.0622", "attribute[depth]": "12"}

    def take_request(i: int) -> Any:
        fresh = services.start_contact(agent=agent, channel=phone)  # untimed: one request per contact
        started = time.perf_counter()
        response = client.post(f"/desk/contacts/{fresh.pk}/request/", request_data)
        return response, time.perf_counter() - started

    pages: dict[str, Any] = {
        "floor: constant": lambda i: client.get("/bench/constant/"),
        "floor: constant + session user": lambda i: client.get("/bench/constant-user/"),
        "contact page (caller with history)": lambda i: client.get(f"{base}/"),
        "caller search by phone": lambda i: client.get(f"{base}/callers/", {"q": phones[i % 50]}),
        "caller search by name": lambda i: client.get(f"{base}/callers/", {"q": f"Resident {i % 500}"}),
        "KB search as you type": lambda i: client.get(f"{base}/articles/", {"q": queries[i % 50]}),
        "address autocomplete": lambda i: client.get(f"{base}/addresses/", {"address": f"{i % 900 + 1} "}),
        "autosave": lambda i: client.post(f"{base}/save/", {"notes": f"note {i}", "description": f"hole {i}"}),
        "request save (take request)": take_request,
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    with override_settings(ROOT_URLCONF=_urls(), ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for i in range(-5, rounds):  # five untimed rounds warm the caches
            for name, call in pages.items():
                started = time.perf_counter()
                result = call(i)
                elapsed = time.perf_counter() - started
                response, elapsed = result if isinstance(result, tuple) else (result, elapsed)
                assert response.status_code == 200, (name, response.status_code, response.content[:300])
                if i >= 0:
                    times[name].append(elapsed * 1000)
    results = {}
    for name, values in times.items():
        values.sort()
        results[name] = {"median_ms": statistics.median(values),
                         "p99_ms": values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--pg-url", default=os.environ.get("CIVIC311_BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    scratch = scratch_database(args.db, args.pg_url, PG_DB, prefix="civic311-desk-bench-")
    import django

    django.setup()
    rng = random.Random(311)
    load_before = os.getloadavg()
    try:
        _build(rng)
        results = _measure(args.rounds, rng)
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgresql":
            import psycopg

            with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        else:
            Path(scratch).unlink(missing_ok=True)
    load_after = os.getloadavg()
    floor = results["floor: constant + session user"]["median_ms"]
    print(f"\nagent desk latency, {args.db}, {args.rounds} rounds (SYNTHETIC data: 20,000 constituents, "
          f"60,000 contacts, 10,000 requests, 200 articles, 5,000 addresses)")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}, on {os.cpu_count()} cores")
    print(f"  {'page':<38} {'median ms':>10} {'p99 ms':>9} {'÷ floor':>8}")
    for name, figures in results.items():
        print(f"  {name:<38} {figures['median_ms']:>10.2f} {figures['p99_ms']:>9.2f} "
              f"{figures['median_ms'] / floor:>7.1f}×")
    print("  ÷ floor: median over the median of the view that only loads the session's user.")


if __name__ == "__main__":
    main()
