"""The case page: details, the reporter for the roles that may see them, the timeline
with internal and public entries, duplicates, linked work, and each action as a form that
works with htmx (the case body comes back) and without (a redirect)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils.html import escape

from civic311.audit.models import AuditEvent
from civic311.cases import lifecycle
from civic311.cases.models import Attachment, ServiceRequest, Status
from civic311.cases.services import add_note
from civic311.contacts.models import Constituent, RequestParty

from .factories import City, add_case, logged_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def case(city: City) -> ServiceRequest:
    case = add_case(city.pothole, public_id="PWD-1", neighborhood=city.west, address="12 Tremont St",
                    description="Deep hole by the school")
    resident = Constituent.objects.create(name="Rita Resident", email="rita@example.org", phone="617-555-0100",
                                          consent_contact=True)
    RequestParty.objects.create(constituent=resident, request=case)
    return case


def body(response) -> str:
    return response.content.decode()


def test_the_case_page_shows_the_details_and_the_map(city: City, case: ServiceRequest) -> None:
    page = body(logged_in(city.worker).get("/staff/requests/PWD-1/"))
    for text in ("PWD-1: Pothole", "12 Tremont St", "Westside", "Deep hole by the school", "Public Works / North crew",
                 'id="case-map"', 'data-lat="42.350000"'):
        assert text in page


@pytest.mark.parametrize(("who", "sees"), [("agent", True), ("supervisor", True), ("admin", True),
                                           ("worker", False)])
def test_the_reporter_is_shown_only_to_roles_that_need_it(city: City, case: ServiceRequest, who: str,
                                                          sees: bool) -> None:
    page = body(logged_in(getattr(city, who)).get("/staff/requests/PWD-1/"))
    assert ("Rita Resident" in page) is sees
    assert ("rita@example.org" in page) is sees and ("617-555-0100" in page) is sees


def test_attachments_are_listed_with_their_visibility(city: City, case: ServiceRequest) -> None:
    Attachment.objects.create(request=case, file=ContentFile(b"jpeg", name="hole.jpg"), content_type="image/jpeg",
                              size=4, is_public=False)
    page = body(logged_in(city.worker).get("/staff/requests/PWD-1/"))
    assert "hole" in page and "image/jpeg" in page and "internal" in page


def test_the_timeline_marks_internal_notes_and_public_updates(city: City, case: ServiceRequest) -> None:
    add_note(case, text="Crew booked for Tuesday", public=False, actor=city.worker)
    add_note(case, text="We will fix it next week", public=True, actor=city.worker)
    page = body(logged_in(city.worker).get("/staff/requests/PWD-1/"))
    timeline = page[page.index('id="timeline"'):]
    internal = timeline[timeline.index("Crew booked for Tuesday") - 600:timeline.index("Crew booked for Tuesday")]
    public = timeline[timeline.index("We will fix it next week") - 600:timeline.index("We will fix it next week")]
    assert 'class="badge internal">Internal' in internal
    assert 'class="badge public">Public' in public
    # Newest first, with the audit events of the case.
    assert timeline.index("We will fix it next week") < timeline.index("Crew booked for Tuesday")
    assert AuditEvent.objects.filter(object_id=str(case.pk)).exists() and 'class="badge audit"' in timeline


def test_only_the_allowed_next_statuses_are_offered(city: City, case: ServiceRequest) -> None:
    page = body(logged_in(city.worker).get("/staff/requests/PWD-1/"))
    select = page[page.index('<select name="to_status"'):]
    select = select[:select.index("</select>")]
    offered = {s.split('"')[0] for s in select.split('<option value="')[1:]}
    assert offered == lifecycle.allowed_targets("new") and offered


def test_changing_the_status_with_htmx_returns_the_updated_case(city: City, case: ServiceRequest) -> None:
    target = sorted(lifecycle.allowed_targets("new"))[0]
    name = Status.objects.get(code=target).name
    response = logged_in(city.worker).post("/staff/requests/PWD-1/transition/",
                                           {"to_status": target, "note": "On it", "public": "on"}, headers=HTMX)
    assert response.status_code == 200
    page = body(response)
    assert page.lstrip().startswith('<div id="case-body"') and f"Status changed to {name}." in page
    assert "On it" in page
    case.refresh_from_db()
    assert case.detailed_status.code == target


def test_an_invalid_transition_shows_the_lifecycles_message(city: City, case: ServiceRequest) -> None:
    invalid = next(s.code for s in Status.objects.all()
                   if s.code not in lifecycle.allowed_targets("new") and s.code != "new")
    with pytest.raises(lifecycle.InvalidTransition) as refused:
        lifecycle.transition(case, invalid, actor=city.worker)
    response = logged_in(city.worker).post("/staff/requests/PWD-1/transition/", {"to_status": invalid},
                                           headers=HTMX)
    assert response.status_code == 422
    assert escape(str(refused.value)) in body(response) and "Could not change the status" in body(response)
    case.refresh_from_db()
    assert case.detailed_status.code == "new"


def test_without_javascript_an_action_redirects_to_the_case_with_a_message(city: City, case: ServiceRequest) -> None:
    client = logged_in(city.worker)
    response = client.post("/staff/requests/PWD-1/note/", {"text": "Checked on site", "visibility": "internal"})
    assert response.status_code == 302 and response["Location"] == "/staff/requests/PWD-1/"
    assert "Internal note added." in body(client.get(response["Location"]))


def test_without_javascript_an_error_shows_the_page_with_the_message(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.worker).post("/staff/requests/PWD-1/note/", {"text": "", "visibility": "internal"})
    assert response.status_code == 422 and "<html" in body(response) and "Write the note first." in body(response)


def test_a_public_note_is_public(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.worker).post("/staff/requests/PWD-1/note/",
                                           {"text": "Fixed soon", "visibility": "public"}, headers=HTMX)
    assert "Public note added." in body(response)
    assert case.updates.get(text="Fixed soon").is_public


def test_a_supervisor_assigns_a_queue_and_a_person(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.supervisor).post("/staff/requests/PWD-1/assign/",
                                               {"queue": city.south.pk, "assignee": city.worker.pk}, headers=HTMX)
    assert "Assignment saved." in body(response)
    case.refresh_from_db()
    assert (case.queue, case.assignee) == (city.south, city.worker)


def test_assigning_to_someone_of_another_department_is_refused(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.supervisor).post("/staff/requests/PWD-1/assign/", {"assignee": city.inspector.pk},
                                               headers=HTMX)
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.assignee is None


def test_department_staff_take_a_case(city: City, case: ServiceRequest) -> None:
    client = logged_in(city.worker)
    assert "Assign to me" in body(client.get("/staff/requests/PWD-1/"))
    assert "The case is assigned to you." in body(client.post("/staff/requests/PWD-1/take/", headers=HTMX))
    case.refresh_from_db()
    assert case.assignee == city.worker


def test_a_transfer_needs_a_reason(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.worker).post("/staff/requests/PWD-1/transfer/",
                                           {"department": city.housing.pk, "reason": ""}, headers=HTMX)
    assert response.status_code == 422 and "This field is required." in body(response)
    case.refresh_from_db()
    assert case.department == city.works


def test_a_transfer_away_sends_department_staff_back_to_their_queue(city: City, case: ServiceRequest) -> None:
    client = logged_in(city.worker)
    response = client.post("/staff/requests/PWD-1/transfer/", {
        "department": city.housing.pk, "queue": city.inspections.pk, "reason": "Mold, not a pothole",
    }, headers=HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/staff/queue/"
    case.refresh_from_db()
    assert (case.department, case.queue) == (city.housing, city.inspections)
    assert "Transferred to Inspectional Services." in body(client.get("/staff/queue/"))
    assert client.get("/staff/requests/PWD-1/").status_code == 403


def test_a_transfer_to_a_queue_of_another_department_is_refused(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.worker).post("/staff/requests/PWD-1/transfer/", {
        "department": city.housing.pk, "queue": city.north.pk, "reason": "x"}, headers=HTMX)
    assert response.status_code == 422 and "This queue belongs to another department." in body(response)


def test_marking_a_duplicate_by_id(city: City, case: ServiceRequest) -> None:
    original = add_case(city.pothole, public_id="PWD-0", neighborhood=city.west)
    client = logged_in(city.worker)
    response = client.post("/staff/requests/PWD-1/duplicate/", {"parent": "PWD-0"}, headers=HTMX)
    assert "Marked as a duplicate of PWD-0." in body(response)
    case.refresh_from_db()
    assert case.duplicate_of == original
    assert 'href="/staff/requests/PWD-1/"' in body(client.get("/staff/requests/PWD-0/"))  # listed on the original


def test_marking_a_duplicate_of_an_unknown_id_says_so(city: City, case: ServiceRequest) -> None:
    response = logged_in(city.worker).post("/staff/requests/PWD-1/duplicate/", {"parent": "NOPE"}, headers=HTMX)
    assert response.status_code == 422 and "No request has the id NOPE." in body(response)


def test_duplicate_suggestions_come_with_a_button(city: City, case: ServiceRequest, monkeypatch) -> None:
    from civic311.cases import duplicates

    other = add_case(city.pothole, public_id="PWD-9", neighborhood=city.west)
    asked = {}

    def suggest(**kwargs):
        asked.update(kwargs)
        return [duplicates.DuplicateSuggestion(request=case, score=1.0, reasons=("itself",)),
                duplicates.DuplicateSuggestion(request=other, score=0.87, reasons=("12 m away", "same type"))]

    monkeypatch.setattr(duplicates, "suggest_duplicates", suggest)
    page = body(logged_in(city.worker).get("/staff/requests/PWD-1/"))
    assert asked["service_type"] == city.pothole and asked["lat"] == case.lat
    assert "score 0.87" in page and "12 m away, same type" in page
    assert "Mark this case a duplicate of PWD-9" in page and "duplicate of PWD-1<" not in page


def test_adding_a_linked_work_item_for_another_department(city: City, case: ServiceRequest) -> None:
    client = logged_in(city.worker)
    response = client.post("/staff/requests/PWD-1/link/", {
        "department": city.housing.pk, "queue": city.inspections.pk, "service_type": city.mold.pk,
        "description": "Inspect the building next to the hole",
    }, headers=HTMX)
    assert response.status_code == 200 and "created for Inspectional Services" in body(response)
    item = ServiceRequest.objects.get(parent=case)
    assert (item.department, item.queue, item.service_type) == (city.housing, city.inspections, city.mold)
    assert f'href="/staff/requests/{item.public_id}/"' in body(response)
    # The inspector reads the parent (the family's shared case) but cannot work it.
    page = body(logged_in(city.inspector).get("/staff/requests/PWD-1/"))
    assert "You can read this case; its department works it." in page and 'name="to_status"' not in page


def test_an_agent_reads_the_case_and_may_only_add_notes(city: City, case: ServiceRequest) -> None:
    page = body(logged_in(city.agent).get("/staff/requests/PWD-1/"))
    assert "You can read this case and add notes" in page
    assert 'name="text"' in page
    for form in ("to_status", "reason", 'name="parent"', "Assign to me", "Save assignment"):
        assert form not in page


def test_an_unknown_case_or_action_is_a_404(city: City, case: ServiceRequest) -> None:
    client = logged_in(city.admin)
    assert client.get("/staff/requests/NOPE/").status_code == 404
    assert client.post("/staff/requests/PWD-1/explode/").status_code == 404
    assert client.get("/staff/requests/PWD-1/note/").status_code == 405


def test_queues_to_transfer_to_are_grouped_by_department(city: City, case: ServiceRequest) -> None:
    page = body(logged_in(city.worker).get("/staff/requests/PWD-1/"))
    select = page[page.index('<select name="queue" id="id_transfer_queue"'):]
    select = select[:select.index("</select>")]
    groups = [part.split('"')[0] for part in select.split('<optgroup label="')[1:]]
    assert groups == sorted({q.department.name for q in (city.north, city.south, city.inspections)})
    housing = select[select.index(f'<optgroup label="{city.housing.name}">'):]
    housing = housing[:housing.index("</optgroup>")]
    assert f'value="{city.inspections.pk}"' in housing and f'value="{city.north.pk}"' not in housing



def test_a_case_on_hold_says_its_sla_clock_is_stopped_then_how_far_it_moved(city: City, case: ServiceRequest) -> None:
    client = logged_in(city.worker)
    page = body(client.post("/staff/requests/PWD-1/transition/", {"to_status": "on_hold"}, headers=HTMX))
    assert 'class="badge sla-paused">SLA: clock stopped' in page and "the SLA clock is stopped since" in page
    ServiceRequest.objects.filter(pk=case.pk).update(sla_paused_seconds=5400)
    page = body(client.post("/staff/requests/PWD-1/transition/", {"to_status": "in_progress"}, headers=HTMX))
    assert "clock stopped" not in page and "moved by 1.5 h on hold" in page
