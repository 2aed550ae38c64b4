"""The department queue: what it lists for each role, its filters, sort, search, pages,
map points and bulk actions, with a number of queries that does not grow with the rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civic311.cases.models import ServiceRequest, Status
from civic311.staff import access
from civic311.staff.selectors import QueueFilters, queue_points

from .factories import NOW, City, add_case, logged_in

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    """The request ids of a queue page's rows, in order."""
    assert response.status_code == 200, response.content[:500]
    return re.findall(r'class="case-link"[^>]*>([^<]+)</a>', response.content.decode())


@pytest.fixture
def supervisor(city: City) -> Client:
    return logged_in(city.supervisor)


def test_department_staff_see_their_departments_open_cases(city: City) -> None:
    add_case(city.pothole, public_id="P1")
    add_case(city.graffiti, public_id="G1")
    add_case(city.pothole, public_id="P-closed", status="closed")
    add_case(city.mold, public_id="M1")
    assert sorted(listed(logged_in(city.worker).get("/staff/queue/"))) == ["G1", "P1"]


def test_agents_and_administrators_see_every_department_and_can_narrow_to_one(city: City) -> None:
    add_case(city.pothole, public_id="P1")
    add_case(city.mold, public_id="M1")
    for user in (city.agent, city.admin):
        client = logged_in(user)
        assert sorted(listed(client.get("/staff/queue/"))) == ["M1", "P1"]
        assert listed(client.get(f"/staff/queue/?department={city.housing.pk}")) == ["M1"]
        assert listed(client.get("/staff/queue/ISD/")) == ["M1"]


def test_a_work_queue_page_lists_that_queue_only(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="P1")  # north
    add_case(city.graffiti, public_id="G1")  # south/east
    assert listed(supervisor.get("/staff/queue/PWD/north/")) == ["P1"]
    assert listed(supervisor.get("/staff/queue/PWD/south/east/")) == ["G1"]
    assert listed(supervisor.get(f"/staff/queue/PWD/?queue={city.south.pk}")) == ["G1"]
    assert supervisor.get("/staff/queue/PWD/nowhere/").status_code == 404


def test_filters_by_status_type_neighborhood_age_sla_and_assignee(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="OLD", requested_at=NOW - timedelta(days=40), neighborhood=city.west,
             sla_state="breached", assignee=city.worker)
    add_case(city.graffiti, public_id="NEW", requested_at=NOW - timedelta(hours=2), neighborhood=city.east,
             status="in_progress", sla_state="on_track", assignee=city.supervisor)
    add_case(city.pothole, public_id="MID", requested_at=NOW - timedelta(days=5), sla_state="at_risk")
    add_case(city.pothole, public_id="DONE", status="resolved", requested_at=NOW - timedelta(days=5))
    base = "/staff/queue/?"
    assert listed(supervisor.get(base + "status=in_progress")) == ["NEW"]
    assert sorted(listed(supervisor.get(base + f"service_type={city.pothole.pk}"))) == ["MID", "OLD"]
    assert listed(supervisor.get(base + f"neighborhood={city.east.pk}")) == ["NEW"]
    assert sorted(listed(supervisor.get(base + "age=3"))) == ["MID", "OLD"]
    assert listed(supervisor.get(base + "age=30")) == ["OLD"]
    assert listed(supervisor.get(base + "sla=at_risk")) == ["MID"]
    assert listed(supervisor.get(base + "assignee=me")) == ["NEW"]
    assert listed(supervisor.get(base + "assignee=none")) == ["MID"]
    assert listed(supervisor.get(base + f"assignee={city.worker.pk}")) == ["OLD"]
    assert listed(supervisor.get(base + "state=closed")) == ["DONE"]
    assert len(listed(supervisor.get(base + "state=all"))) == 4
    assert listed(supervisor.get(base + f"service_type={city.pothole.pk}&sla=breached&age=30")) == ["OLD"]


def test_a_malformed_filter_is_reported_and_ignored(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="P1")
    response = supervisor.get("/staff/queue/?status=no%20such&age=abc&service_type=x1")
    assert listed(response) == ["P1"]
    assert "Some filters were not understood" in response.content.decode()
    # A well-formed id that names nothing simply matches nothing.
    assert listed(supervisor.get("/staff/queue/?service_type=999999")) == []


