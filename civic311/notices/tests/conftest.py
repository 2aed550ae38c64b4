"""Fixtures of the notices tests: a real SMTP server and a recording HTTP server on
loopback, with Django's SMTP backend pointed at the first and the SMS provider at the
second."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from civic311.notices.testing import HttpRecorder, Mailbox, http_server, smtp_server


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield box


@pytest.fixture
def provider(settings: Any) -> Iterator[tuple[HttpRecorder, str]]:
    """The stand-in SMS provider (and webhook receiver): calls to /sms and /hook."""
    with http_server() as (recorder, base):
        settings.NOTICES_SMS_PROVIDER = {
            "class": "civic311.notices.channels.HttpSmsProvider", "url": f"{base}/sms", "token": "t0ken",
            "sender": "311",
        }
        settings.NOTICES_WEBHOOK_SECRET = "hook-secret"
        settings.NOTICES_WEBHOOK_ALLOW_PRIVATE = True  # the stand-in receiver is on loopback
        yield recorder, base
