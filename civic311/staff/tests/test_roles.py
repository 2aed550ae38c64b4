"""Who may see and do what: the rules of `access` for each role, and every staff page
refusing the roles it is not for (anonymous → the login page; others → a 403 page)."""

from __future__ import annotations

import pytest
from django.test import Client

from civic311.cases.models import ServiceRequest
from civic311.staff import access
from civic311.staff.models import StaffProfile

from .factories import City, add_case, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(city: City) -> dict[str, ServiceRequest]:
    return {
        "pwd": add_case(city.pothole, public_id="PWD-1", neighborhood=city.west),
        "isd": add_case(city.mold, public_id="ISD-1", neighborhood=city.east),
    }


# ---------------------------------------------------------------- the rules


def test_department_staff_see_and_work_only_their_department(city: City, cases: dict[str, ServiceRequest]) -> None:
    assert set(access.visible_requests(city.worker)) == {cases["pwd"]}
    assert access.can_view_request(city.worker, cases["pwd"]) and access.can_work(city.worker, cases["pwd"])
    assert not access.can_view_request(city.worker, cases["isd"]) and not access.can_work(city.worker, cases["isd"])
    assert not access.can_reassign(city.worker, city.works)
    assert not access.can_view_reporter(city.worker, cases["pwd"])
    assert not access.can_view_sla(city.worker) and not access.can_configure(city.worker)


def test_supervisors_reassign_and_watch_slas_of_their_department_only(city: City,
                                                                      cases: dict[str, ServiceRequest]) -> None:
    assert set(access.visible_requests(city.supervisor)) == {cases["pwd"]}
    assert access.can_reassign(city.supervisor, city.works) and not access.can_reassign(city.supervisor, city.housing)
    assert access.can_view_sla(city.supervisor, city.works) and not access.can_view_sla(city.supervisor, city.housing)
    assert access.can_view_reporter(city.supervisor, cases["pwd"])
    assert not access.can_view_reporter(city.supervisor, cases["isd"])
    assert not access.can_configure(city.supervisor)


def test_agents_read_everything_and_add_notes_but_work_no_queue(city: City, cases: dict[str, ServiceRequest]) -> None:
    assert set(access.visible_requests(city.agent)) == set(cases.values())
    assert all(access.can_view_request(city.agent, c) for c in cases.values())
    assert all(access.can_add_note(city.agent, c) for c in cases.values())
    assert not any(access.can_work(city.agent, c) for c in cases.values())
    assert not access.can_reassign(city.agent, city.works)
    assert access.can_view_reporter(city.agent, cases["pwd"])
    assert not access.can_view_sla(city.agent) and not access.can_configure(city.agent)


def test_administrators_may_do_everything(city: City, cases: dict[str, ServiceRequest]) -> None:
    assert set(access.visible_requests(city.admin)) == set(cases.values())
    assert all(access.can_work(city.admin, c) for c in cases.values())
    assert access.can_reassign(city.admin, city.housing) and access.can_view_sla(city.admin, city.housing)
    assert access.can_configure(city.admin)


def test_a_superuser_without_a_profile_is_an_administrator(city: City, cases: dict[str, ServiceRequest]) -> None:
    from .factories import make_user

    root = make_user("root", None, superuser=True)
    assert access.role_of(root) == StaffProfile.Role.ADMINISTRATOR and access.can_work(root, cases["isd"])


def test_users_without_a_role_and_inactive_staff_see_nothing(city: City, cases: dict[str, ServiceRequest]) -> None:
    assert not access.visible_requests(city.nobody).exists()
    assert not access.can_view_request(city.nobody, cases["pwd"])
    city.worker.is_active = False
    assert not access.can_view_request(city.worker, cases["pwd"])


def test_departments_of_a_linked_family_read_each_others_cases(city: City, cases: dict[str, ServiceRequest]) -> None:
    parent = cases["pwd"]
    item = add_case(city.mold, public_id="ISD-2", parent=parent)
    assert access.can_view_request(city.inspector, parent) and not access.can_work(city.inspector, parent)
    assert access.can_view_request(city.worker, item) and not access.can_work(city.worker, item)
    assert not access.can_view_request(city.inspector, add_case(city.pothole, public_id="PWD-2"))


# ---------------------------------------------------------------- every page refuses


PAGES = ["/staff/", "/staff/queue/", "/staff/queue/PWD/", "/staff/queue/PWD/north/", "/staff/queue/map.geojson",
         "/staff/queue/PWD/map.geojson", "/staff/requests/PWD-1/", "/staff/sla/"]