def test_sorting(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="A", requested_at=NOW - timedelta(days=3), expected_at=NOW + timedelta(days=9))
    add_case(city.pothole, public_id="B", requested_at=NOW - timedelta(days=1), expected_at=NOW + timedelta(days=1))
    add_case(city.graffiti, public_id="C", requested_at=NOW - timedelta(days=2), expected_at=None)
    ServiceRequest.objects.filter(public_id="C").update(updated_at=NOW + timedelta(days=1))
    assert listed(supervisor.get("/staff/queue/")) == ["B", "C", "A"]
    assert listed(supervisor.get("/staff/queue/?sort=oldest")) == ["A", "C", "B"]
    assert listed(supervisor.get("/staff/queue/?sort=due")) == ["B", "A", "C"]  # no target last
    assert listed(supervisor.get("/staff/queue/?sort=updated"))[0] == "C"


def test_search_finds_ids_addresses_and_words_of_the_description(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="101000123", address="12 Tremont St", description="Huge pothole")
    add_case(city.pothole, public_id="101000124", address="5 Beacon St", description="Crater near the SCHOOL")
    add_case(city.mold, public_id="101000125", address="9 Tremont St")  # another department
    assert listed(supervisor.get("/staff/queue/?q=101000124")) == ["101000124"]
    assert listed(supervisor.get("/staff/queue/?q=tremont")) == ["101000123"]
    assert listed(supervisor.get("/staff/queue/?q=school")) == ["101000124"]
    assert listed(supervisor.get("/staff/queue/?q=nothing+like+it")) == []
    assert "No case matches these filters." in supervisor.get("/staff/queue/?q=zzz").content.decode()


def test_pages_of_fifty(city: City, supervisor: Client) -> None:
    new = Status.objects.get(code="new").pk
    ServiceRequest.objects.bulk_create([
        ServiceRequest(public_id=f"B{i:03}", service_type=city.pothole, detailed_status_id=new, status="open",
                       department=city.works, queue=city.north,
                       requested_at=NOW - timedelta(minutes=i), updated_at=NOW)
        for i in range(120)
    ])
    first = supervisor.get("/staff/queue/")
    assert listed(first)[:2] == ["B000", "B001"] and len(listed(first)) == 50
    assert "120 cases" in first.content.decode() and "Page 1 of 3" in first.content.decode()
    assert listed(supervisor.get("/staff/queue/?page=3")) == [f"B{i:03}" for i in range(100, 120)]
    assert listed(supervisor.get("/staff/queue/?page=99")) == [f"B{i:03}" for i in range(100, 120)]
    assert 'href="?sort=oldest&amp;page=2"' in supervisor.get("/staff/queue/?sort=oldest").content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(("who", "url"), [
    ("supervisor", "/staff/queue/"), ("supervisor", "/staff/queue/PWD/south/east/?sort=due&sla=breached&assignee=none"),
    ("supervisor", "/staff/queue/?q=Main&state=all"), ("supervisor", "/staff/queue/?view=map"),
    ("supervisor", "/staff/queue/map.geojson"), ("supervisor", "/staff/sla/"),
    ("agent", "/staff/queue/"), ("admin", "/staff/queue/?sort=oldest&sla=breached"), ("admin", "/staff/sla/"),
])
def test_list_pages_cost_the_same_queries_for_3_or_60_rows(city: City, who: str, url: str) -> None:
    client = logged_in(getattr(city, who))
    client.get("/staff/queue/")  # the city's time zone is cached on first use

    def add(n: int, offset: int) -> None:
        for i in range(n):
            add_case(city.pothole if i % 2 else city.graffiti, neighborhood=city.west, address=f"{i} Main St",
                     sla_state="breached", assignee=city.worker if i % 3 else None,
                     requested_at=NOW - timedelta(hours=offset + i))

    add(3, 0)
    few = _queries(client, url)
    add(57, 10)
    many = _queries(client, url)
    assert many == few
    assert many <= 14


def test_htmx_filtering_answers_with_the_results_only(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="P1")
    response = supervisor.get("/staff/queue/?q=P1", headers={"HX-Request": "true", "HX-Target": "results"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert listed(response) == ["P1"]


def test_map_points_are_geojson_of_the_filtered_located_cases(city: City, supervisor: Client) -> None:
    add_case(city.pothole, public_id="P1", lat=42.31, long=-71.06, sla_state="breached")
    add_case(city.pothole, public_id="P2", lat=None, long=None)
    add_case(city.graffiti, public_id="G1", lat=42.32, long=-71.07)
    data = supervisor.get(f"/staff/queue/map.geojson?service_type={city.pothole.pk}").json()
    assert data["type"] == "FeatureCollection" and data["truncated"] is False
    assert data["features"] == [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [-71.06, 42.31]},
        "properties": {"id": "P1", "service": "Pothole", "status": "New", "sla": "breached"},
    }]


