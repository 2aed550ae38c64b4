"""The staff header offers each role the pages it may open, on every staff page whichever
app renders it, and marks the current one."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from .factories import City, logged_in

pytestmark = pytest.mark.django_db


def header_links(user: User, path: str) -> dict[str, bool]:
    """Link text → whether it is marked as the current page, from the staff navigation."""
    html = logged_in(user).get(path).content.decode()
    nav = html.split('class="staff-nav"', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'<a href="[^"]+"( aria-current="page")?>([^<]+)</a>', nav)
    return {text: bool(current) for current, text in found}


def test_each_role_is_offered_the_pages_it_may_open(city: City) -> None:
    agent = header_links(city.agent, "/staff/queue/")
    assert "Desk" in agent and "SLAs" not in agent and "Emergency mode" not in agent
    worker = header_links(city.worker, "/staff/queue/")
    assert "Desk" not in worker and "Contact metrics" not in worker and "Trends" in worker
    supervisor = header_links(city.supervisor, "/staff/queue/")
    assert {"Desk", "SLAs", "Contact metrics", "Emergency mode"} <= supervisor.keys()
    assert "Configuration" not in supervisor
    assert "Configuration" not in header_links(city.admin, "/staff/queue/")  # no admin-site access
    city.admin.is_staff = True
    city.admin.save()
    assert "Configuration" in header_links(city.admin, "/staff/queue/")


def test_pages_of_other_apps_carry_the_same_header_with_their_link_current(city: City) -> None:
    links = header_links(city.supervisor, "/insight/trends/")
    assert links["Trends"] is True and links["Queue"] is False
    assert header_links(city.agent, "/desk/")["Desk"] is True


def test_people_without_a_staff_role_get_no_staff_links(city: City) -> None:
    html = logged_in(city.nobody).get("/staff/queue/").content.decode()
    assert 'class="staff-nav"' not in html
