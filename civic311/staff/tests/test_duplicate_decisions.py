"""The case page offers the duplicates found when the case came in, each with one-click
"Mark as duplicate" and "Not a duplicate"; wrong, missing, oversized or hostile input gets
a clear message and changes nothing; only the case's department decides."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic311.cases.models import ServiceRequest, SuggestedDuplicate
from civic311.cases.services import submit_request

from .factories import City, add_case, logged_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def original(city: City) -> ServiceRequest:
    return add_case(city.pothole, public_id="PWD-1", neighborhood=city.west, description="Deep hole by the school")


@pytest.fixture
def new(city: City, original: ServiceRequest) -> ServiceRequest:
    return submit_request(service_type=city.pothole, channel=None, description="hole by the school",
                          lat=original.lat, long=original.long, requested_at=original.requested_at)


def body(response) -> str:
    return response.content.decode()


def test_the_suggestion_kept_at_intake_is_offered_with_both_buttons(city: City, new: ServiceRequest) -> None:
    page = body(logged_in(city.worker).get(f"/staff/requests/{new.public_id}/"))
    section = page[page.index('id="suggestions-heading"'):]
    assert "PWD-1" in section and "found when this case came in" in section
    assert "Mark this case a duplicate of PWD-1" in section and "This case is not a duplicate of PWD-1" in section


def test_mark_as_duplicate_from_the_suggestion(city: City, original: ServiceRequest, new: ServiceRequest) -> None:
    response = logged_in(city.worker).post(f"/staff/requests/{new.public_id}/duplicate/", {"parent": "PWD-1"},
                                           headers=HTMX)
    assert "Marked as a duplicate of PWD-1." in body(response)
    original.refresh_from_db()
    assert original.duplicate_count == 1
    assert SuggestedDuplicate.objects.get(request=new).decision == "confirmed"


def test_not_a_duplicate_removes_the_suggestion(city: City, new: ServiceRequest) -> None:
    client = logged_in(city.worker)
    response = client.post(f"/staff/requests/{new.public_id}/not-duplicate/", {"candidate": "PWD-1"}, headers=HTMX)
    text = body(response)
    assert response.status_code == 200
    assert "PWD-1 will no longer be suggested as a duplicate of this case." in text
    assert 'id="suggestions-heading"' not in text  # not found again live either
    assert SuggestedDuplicate.objects.get(request=new).decision == "rejected"
    new.refresh_from_db()
    assert new.status == "open"


def test_not_a_duplicate_without_javascript_redirects(city: City, new: ServiceRequest) -> None:
    response = logged_in(city.worker).post(f"/staff/requests/{new.public_id}/not-duplicate/", {"candidate": "PWD-1"})
    assert response.status_code == 302 and response["Location"] == f"/staff/requests/{new.public_id}/"


@pytest.mark.parametrize(("data", "message"), [
    ({}, "This field is required."),
    ({"candidate": ""}, "This field is required."),
    ({"candidate": "NOPE-404"}, "No request has the id NOPE-404."),
    ({"candidate": "X" * 65}, "Ensure this value has at most 64 characters"),
    ({"candidate": "<script>alert(1)</script>"}, "No request has the id &lt;script&gt;alert(1)&lt;/script&gt;."),
])
def test_wrong_input_is_refused_with_a_message(city: City, new: ServiceRequest, data: dict[str, str],
                                                message: str) -> None:
    response = logged_in(city.worker).post(f"/staff/requests/{new.public_id}/not-duplicate/", data, headers=HTMX)
    text = body(response)
    assert response.status_code == 422
    assert message in text and "<script>alert(1)" not in text
    assert SuggestedDuplicate.objects.get(request=new).decision == "pending"


def test_a_case_is_not_dismissed_as_its_own_duplicate(city: City, new: ServiceRequest) -> None:
    response = logged_in(city.worker).post(f"/staff/requests/{new.public_id}/not-duplicate/",
                                           {"candidate": new.public_id}, headers=HTMX)
    assert response.status_code == 422 and "A case cannot be a duplicate of itself." in body(response)


@pytest.mark.parametrize("who", ["agent", "inspector"])
def test_only_the_department_decides(city: City, new: ServiceRequest, who: str) -> None:
    response = logged_in(getattr(city, who)).post(f"/staff/requests/{new.public_id}/not-duplicate/",
                                                  {"candidate": "PWD-1"})
    assert response.status_code == 403
    assert SuggestedDuplicate.objects.get(request=new).decision == "pending"


def test_the_case_page_queries_do_not_grow_with_suggestions(city: City, original: ServiceRequest) -> None:
    def queries_for(public_id: str) -> int:
        client = logged_in(city.worker)
        client.get(f"/staff/requests/{public_id}/")  # warm the session and caches
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"/staff/requests/{public_id}/").status_code == 200
        return len(context)

    one = submit_request(service_type=city.pothole, channel=None, lat=original.lat, long=original.long,
                         requested_at=original.requested_at)
    for n in range(4):
        add_case(city.pothole, public_id=f"PWD-{10 + n}", requested_at=original.requested_at)
    many = submit_request(service_type=city.pothole, channel=None, lat=original.lat, long=original.long,
                          requested_at=original.requested_at)
    assert SuggestedDuplicate.objects.filter(request=one).count() == 1
    assert SuggestedDuplicate.objects.filter(request=many).count() == 5
    # Five kept suggestions need no live search; one kept suggestion is topped up by it.
    assert queries_for(many.public_id) <= queries_for(one.public_id)
