"""Rendered answers of `requests/{id}`, kept in Django's cache for a few seconds.

Clients poll single requests for their status (FixMyStreet checks each open report it
sent; city apps refresh a resident's list), so the same few answers are asked for again
and again. The answer is public output only — the cached bytes are exactly what the view
renders, so nothing is cached that a client could not read anyway.

A saved request, update or attachment drops its request's answers from the cache at once
(in every process when the cache is shared, e.g. Redis or Memcached in `CACHES`; with the
default per-process memory cache, in this process). Changes the signals do not see (bulk
updates, another process's writes with a per-process cache) show once the entry expires:
`CIVIC311_OPEN311_ANSWER_CACHE_SECONDS` (default 10; 0 turns the cache off).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save

from civic311.cases.models import Attachment, RequestUpdate, ServiceRequest

KEY_PREFIX = "open311:request-answer:"
# Public ids are a prefix and a number; anything else a client sends is not worth a cache
# key (and control characters are not valid in every cache backend's keys).
_CACHEABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}", re.ASCII)


def lifetime() -> int:
    return int(getattr(settings, "CIVIC311_OPEN311_ANSWER_CACHE_SECONDS", 10))


def _key(public_id: str) -> str:
    return KEY_PREFIX + public_id


def get(public_id: str, variant: tuple[str, ...]) -> bytes | None:
    """The cached answer for `public_id` in this variant (format, extensions, host), or None."""
    if lifetime() <= 0 or not _CACHEABLE_ID.fullmatch(public_id):
        return None
    answers = cache.get(_key(public_id))
    return None if answers is None else answers.get(variant)


def put(public_id: str, variant: tuple[str, ...], body: bytes) -> None:
    seconds = lifetime()
    if seconds <= 0 or not _CACHEABLE_ID.fullmatch(public_id):
        return
    answers = cache.get(_key(public_id)) or {}
    answers[variant] = body
    cache.set(_key(public_id), answers, seconds)


def forget(public_id: str) -> None:
    if _CACHEABLE_ID.fullmatch(public_id):
        cache.delete(_key(public_id))


def _request_changed(sender: type[ServiceRequest], instance: ServiceRequest, **kwargs: Any) -> None:
    if instance.public_id:
        forget(instance.public_id)


def _part_changed(sender: type[Any], instance: RequestUpdate | Attachment, **kwargs: Any) -> None:
    # The services create updates and attachments with the request object at hand: no query.
    try:
        public_id = instance.request.public_id
    except ObjectDoesNotExist:  # deleted along with its request, whose own signal forgot it
        return
    forget(public_id)


def connect() -> None:
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_request_changed, sender=ServiceRequest, dispatch_uid=f"open311-answers-request-{name}")
        signal.connect(_part_changed, sender=RequestUpdate, dispatch_uid=f"open311-answers-update-{name}")
        signal.connect(_part_changed, sender=Attachment, dispatch_uid=f"open311-answers-attachment-{name}")
