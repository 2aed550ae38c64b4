"""Staff log in at /staff/login/ with their Django account and log out again."""

from __future__ import annotations

import pytest
from django.test import Client

from .factories import PASSWORD, City

pytestmark = pytest.mark.django_db


def test_the_login_page_has_labelled_fields(client: Client) -> None:
    page = client.get("/staff/login/").content.decode()
    assert '<label for="id_username">User name</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert 'autocomplete="current-password"' in page and '<html lang="en">' in page


def test_logging_in_opens_the_queue(client: Client, city: City) -> None:
    response = client.post("/staff/login/", {"username": "worker", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/staff/queue/"
    assert "Public Works" in client.get("/staff/queue/").content.decode()


def test_logging_in_returns_to_the_page_asked_for(client: Client, city: City) -> None:
    asked = client.get("/staff/sla/")
    assert asked["Location"] == "/staff/login/?next=/staff/sla/"
    response = client.post("/staff/login/?next=/staff/sla/", {"username": "super", "password": PASSWORD,
                                                              "next": "/staff/sla/"})
    assert response["Location"] == "/staff/sla/"


def test_a_wrong_password_is_refused_with_a_message(client: Client, city: City) -> None:
    response = client.post("/staff/login/", {"username": "worker", "password": "wrong"})
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode() and 'aria-invalid="true"' in response.content.decode()
    assert client.get("/staff/queue/").status_code == 302


def test_logging_out_ends_the_session(client: Client, city: City) -> None:
    client.force_login(city.worker)
    assert client.get("/staff/logout/").status_code == 405  # a link cannot log anyone out
    response = client.post("/staff/logout/")
    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    assert client.get("/staff/queue/").status_code == 302


def test_anonymous_pages_point_to_the_staff_login(client: Client) -> None:
    from django.conf import settings
    from django.urls import reverse

    assert reverse(settings.LOGIN_URL) == "/staff/login/"