def test_map_points_are_capped(city: City) -> None:
    for i in range(7):
        add_case(city.pothole, public_id=f"P{i}")
    features, truncated = queue_points(access.visible_requests(city.supervisor), QueueFilters(), user_id=None,
                                       limit=5)
    assert len(features) == 5 and truncated
    assert [f["properties"]["id"] for f in features] == ["P0", "P1", "P2", "P3", "P4"]  # newest first


def test_the_map_view_keeps_the_filters(city: City, supervisor: Client) -> None:
    body = supervisor.get(f"/staff/queue/PWD/?view=map&service_type={city.pothole.pk}").content.decode()
    assert 'id="queue-map"' in body
    assert f'data-points="/staff/queue/PWD/map.geojson?service_type={city.pothole.pk}"' in body


# ---------------------------------------------------------------- bulk actions


def test_a_supervisor_bulk_assigns_cases_with_htmx(city: City, supervisor: Client) -> None:
    one, two, three = (add_case(city.pothole, public_id=f"P{i}") for i in range(3))
    response = supervisor.post("/staff/queue/bulk/", {
        "ids": [one.pk, two.pk], "action": "assign", "assignee": city.worker.pk, "queue": city.south.pk,
        "next": "/staff/queue/",
    }, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "queue-changed"
    assert "Assigned 2 of 2 selected cases." in response.content.decode()
    assigned = ServiceRequest.objects.filter(assignee=city.worker, queue=city.south)
    assert set(assigned.values_list("public_id", flat=True)) == {"P0", "P1"}
    three.refresh_from_db()
    assert three.assignee is None


def test_bulk_close_without_javascript_redirects_back_with_a_message(city: City, supervisor: Client) -> None:
    one, two = add_case(city.pothole, public_id="P1"), add_case(city.pothole, public_id="P2")
    response = supervisor.post("/staff/queue/bulk/", {"ids": [one.pk, two.pk], "action": "close",
                                                      "note": "Fixed in the spring campaign",
                                                      "next": "/staff/queue/?sort=oldest"})
    assert response.status_code == 302 and response["Location"] == "/staff/queue/?sort=oldest"
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == {"closed"}
    assert "Closed 2 of 2 selected cases." in supervisor.get(response["Location"]).content.decode()


def test_bulk_close_reports_the_cases_it_could_not_close(city: City, supervisor: Client) -> None:
    from civic311.cases import lifecycle

    stuck = next(code for code, targets in lifecycle.ALLOWED.items() if "closed" not in targets and code != "closed")
    fine, blocked = add_case(city.pothole, public_id="P1"), add_case(city.pothole, public_id="P2", status=stuck)
    response = supervisor.post("/staff/queue/bulk/", {"ids": [fine.pk, blocked.pk], "action": "close"},
                               headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Closed 1 of 2 selected cases." in body and "P2" in body
    blocked.refresh_from_db()
    assert blocked.detailed_status.code == stuck


def test_bulk_assignment_to_someone_of_another_department_is_refused(city: City, supervisor: Client) -> None:
    case = add_case(city.pothole, public_id="P1")
    response = supervisor.post("/staff/queue/bulk/", {"ids": [case.pk], "action": "assign",
                                                      "assignee": city.inspector.pk},
                               headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None


def test_bulk_assignment_spans_one_department(city: City) -> None:
    cases = [add_case(city.pothole, public_id="P1"), add_case(city.mold, public_id="M1")]
    response = logged_in(city.admin).post("/staff/queue/bulk/", {
        "ids": [c.pk for c in cases], "action": "assign", "assignee": city.worker.pk,
    }, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "one department at a time" in response.content.decode()


def test_bulk_without_a_selection_says_so(city: City, supervisor: Client) -> None:
    response = supervisor.post("/staff/queue/bulk/", {"action": "close"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Select at least one case" in response.content.decode()


def test_the_bulk_bar_is_shown_to_supervisors_only(city: City) -> None:
    add_case(city.pothole, public_id="P1")
    assert "Assign selected" in logged_in(city.supervisor).get("/staff/queue/").content.decode()
    for user in (city.worker, city.agent):
        body = logged_in(user).get("/staff/queue/").content.decode()
        assert "Assign selected" not in body and 'name="ids"' not in body
