"""The delivery channels behind one interface: e-mail over SMTP (Django's e-mail
backend), SMS through a provider's HTTP API, and webhooks signed with HMAC-SHA256.

A channel sends a batch of messages and says, per message, what happened; it raises
nothing for a single bad message. Which SMS provider is used is configuration
(`NOTICES_SMS_PROVIDER`), not code."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from .models import OutboxMessage


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a temporary failure: try again later
    FAILED = "failed"  # a permanent failure: never again
    BOUNCED = "bounced"  # the recipient does not exist (any more)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""


# Called after each message with its result, so that the outcome is committed as soon
# as the provider has accepted the message (the window for a resend after a crash).
Report = Callable[[OutboxMessage, Result], None]
StillOwned = Callable[[], bool]


class DeliveryChannel(Protocol):
    name: str

    def send(self, messages: Sequence[OutboxMessage], report: Report, still_owned: StillOwned) -> None:
        """Send `messages` in order, calling `report` after each; stop early (leaving the
        rest unreported) once `still_owned()` says the worker's lease is running out."""


class EmailChannel:
    """E-mail through Django's configured backend, one connection per batch."""

    name = "email"

    def send(self, messages: Sequence[OutboxMessage], report: Report, still_owned: StillOwned) -> None:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            for message in messages:
                report(message, Result(Outcome.RETRY, f"cannot connect to the mail server: {error}"))
            return
        try:
            for index, message in enumerate(messages):
                if not still_owned():
                    return
                try:
                    connection.send_messages([self.build(message)])
                except smtplib.SMTPRecipientsRefused as error:
                    codes = [code for code, _text in error.recipients.values()]
                    permanent = all(500 <= code < 600 for code in codes)
                    report(message, Result(Outcome.BOUNCED if permanent else Outcome.RETRY, str(error.recipients)))
                except smtplib.SMTPResponseException as error:
                    permanent = 500 <= error.smtp_code < 600
                    report(message, Result(Outcome.FAILED if permanent else Outcome.RETRY,
                                           f"{error.smtp_code} {error.smtp_error!r}"))
                    if not permanent:
                        self._reconnect(connection)
                except (OSError, smtplib.SMTPException) as error:
                    report(message, Result(Outcome.RETRY, f"mail server error: {error}"))
                    # The connection is in an unknown state: the rest of the batch waits.
                    for rest in messages[index + 1:]:
                        report(rest, Result(Outcome.RETRY, "not attempted after a connection error"))
                    return
                else:
                    report(message, Result(Outcome.SENT))
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.close()

    @staticmethod
    def _reconnect(connection: object) -> None:
        close = getattr(connection, "close", None)
        open_ = getattr(connection, "open", None)
        if close and open_:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                close()
                open_()

    @staticmethod
    def build(message: OutboxMessage) -> EmailMessage:
        headers = {"Message-ID": message.message_id, **{str(k): str(v) for k, v in message.headers.items()}}
        return EmailMessage(
            subject=message.subject, body=message.body, from_email=settings.NOTICES_FROM_EMAIL,
            to=[message.recipient], headers=headers,
        )


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST and return (status, first bytes of the answer); status 0 when unreachable."""
    if not url.startswith(("http://", "https://")):
        return 0, "not an http(s) URL"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (http(s) checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http(s) checked above)
            return answer.status, answer.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(500).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        return 0, str(error)


def classify_http(status: int, detail: str) -> Result:
    """What an HTTP answer means for the message: 2xx sent; 410 gone (bounced); 408, 429
    and 5xx or no answer are worth retrying; any other 4xx will never succeed."""
    if 200 <= status < 300:
        return Result(Outcome.SENT)
    if status == 410:
        return Result(Outcome.BOUNCED, f"HTTP {status}: {detail}")
    if status == 0 or status in (408, 425, 429) or status >= 500:
        return Result(Outcome.RETRY, f"HTTP {status}: {detail}" if status else detail)
    return Result(Outcome.FAILED, f"HTTP {status}: {detail}")


class HttpSmsProvider:
    """A JSON SMS API: POST {"to", "from", "body"} with a bearer token and an
    `Idempotency-Key` header (the message's key), as most providers accept. A city with
    another provider configures a subclass in `NOTICES_SMS_PROVIDER`."""

    def __init__(self, *, url: str, token: str = "", sender: str = "", timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the SMS provider URL must be http(s)")
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send_one(self, message: OutboxMessage) -> Result:
        body = json.dumps({"to": message.recipient, "from": self.sender, "body": message.body}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(message.key)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return classify_http(*_post(self.url, body, headers, self.timeout))


def sms_provider() -> HttpSmsProvider:
    config = dict(settings.NOTICES_SMS_PROVIDER)
    provider_class = import_string(config.pop("class", "civic311.notices.channels.HttpSmsProvider"))
    provider: HttpSmsProvider = provider_class(**config)
    return provider


class SmsChannel:
    name = "sms"

    def send(self, messages: Sequence[OutboxMessage], report: Report, still_owned: StillOwned) -> None:
        provider = sms_provider()
        for message in messages:
            if not still_owned():
                return
            report(message, provider.send_one(message))


def webhook_target_allowed(url: str) -> bool:
    """Whether a subscriber's webhook URL may be called: http(s) to a public address only
    (a public form must not make the server call its own network), unless
    `NOTICES_WEBHOOK_ALLOW_PRIVATE` says otherwise (tests, closed deployments)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if settings.NOTICES_WEBHOOK_ALLOW_PRIVATE:
        return True
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a receiver checks: hex HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """POST the message's JSON payload to the subscriber's URL, signed with the city's
    webhook secret (headers `X-Civic311-Timestamp`, `X-Civic311-Signature: sha256=...`)."""

    name = "webhook"

    def send(self, messages: Sequence[OutboxMessage], report: Report, still_owned: StillOwned) -> None:
        secret = settings.NOTICES_WEBHOOK_SECRET
        for message in messages:
            if not still_owned():
                return
            if not webhook_target_allowed(message.recipient):
                report(message, Result(Outcome.FAILED, "the webhook URL is not a public http(s) address"))
                continue
            payload = message.payload or {"subject": message.subject, "body": message.body}
            body = json.dumps({"id": str(message.key), **payload}, sort_keys=True).encode()
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json", "Idempotency-Key": str(message.key),
                "X-Civic311-Timestamp": timestamp,
                "X-Civic311-Signature": f"sha256={sign_webhook(secret, timestamp, body)}",
            }
            report(message, classify_http(*_post(message.recipient, body, headers, settings.NOTICES_HTTP_TIMEOUT)))


CHANNELS: dict[str, DeliveryChannel] = {
    OutboxMessage.ChannelName.EMAIL: EmailChannel(),
    OutboxMessage.ChannelName.SMS: SmsChannel(),
    OutboxMessage.ChannelName.WEBHOOK: WebhookChannel(),
}
