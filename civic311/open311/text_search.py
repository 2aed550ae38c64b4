"""Chicago's `q` filter on GET requests: requests whose public text contains the words.

The public text is what the API shows (service name, address, and the description after
the personal-data redactor), so `q` cannot be used to find out what was redacted: a phone
number or an e-mail address written in a description is never a match. The database
narrows the candidates with a case-insensitive substring test on the stored text; each
candidate is then checked against its redacted text, in order, until the page is full.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civic311.cases.models import ServiceRequest
from civic311.privacy.redaction import redact_text

from .errors import bad_request

MIN_LENGTH = 3
MAX_LENGTH = 100
MAX_WORDS = 5


def search_words(value: str) -> list[str]:
    """The words of a `q` value (a 400 when they are too short, too long or too many)."""
    words = value.split()
    if len(value) > MAX_LENGTH:
        raise bad_request(f"q may be at most {MAX_LENGTH} characters long.")
    if len(words) > MAX_WORDS:
        raise bad_request(f"q may hold at most {MAX_WORDS} words.")
    if not words or any(len(word) < MIN_LENGTH for word in words):
        raise bad_request(f"Each word of q must be at least {MIN_LENGTH} characters long.")
    return words


def public_text(request: ServiceRequest) -> str:
    """The text of a request that the API shows, for matching (case-folded)."""
    return " ".join(
        [request.service_type.name, request.address, redact_text(request.description)]
    ).casefold()


def search_page(
    queryset: QuerySet[ServiceRequest], words: list[str], *, offset: int, limit: int
) -> list[ServiceRequest]:
    """Rows `offset` to `offset + limit` of `queryset` (in its order) whose public text
    holds every word."""
    for word in words:
        queryset = queryset.filter(
            Q(description__icontains=word) | Q(address__icontains=word) | Q(service_type__name__icontains=word)
        )
    folded = [word.casefold() for word in words]
    page: list[ServiceRequest] = []
    skipped = 0
    for row in queryset.iterator(chunk_size=max(100, min(2000, limit))):
        text = public_text(row)
        if not all(word in text for word in folded):
            continue
        if skipped < offset:
            skipped += 1
            continue
        page.append(row)
        if len(page) >= limit:
            break
    return page
