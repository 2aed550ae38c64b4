"""The outbox delivers through real servers on loopback: e-mail arrives with its stable
Message-ID, SMS and webhook calls carry an idempotency key (and a verifiable signature),
failures are retried with back-off or recorded as permanent or bounced."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from civic311.notices import outbox
from civic311.notices.models import OutboxMessage
from civic311.notices.tasks import deliver_due
from civic311.notices.testing import HttpRecorder, Mailbox

pytestmark = pytest.mark.django_db

State = OutboxMessage.State


def email(to: str = "ana@example.org", **fields: Any) -> outbox.NewMessage:
    return outbox.NewMessage(channel="email", recipient=to, subject="Hello", body="Body text", **fields)


def test_email_arrives_with_the_message_id_of_its_outbox_row(mailbox: Mailbox) -> None:
    outbox.write([email(headers={"X-Topic": "storms"})])
    counts = deliver_due(seconds=5)

    message = OutboxMessage.objects.get()
    assert counts["sent"] == 1
    assert message.state == State.SENT and message.sent_at is not None and message.attempts == 1
    [arrived] = mailbox.messages
    assert arrived["Message-ID"] == message.message_id == f"<{message.key}@civic311.localhost>"
    assert arrived["To"] == "ana@example.org" and arrived["Subject"] == "Hello"
    assert arrived["X-Topic"] == "storms"
    assert arrived.get_content().strip() == "Body text"


def test_a_refused_recipient_is_recorded_as_bounced_and_the_others_still_go(mailbox: Mailbox) -> None:
    outbox.write([email("bounce@example.org"), email("ben@example.org")])
    deliver_due(seconds=5)

    states = dict(OutboxMessage.objects.values_list("recipient", "state"))
    assert states == {"bounce@example.org": State.BOUNCED, "ben@example.org": State.SENT}
    assert "550" in OutboxMessage.objects.get(recipient="bounce@example.org").last_error
    assert [m["To"] for m in mailbox.messages] == ["ben@example.org"]


def test_an_unreachable_mail_server_means_a_retry_later_then_a_permanent_failure(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    settings.NOTICES_MAX_ATTEMPTS = 2
    settings.NOTICES_RETRY_BASE_SECONDS = 30
    outbox.write([email()])

    before = timezone.now()
    deliver_due(seconds=5)
    message = OutboxMessage.objects.get()
    assert message.state == State.PENDING and message.attempts == 1
    assert before + timedelta(seconds=29) < message.next_attempt_at < timezone.now() + timedelta(seconds=31)
    assert "connect" in message.last_error

    assert deliver_due(seconds=5) == {}  # not due yet
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    deliver_due(seconds=5)
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 2


def test_back_off_doubles_and_is_capped(settings: Any) -> None:
    settings.NOTICES_RETRY_BASE_SECONDS, settings.NOTICES_RETRY_MAX_SECONDS = 30, 100
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_sms_goes_to_the_provider_with_an_idempotency_key(provider: tuple[HttpRecorder, str]) -> None:
    recorder, _base = provider
    outbox.write([outbox.NewMessage(channel="sms", recipient="+16175550100", body="Your request was closed")])
    deliver_due(seconds=5)

    message = OutboxMessage.objects.get()
    assert message.state == State.SENT
    [call] = recorder.calls
    assert call.path == "/sms"
    assert call.headers["Idempotency-Key"] == str(message.key)
    assert call.headers["Authorization"] == "Bearer t0ken"
    assert call.json() == {"to": "+16175550100", "from": "311", "body": "Your request was closed"}


def test_a_provider_error_is_retried_with_the_same_key_and_a_refusal_is_final(
    provider: tuple[HttpRecorder, str],
) -> None:
    recorder, _base = provider
    recorder.answers["/sms"] = [503, 200]
    outbox.write([outbox.NewMessage(channel="sms", recipient="+16175550100", body="one")])
    deliver_due(seconds=5)
    assert OutboxMessage.objects.get().state == State.PENDING
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    deliver_due(seconds=5)
    message = OutboxMessage.objects.get()
    assert message.state == State.SENT and message.attempts == 2
    assert [c.headers["Idempotency-Key"] for c in recorder.calls] == [str(message.key)] * 2

    recorder.answers["/sms"] = [400]
    outbox.write([outbox.NewMessage(channel="sms", recipient="not a number", body="two")])
    deliver_due(seconds=5)
    refused = OutboxMessage.objects.get(recipient="not a number")
    assert refused.state == State.FAILED and "HTTP 400" in refused.last_error


def test_webhooks_are_signed_with_hmac_sha256(provider: tuple[HttpRecorder, str]) -> None:
    recorder, base = provider
    outbox.write([outbox.NewMessage(channel="webhook", recipient=f"{base}/hook", body="b",
                                    payload={"type": "announcement", "title": "Storm"})])
    deliver_due(seconds=5)

    message = OutboxMessage.objects.get()
    assert message.state == State.SENT
    [call] = recorder.calls
    signed = call.headers["X-Civic311-Timestamp"].encode() + b"." + call.body
    expected = hmac.new(b"hook-secret", signed, hashlib.sha256).hexdigest()
    assert call.headers["X-Civic311-Signature"] == f"sha256={expected}"
    assert call.json() == {"id": str(message.key), "type": "announcement", "title": "Storm"}
    wrong = hmac.new(b"other-secret", signed, hashlib.sha256).hexdigest()
    assert call.headers["X-Civic311-Signature"] != f"sha256={wrong}"


def test_a_gone_webhook_bounces_and_a_non_http_url_fails(provider: tuple[HttpRecorder, str]) -> None:
    recorder, base = provider
    recorder.answers["/gone"] = [410]
    outbox.write([
        outbox.NewMessage(channel="webhook", recipient=f"{base}/gone", body="b"),
        outbox.NewMessage(channel="webhook", recipient="file:///etc/passwd", body="b"),
    ])
    deliver_due(seconds=5)
    states = dict(OutboxMessage.objects.values_list("recipient", "state"))
    assert states == {f"{base}/gone": State.BOUNCED, "file:///etc/passwd": State.FAILED}
    assert [c.path for c in recorder.calls] == ["/gone"]


def test_a_message_is_written_with_the_change_that_causes_it_or_not_at_all() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.write([email()])
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_one_delivery_task_is_queued_when_the_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.write([email("a@example.org")])
        outbox.write([email("b@example.org")])
        assert OrmQ.objects.count() == 0
    assert len(callbacks) == 1
    assert OrmQ.objects.count() == 1


def test_a_lease_keeps_others_away_until_it_runs_out(settings: Any) -> None:
    settings.NOTICES_LEASE_SECONDS = 60
    outbox.write([email("a@example.org"), email("b@example.org")])
    now = timezone.now()
    first = outbox.claim(now=now)
    assert len(first.messages) == 2
    assert outbox.claim(now=now + timedelta(seconds=59)).messages == []

    # The first worker was killed: after the lease, another takes the batch again.
    second = outbox.claim(now=now + timedelta(seconds=61))
    assert [m.pk for m in second.messages] == [m.pk for m in first.messages]
    assert all(m.attempts == 2 for m in second.messages)
    # A late answer from the first worker no longer counts.
    from civic311.notices.channels import Outcome, Result

    assert outbox.record(first.messages[0], Result(Outcome.SENT), token=first.token) is False
    assert outbox.record(second.messages[0], Result(Outcome.SENT), token=second.token) is True


def test_a_channel_takes_no_more_per_second_than_its_rate_limit(settings: Any) -> None:
    settings.NOTICES_RATE_LIMITS = {"email": 3, "sms": None, "webhook": None}
    outbox.write([email(f"p{i}@example.org") for i in range(5)])
    outbox.write([outbox.NewMessage(channel="sms", recipient=f"+1617555010{i}", body="x") for i in range(4)])
    now = (timezone.now() + timedelta(seconds=1)).replace(microsecond=100)
    batch = outbox.claim(now=now)
    assert sorted(m.channel for m in batch.messages) == ["email"] * 3 + ["sms"] * 4
    assert batch.rate_limited
    assert outbox.claim(now=now + timedelta(milliseconds=500)).messages == []
    later = outbox.claim(now=now + timedelta(seconds=1))
    assert [m.channel for m in later.messages] == ["email", "email"]
