"""Emergency mode: supervisors and administrators switch a campaign on and off; its banner
shows on every public page, its answers are pinned, the desk gets the script; audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from civic311.audit.models import AuditEvent
from civic311.knowledge import services
from civic311.knowledge.context_processors import emergency_campaign
from civic311.knowledge.models import EmergencyCampaign
from civic311.staff.tests.factories import City, build_city, logged_in

from .factories import add_article, add_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: None) -> City:
    return build_city()


def test_supervisor_switches_a_campaign_on_and_every_public_page_shows_its_banner(city: City) -> None:
    campaign = add_campaign("Hurricane Ana")
    public = Client()
    assert "Shelters are open" not in public.get("/").content.decode()

    response = logged_in(city.supervisor).post(f"/knowledge/staff/emergency/{campaign.pk}/activate/",
                                               {"reason": "landfall tonight"})

    assert response.status_code == 302
    for url in ("/", "/knowledge/", "/knowledge/search/?q=shelter"):
        page = public.get(url).content.decode()
        assert "Hurricane Ana:" in page and "Shelters are open. Stay off the roads." in page, url
    spanish = public.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Los refugios están abiertos." in spanish
    event = AuditEvent.objects.get(action="knowledge.campaign_activated")
    assert (event.actor, event.reason, event.object_id) == (city.supervisor, "landfall tonight", str(campaign.pk))


def test_switching_off_removes_the_banner_and_is_audited(city: City) -> None:
    campaign = add_campaign()
    services.activate_campaign(campaign=campaign, actor=city.admin)
    logged_in(city.admin).post(f"/knowledge/staff/emergency/{campaign.pk}/deactivate/", {"reason": "all clear"})
    assert "Shelters are open" not in Client().get("/").content.decode()
    campaign.refresh_from_db()
    assert not campaign.active and campaign.deactivated_by == city.admin
    assert [e.action for e in AuditEvent.objects.filter(object_type="knowledge.emergencycampaign").order_by("id")] \
        == ["knowledge.campaign_activated", "knowledge.campaign_deactivated"]


def test_a_second_campaign_replaces_the_first_one(city: City) -> None:
    storm = add_campaign("Storm")
    flood = add_campaign("Flood")
    services.activate_campaign(campaign=storm, actor=city.supervisor)
    services.activate_campaign(campaign=flood, actor=city.supervisor)
    assert list(EmergencyCampaign.objects.filter(active=True)) == [flood]
    assert AuditEvent.objects.filter(action="knowledge.campaign_deactivated", object_id=str(storm.pk)).exists()


@pytest.mark.parametrize("who", ["agent", "worker", "nobody"])
def test_other_roles_may_not_switch_emergency_mode(city: City, who: str) -> None:
    campaign = add_campaign()
    client = logged_in(getattr(city, who))
    assert client.get("/knowledge/staff/emergency/").status_code == 403
    assert client.post(f"/knowledge/staff/emergency/{campaign.pk}/activate/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.activate_campaign(campaign=campaign, actor=getattr(city, who))
    campaign.refresh_from_db()
    assert not campaign.active
    assert not AuditEvent.objects.filter(object_type="knowledge.emergencycampaign").exists()


def test_anonymous_visitors_are_sent_to_log_in_and_get_requests_change_nothing(city: City) -> None:
    campaign = add_campaign()
    response = Client().post(f"/knowledge/staff/emergency/{campaign.pk}/activate/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert logged_in(city.admin).get(f"/knowledge/staff/emergency/{campaign.pk}/activate/").status_code == 405
    campaign.refresh_from_db()
    assert not campaign.active


def test_an_oversized_reason_is_refused_and_nothing_changes(city: City) -> None:
    campaign = add_campaign()
    client = logged_in(city.supervisor)
    response = client.post(f"/knowledge/staff/emergency/{campaign.pk}/activate/", {"reason": "x" * 301},
                           follow=True)
    assert "The reason is too long" in response.content.decode()
    campaign.refresh_from_db()
    assert not campaign.active
    assert client.post("/knowledge/staff/emergency/999999/activate/").status_code == 404


def test_emergency_page_lists_campaigns_with_their_switch(city: City) -> None:
    add_campaign("Hurricane Ana")
    page = logged_in(city.supervisor).get("/knowledge/staff/emergency/").content.decode()
    assert "Hurricane Ana" in page and "Switch on" in page


def test_pinned_answers_lead_the_faq_while_the_campaign_is_on(city: City) -> None:
    shelters = add_article("Where are the shelters?", slug="shelters")
    spanish = add_article("¿Dónde están los refugios?", language="es", slug="refugios")
    hidden = add_article("Crew call-out roster", audience="staff", slug="roster")
    campaign = add_campaign("Hurricane Ana")
    campaign.pinned_articles.set([shelters, spanish, hidden])
    services.activate_campaign(campaign=campaign, actor=city.supervisor)

    page = Client().get("/knowledge/").content.decode()
    assert "Hurricane Ana: what to know" in page
    assert page.index("Where are the shelters?") < page.index("Other questions")
    assert "Crew call-out roster" not in page
    assert "¿Dónde están los refugios?" in Client().get("/knowledge/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_desk_banner_shows_the_approved_script_only_while_active(city: City, rf: RequestFactory) -> None:
    campaign = add_campaign(desk_script="Ask whether the caller is safe right now.")
    context = emergency_campaign(rf.get("/desk/"))
    assert "approved script" not in render_to_string("knowledge/_desk_banner.html", context).lower()
    services.activate_campaign(campaign=campaign, actor=city.supervisor)
    with translation.override("en"):
        html = render_to_string("knowledge/_desk_banner.html", emergency_campaign(rf.get("/desk/")))
    assert "Approved script" in html
    assert "Ask whether the caller is safe right now." in html


def test_emergency_page_counts_use_of_the_answers_since_activation(city: City) -> None:
    add_article("Where are the shelters?", slug="shelters")
    campaign = add_campaign("Hurricane Ana")
    services.activate_campaign(campaign=campaign, actor=city.supervisor)
    public = Client()
    for _ in range(3):
        public.get("/knowledge/widget/")
    public.get("/knowledge/widget/", {"q": "shelters"})
    public.get("/knowledge/search/", {"q": "shelters"})
    public.get("/knowledge/a/shelters/")
    page = logged_in(city.supervisor).get("/knowledge/staff/emergency/").content.decode()
    assert "<dt>Widget opened</dt><dd>3</dd>" in page
    assert "<dt>Searches (pages and widget)</dt><dd>2</dd>" in page
    assert "<dt>Articles read (pages and widget)</dt><dd>1</dd>" in page
