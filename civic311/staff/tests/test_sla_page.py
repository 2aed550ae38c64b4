"""The supervisors' SLA page: at-risk and breached counts per queue, and the breached
cases, the longest overdue first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from .factories import NOW, City, add_case, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def watched(city: City) -> None:
    add_case(city.pothole, public_id="N-late", sla_state="breached", expected_at=NOW - timedelta(days=3))
    add_case(city.pothole, public_id="N-later", sla_state="breached", expected_at=NOW - timedelta(days=9))
    add_case(city.pothole, public_id="N-risk", sla_state="at_risk", expected_at=NOW + timedelta(hours=2))
    add_case(city.graffiti, public_id="S-late", sla_state="breached", expected_at=NOW - timedelta(days=1))
    add_case(city.graffiti, public_id="S-fine", sla_state="on_track", expected_at=NOW + timedelta(days=2))
    add_case(city.graffiti, public_id="S-closed", status="closed", sla_state="breached")
    add_case(city.mold, public_id="I-late", sla_state="breached", expected_at=NOW - timedelta(days=30))


def queue_rows(page: str) -> list[tuple[str, ...]]:
    table = page[page.index('id="sla-per-queue"'):page.index("</table>", page.index('id="sla-per-queue"'))]
    rows = []
    for row in table.split("<tr>")[2:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(tuple(re.sub(r"<[^>]+>", "", c).strip() for c in cells))
    return rows


def test_a_supervisor_sees_their_departments_queues_most_breached_first(city: City, watched: None) -> None:
    page = logged_in(city.supervisor).get("/staff/sla/").content.decode()
    assert queue_rows(page) == [("North crew", "3", "1", "2"), ("South and East crew", "2", "0", "1")]
    assert re.search(r'total-number">5</span> open', page) and re.search(r'total-number">3</span> breached', page)
    breached = re.findall(r'href="/staff/requests/([^/]+)/"', page[page.index('id="sla-breached"'):])
    assert breached == ["N-later", "N-late", "S-late"]
    assert "I-late" not in page


def test_queue_counts_link_to_the_queue_filtered_to_breached_cases(city: City, watched: None) -> None:
    page = logged_in(city.supervisor).get("/staff/sla/").content.decode()
    assert 'href="/staff/queue/PWD/south/east/?sla=breached"' in page


def test_an_administrator_sees_every_department_or_one(city: City, watched: None) -> None:
    client = logged_in(city.admin)
    every = client.get("/staff/sla/").content.decode()
    assert queue_rows(every) == [("Public Works", "North crew", "3", "1", "2"),
                                 ("Inspectional Services", "Housing inspections", "1", "0", "1"),
                                 ("Public Works", "South and East crew", "2", "0", "1")]
    one = client.get("/staff/sla/?department=ISD").content.decode()
    assert queue_rows(one) == [("Housing inspections", "1", "0", "1")]