ACTIONS = ["transition", "assign", "take", "transfer", "note", "duplicate", "link"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, cases: dict[str, ServiceRequest],
                                                       url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next=")


@pytest.mark.parametrize("url", ["/staff/queue/bulk/", *(f"/staff/requests/PWD-1/{a}/" for a in ACTIONS)])
def test_anonymous_posts_are_sent_to_the_login_page_and_change_nothing(client: Client, cases: dict[str, ServiceRequest],
                                                                       url: str) -> None:
    response = client.post(url, {"to_status": "closed", "ids": [cases["pwd"].pk], "action": "close"})
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert ServiceRequest.objects.get(public_id="PWD-1").detailed_status.code == "new"


def test_an_htmx_request_after_the_session_ended_loads_the_login_page(client: Client,
                                                                      cases: dict[str, ServiceRequest]) -> None:
    response = client.post("/staff/requests/PWD-1/note/", {"text": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/staff/login/")


@pytest.mark.parametrize("url", PAGES)
def test_a_user_without_a_staff_role_gets_a_403_page(city: City, cases: dict[str, ServiceRequest], url: str) -> None:
    response = logged_in(city.nobody).get(url)
    assert response.status_code == 403
    assert "Your account has no staff role" in response.content.decode()


@pytest.mark.parametrize("url", ["/staff/queue/ISD/", "/staff/queue/ISD/housing/", "/staff/queue/ISD/map.geojson",
                                 "/staff/queue/ISD/housing/map.geojson", "/staff/requests/ISD-1/"])
@pytest.mark.parametrize("who", ["worker", "supervisor"])
def test_department_roles_are_refused_another_departments_pages(city: City, cases: dict[str, ServiceRequest],
                                                                url: str, who: str) -> None:
    response = logged_in(getattr(city, who)).get(url)
    assert response.status_code == 403
    assert "another department" in response.content.decode() or "own department" in response.content.decode()


@pytest.mark.parametrize("action", ACTIONS)
def test_staff_of_another_department_cannot_act_on_a_case(city: City, cases: dict[str, ServiceRequest],
                                                          action: str) -> None:
    response = logged_in(city.inspector).post(f"/staff/requests/PWD-1/{action}/", {"text": "x", "to_status": "closed"})
    assert response.status_code == 403
    assert ServiceRequest.objects.get(public_id="PWD-1").detailed_status.code == "new"


@pytest.mark.parametrize("action", ["transition", "assign", "take", "transfer", "duplicate", "link"])
def test_an_agent_cannot_work_a_department_case(city: City, cases: dict[str, ServiceRequest], action: str) -> None:
    response = logged_in(city.agent).post(f"/staff/requests/PWD-1/{action}/", {
        "to_status": "closed", "queue": city.north.pk, "assignee": city.worker.pk, "department": city.housing.pk,
        "reason": "not ours", "parent": "ISD-1",
    })
    assert response.status_code == 403
    case = ServiceRequest.objects.get(public_id="PWD-1")
    assert (case.detailed_status.code, case.department_id, case.assignee_id) == ("new", city.works.pk, None)


def test_an_agent_may_add_a_note(city: City, cases: dict[str, ServiceRequest]) -> None:
    response = logged_in(city.agent).post("/staff/requests/ISD-1/note/", {"text": "Caller says it got worse",
                                                                          "visibility": "internal"})
    assert response.status_code == 302
    assert cases["isd"].updates.filter(text="Caller says it got worse", is_public=False).exists()


def test_department_staff_cannot_reassign_but_may_take_a_case(city: City, cases: dict[str, ServiceRequest]) -> None:
    client = logged_in(city.worker)
    refused = client.post("/staff/requests/PWD-1/assign/", {"assignee": city.other_worker.pk})
    assert refused.status_code == 403
    assert client.post("/staff/requests/PWD-1/take/").status_code == 302
    assert ServiceRequest.objects.get(public_id="PWD-1").assignee == city.worker


@pytest.mark.parametrize("who", ["agent", "worker", "inspections_supervisor"])
def test_bulk_actions_are_for_the_departments_supervisor(city: City, cases: dict[str, ServiceRequest],
                                                         who: str) -> None:
    response = logged_in(getattr(city, who)).post("/staff/queue/bulk/", {
        "ids": [cases["pwd"].pk], "action": "close", "note": "done",
    })
    assert response.status_code == 403
    assert ServiceRequest.objects.get(public_id="PWD-1").status == "open"


@pytest.mark.parametrize("who", ["agent", "worker", "inspector"])
def test_the_sla_page_is_for_supervisors_and_administrators(city: City, cases: dict[str, ServiceRequest],
                                                            who: str) -> None:
    assert logged_in(getattr(city, who)).get("/staff/sla/").status_code == 403


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisors_and_administrators_open_the_sla_page(city: City, cases: dict[str, ServiceRequest],
                                                          who: str) -> None:
    assert logged_in(getattr(city, who)).get("/staff/sla/").status_code == 200


def test_the_configuration_link_is_shown_to_administrators_only(city: City, cases: dict[str, ServiceRequest]) -> None:
    city.admin.is_staff = True
    city.admin.save()
    assert "/admin/" in logged_in(city.admin).get("/staff/queue/").content.decode()
    for user in (city.supervisor, city.worker, city.agent):
        assert "/admin/" not in logged_in(user).get("/staff/queue/").content.decode()
