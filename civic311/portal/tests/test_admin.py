"""Staff can manage the catalog, departments, queues and neighborhoods in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from civic311.places.addresses import AddressSighting, rebuild_address_index

from .factories import add_request, boston_with_squares

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/catalog/servicetype/", "/admin/catalog/department/", "/admin/catalog/queue/",
    "/admin/catalog/channel/", "/admin/places/district/", "/admin/places/districtlayer/",
    "/admin/places/jurisdiction/", "/admin/audit/auditevent/", "/admin/imports/importrun/",
    "/admin/catalog/servicetype/add/", "/admin/catalog/department/add/", "/admin/cases/servicerequest/",
    "/admin/cases/status/", "/admin/contacts/contact/", "/admin/contacts/constituent/",
    "/admin/places/address/", "/admin/places/address/?q=main",
]


@pytest.fixture
def admin_client_logged_in(client: Client) -> Client:
    get_user_model().objects.create_superuser("boss", "", "pw-for-tests")
    client.login(username="boss", password="pw-for-tests")
    return client


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_open_for_staff(admin_client_logged_in: Client, url: str) -> None:
    _east, west = boston_with_squares()
    add_request("A1", west)
    rebuild_address_index([AddressSighting("12 Main St", 42.33, -71.10)])
    assert admin_client_logged_in.get(url).status_code == 200


def test_admin_refuses_anonymous_visitors(client: Client) -> None:
    response = client.get("/admin/catalog/servicetype/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_can_add_a_department_with_a_queue(admin_client_logged_in: Client) -> None:
    response = admin_client_logged_in.post("/admin/catalog/department/add/", {
        "code": "PWD", "name": "Public Works", "email": "", "active": "on",
        "queues-TOTAL_FORMS": "1", "queues-INITIAL_FORMS": "0",
        "queues-0-code": "north", "queues-0-name": "North crew", "queues-0-active": "on",
    })
    assert response.status_code == 302
    from civic311.catalog.models import Department
    assert list(Department.objects.get(code="PWD").queues.values_list("name", flat=True)) == ["North crew"]


def test_the_address_index_is_read_only_in_the_admin(admin_client_logged_in: Client) -> None:
    boston_with_squares()
    rebuild_address_index([AddressSighting("12 Main St", 42.33, -71.10)])
    page = admin_client_logged_in.get("/admin/places/address/?q=12 main").content.decode()
    assert "12 Main St" in page
    assert admin_client_logged_in.get("/admin/places/address/add/").status_code == 403
