"""Residents subscribe on a public page, confirm through the link that arrives at the
SMTP server (double opt-in), change their choices on a preference page and unsubscribe
with one click, from the page or from their mail client (RFC 8058)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from civic311.cases.lifecycle import transition
from civic311.cases.tests.factories import request_in, service_type, staff
from civic311.notices import subscriptions
from civic311.notices.models import OutboxMessage, Subscriber, Subscription, Topic
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import HttpRecorder, Mailbox
from civic311.places.models import District
from civic311.portal.tests.factories import boston_with_squares

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/notices/\S+/)")


@pytest.fixture(autouse=True)
def site(settings: Any) -> None:
    settings.NOTICES_SITE_URL = "http://testserver"


@pytest.fixture
def districts() -> list[District]:
    return boston_with_squares()


def form(**fields: Any) -> dict[str, Any]:
    return {"channel": "email", "email": "ana@example.org", "language": "en", **fields}


def links(text: str) -> list[str]:
    return LINK.findall(text)


def subscribe_and_confirm(client: Client, mailbox: Mailbox, **fields: Any) -> Subscriber:
    answer = client.post(reverse("notices:subscribe"), form(**fields))
    assert answer.status_code == 200, answer.content.decode()
    deliver_due(seconds=5)
    [confirm_link] = links(mailbox.messages[-1].get_content())
    assert client.post(confirm_link).status_code == 200
    return Subscriber.objects.get()


def test_double_opt_in_from_the_page_to_the_mailbox(client: Client, mailbox: Mailbox,
                                                     districts: list[District]) -> None:
    west = districts[1]
    parking = Topic.objects.get(code="parking")
    answer = client.post(reverse("notices:subscribe"),
                         form(neighborhoods=[west.pk], topics=[parking.pk], email="Ana@Example.org "))
    assert answer.status_code == 200
    assert "Check your messages" in answer.content.decode()
    subscriber = Subscriber.objects.get()
    assert (subscriber.address, subscriber.confirmed_at) == ("ana@example.org", None)
    assert not Subscription.objects.filter(confirmed_at__isnull=False).exists()

    deliver_due(seconds=5)
    [mail] = mailbox.messages
    assert mail["To"] == "ana@example.org" and mail["Subject"] == "Please confirm your subscription"
    [confirm_link] = links(mail.get_content())

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = client.get(confirm_link)
    assert page.status_code == 200 and "Yes, send me these messages" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None
    done = client.post(confirm_link)
    assert done.status_code == 200 and "Subscription confirmed" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_active
    assert set(subscriber.subscriptions.filter(confirmed_at__isnull=False).values_list("district", "topic")) == {
        (west.pk, None), (None, parking.pk)}


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"email": ""}, "email", "This is needed to reach you"),
    ({"email": "not-an-address"}, "email", "valid email"),
    ({"email": "a" * 250 + "@example.org"}, "email", "at most 254"),
    ({"channel": "sms", "phone": "12"}, "phone", "country code"),
    ({"channel": "sms", "phone": "+1 617 555 0100" + "9" * 30}, "phone", "at most 30"),
    ({"channel": "webhook", "webhook_url": "http://127.0.0.1:8000/admin/"}, "webhook_url", "public http(s)"),
    ({"channel": "webhook", "webhook_url": "file:///etc/passwd"}, "webhook_url", "valid URL"),
    ({"channel": "pigeon"}, "channel", "valid choice"),
    ({"request_id": "311-does-not-exist"}, "request_id", "no request with this number"),
    ({"request_id": "x" * 65}, "request_id", "at most 64"),
    ({"topics": ["999999"]}, "topics", "valid choice"),
    ({"language": "fr"}, "language", "valid choice"),
])
def test_wrong_input_is_refused_with_a_clear_message_and_nothing_is_written(
    client: Client, districts: list[District], fields: dict[str, Any], field: str, message: str,
) -> None:
    answer = client.post(reverse("notices:subscribe"), form(neighborhoods=[districts[0].pk], **fields))
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert message in " ".join(errors[field])
    assert not Subscriber.objects.exists() and not OutboxMessage.objects.exists()


def test_choosing_nothing_to_follow_is_refused(client: Client) -> None:
    answer = client.post(reverse("notices:subscribe"), form())
    assert answer.status_code == 400
    assert "Choose at least one neighborhood, topic or request" in answer.content.decode()
    assert not Subscriber.objects.exists()


def test_markup_in_input_is_shown_as_text(client: Client) -> None:
    answer = client.post(reverse("notices:subscribe"), form(email="<script>alert(1)</script>"))
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_forged_expired_and_stale_links_are_refused(client: Client, mailbox: Mailbox,
                                                    districts: list[District], settings: Any) -> None:
    subscriber = subscribe_and_confirm(client, mailbox, neighborhoods=[districts[0].pk])
    token = subscriptions.manage_token(subscriber)
    wrong_address = signing.dumps({"s": subscriber.pk, "f": "0"}, salt=subscriptions.MANAGE_SALT)
    for bad in (token[:-2] + "xx", "garbage", wrong_address):
        answer = client.get(reverse("notices:preferences", args=[bad]))
        assert answer.status_code == 400 and "This link is not valid." in answer.content.decode()
        assert client.post(reverse("notices:unsubscribe", args=[bad])).status_code == 400
    # A confirmation token is not a preference token (and the other way round).
    assert client.get(reverse("notices:preferences", args=[subscriptions.confirm_token(subscriber)])).status_code == 400
    assert client.post(reverse("notices:confirm", args=[token])).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.is_active


def test_one_click_unsubscribe_from_a_mail_client_without_cookies(mailbox: Mailbox, districts: list[District]) -> None:
    subscriber = subscribe_and_confirm(Client(), mailbox, neighborhoods=[districts[0].pk])
    client = Client(enforce_csrf_checks=True)
    headers = subscriptions.unsubscribe_headers(subscriber)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")

    answer = client.post(url, {"List-Unsubscribe": "One-Click"})  # no CSRF cookie, as a mail client
    assert answer.status_code == 200 and "You are unsubscribed" in answer.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None and not subscriber.subscriptions.exists()
    assert client.post(url).status_code == 200  # twice is fine


def test_the_preference_page_changes_what_is_followed(client: Client, mailbox: Mailbox,
                                                      districts: list[District]) -> None:
    east, west = districts
    subscriber = subscribe_and_confirm(client, mailbox, neighborhoods=[east.pk])
    page = reverse("notices:preferences", args=[subscriptions.manage_token(subscriber)])
    storms = Topic.objects.get(code="storms")
    answer = client.post(page, {"neighborhoods": [west.pk], "topics": [storms.pk], "language": "es"})
    assert answer.status_code == 200 and "Your choices are saved." in answer.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.language == "es"
    assert set(subscriber.subscriptions.values_list("district", "topic")) == {(west.pk, None), (None, storms.pk)}
    assert client.post(page, {"language": "xx"}).status_code == 400


def test_a_resident_following_a_request_hears_its_updates_with_unsubscribe_links(
    client: Client, mailbox: Mailbox,
) -> None:
    request = request_in("new", kind=service_type("pothole"))
    subscribe_and_confirm(client, mailbox, request_id=request.public_id)
    transition(request, "acknowledged", actor=staff())
    deliver_due(seconds=5)
    update = mailbox.messages[-1]
    assert update["Subject"] == f"Request {request.public_id}: Acknowledged"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notices/unsubscribe/" in update["List-Unsubscribe"]
    text = update.get_content()
    assert "Unsubscribe with one click" in text and "Change what you receive" in text


def test_asking_again_and_again_sends_one_confirmation(client: Client, districts: list[District]) -> None:
    for _ in range(5):
        assert client.post(reverse("notices:subscribe"), form(neighborhoods=[districts[0].pk])).status_code == 200
    assert OutboxMessage.objects.filter(kind="confirmation").count() == 1


def test_a_webhook_subscriber_gets_the_confirmation_signed(
    client: Client, provider: tuple[HttpRecorder, str], districts: list[District],
) -> None:
    recorder, base = provider
    answer = client.post(reverse("notices:subscribe"),
                         form(channel="webhook", webhook_url=f"{base}/hook", neighborhoods=[districts[0].pk]))
    assert answer.status_code == 200
    deliver_due(seconds=5)
    [call] = recorder.calls
    assert call.json()["type"] == "subscription.confirm"
    assert "/notices/confirm/" in call.json()["confirm_url"]
    assert call.headers["X-Civic311-Signature"].startswith("sha256=")


def test_the_pages_speak_spanish(client: Client, districts: list[District]) -> None:
    page = client.get(reverse("notices:subscribe"), HTTP_ACCEPT_LANGUAGE="es")
    body = page.content.decode()
    assert page.status_code == 200 and 'lang="es"' in body
    assert "Reciba noticias y alertas de la ciudad" in body
    assert "Basura y reciclaje" in body
