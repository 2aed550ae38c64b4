"""The GeoReport v2 resources and FixMyStreet's servicerequestupdates. Thin: read the
parameters, call a selector or a service, render in the format the URL asks for. Every
answer, errors included (unknown paths, wrong methods, crashes), is XML or JSON, never an
HTML page."""

from __future__ import annotations

import functools
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt

from civic311.cases.models import Attachment, ServiceRequest, Status
from civic311.cases.selectors import public_request, public_requests, public_updates
from civic311.cases.services import RequestRefused, UpdateConflict
from civic311.catalog.models import ServiceAttribute, ServiceType
from civic311.places.lookup import current_jurisdiction
from civic311.places.models import Jurisdiction

from . import answer_cache, openapi, representations, statuses
from .districts import district_names
from .errors import ErrorItem, Open311Error, bad_request, not_found
from .jsonp import callback_name
from .jsonp import wrap as wrap_jsonp
from .keys import SlotRefused, claim_key, find_active_key, known_key, seconds_to_next_window
from .models import ApiKey
from .params import (
    MAX_IDS,
    MAX_PAGE_SIZE,
    MAX_SPAN,
    Window,
    boolean,
    comma_list,
    first,
    optional_datetime,
    parse_datetime,
    positive_int,
    window,
)
from .plain_text import strip_html
from .rendering import CONTENT_TYPES, Format, Value, render, render_errors, w3c_datetime
from .services import file_request, post_update
from .submission import read_media_url, read_person, read_submission
from .text_search import search_page, search_words

logger = logging.getLogger(__name__)

READ = ("GET", "HEAD")
WRITE = ("POST",)
OPEN311_STATUSES = {"open", "closed"}
UPDATE_MEDIA_URL_LENGTH = 2000  # RequestUpdate.media_url
# A POST's whole body: room for a few full-size phone photos and the form.
MAX_BODY_BYTES = 25 * 1024 * 1024

View = Callable[..., HttpResponseBase]


def open311_view(*methods: str, jsonp: bool = True) -> Callable[[View], View]:
    """Allow `methods` only, and answer every failure as an Open311 error document. With
    `jsonp`, a read of a .json resource may name a `callback` to wrap the answer in."""

    def decorate(view: View) -> View:
        def answer(request: HttpRequest, args: Any, fmt: Format, kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return render_errors(fmt, error.status, error.errors, error.headers)
            except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as error:
                return render_errors(fmt, 400, [ErrorItem(400, f"The request could not be read: {str(error)[:200]}")])
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return render_errors(fmt, 500, [
                    ErrorItem(500, "The server failed to answer this request; it has been logged. Try again later.")
                ])

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: Format = "xml", **kwargs: Any) -> HttpResponseBase:
            if request.method not in methods:
                refused = render_errors(fmt, 405, [
                    ErrorItem(405, f"{request.method} is not allowed here; use {' or '.join(methods)}.")
                ])
                refused["Allow"] = ", ".join(methods)
                return refused
            callback = first(request.GET, "callback") if jsonp and request.method in READ else None
            if callback is not None:
                if fmt != "json":
                    return render_errors(fmt, 400, [ErrorItem(400, "callback (JSONP) is only for .json resources.")])
                try:
                    callback = callback_name(callback)
                except Open311Error as error:
                    return render_errors(fmt, error.status, error.errors)
            response = answer(request, args, fmt, kwargs)
            if callback is not None and isinstance(response, HttpResponse) and response.get(
                "Content-Type", ""
            ).startswith("application/json"):
                return wrap_jsonp(response, callback)
            return response

        return csrf_exempt(wrapper)

    return decorate


# --- shared parts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    jurisdiction: Jurisdiction | None
    zone: tzinfo


def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def _place(params: MultiValueDict[str, str]) -> Place:
    """The instance's jurisdiction; a jurisdiction_id naming another one is a 404 (an empty
    one is the same as none)."""
    jurisdiction = current_jurisdiction()
    asked = first(params, "jurisdiction_id")
    if asked is not None and (jurisdiction is None or asked.lower() != jurisdiction.jurisdiction_id.lower()):
        served = f"; this server serves {jurisdiction.jurisdiction_id}" if jurisdiction else ""
        raise not_found(f"jurisdiction_id {asked[:100]!r} was not found{served}.")
    return Place(jurisdiction, _zone(jurisdiction.time_zone) if jurisdiction else UTC)


def _write_params(request: HttpRequest) -> MultiValueDict[str, str]:
    """A write's parameters: the form body, and the query string for what the body lacks
    (clients differ on where api_key and jurisdiction_id go). A body announced larger than
    MAX_BODY_BYTES is refused (413) before any of it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise bad_request("The Content-Length header is not a number.") from None
    if length > MAX_BODY_BYTES:
        raise Open311Error(
            413, f"The request body is {length} bytes; the limit is {MAX_BODY_BYTES} bytes: "
            "send fewer or smaller photos."
        )
    merged: MultiValueDict[str, str] = MultiValueDict()
    for key, values in request.GET.lists():
        merged.setlist(key, values)
    for key, values in request.POST.lists():
        merged.setlist(key, values)
    return merged


def _api_key(params: MultiValueDict[str, str]) -> ApiKey:
    """The key a write is made with, counted against its rate limit (403 / 429)."""
    return _usable(*claim_key(_raw_key(params)))


def _raw_key(params: MultiValueDict[str, str]) -> str:
    raw = first(params, "api_key")
    if raw is None:
        raise Open311Error(403, "api_key is missing: writes need the key issued to your application.")
    return raw


def _usable(api_key: ApiKey | None, slot_free: bool) -> ApiKey:
    """`api_key`, or the 403 (no such active key) or 429 (no slot free) refusing it."""
    if api_key is None:
        raise Open311Error(403, "api_key is invalid or has been revoked.")
    if not slot_free:
        wait = seconds_to_next_window()
        raise Open311Error(
            429,
            f"This api_key may make {api_key.rate_limit_per_minute} writes a minute; try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    return api_key


def _attachment_url(request: HttpRequest) -> Callable[[int], str]:
    base = request.build_absolute_uri(reverse("open311:attachment", args=[0]))[:-1]
    return lambda attachment_id: f"{base}{attachment_id}"


def _collect(problems: list[str], read: Callable[[], Any]) -> Any:
    """read(), or None with its 400 problems noted (to report several at once)."""
    try:
        return read()
    except Open311Error as error:
        if error.status != 400:
            raise
        problems.extend(e.description for e in error.errors)
        return None


# --- discovery and services -------------------------------------------------------------


@open311_view(*READ)
def discovery(request: HttpRequest, fmt: Format) -> HttpResponse:
    jurisdiction = current_jurisdiction()
    endpoint = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    changeset = openapi.CHANGESET
    name = jurisdiction.name if jurisdiction else "this city"
    payload: dict[str, Value] = {
        "changeset": changeset,
        "contact": f"Contact {name}'s 311 team about this API.",
        "key_service": f"API keys for writes are issued by {name}'s 311 team, per application.",
        "endpoints": [
            {
                "specification": representations.SPECIFICATION,
                "url": endpoint,
                "changeset": changeset,
                "type": "production",
                "formats": [CONTENT_TYPES["xml"].split(";")[0], CONTENT_TYPES["json"].split(";")[0]],
            }
        ],
    }
    return render(fmt, "discovery", payload)


@open311_view(*READ)
def service_list(request: HttpRequest, fmt: Format) -> HttpResponse:
    _place(request.GET)
    services = ServiceType.objects.filter(active=True).annotate(
        with_definition=Exists(ServiceAttribute.objects.filter(service_type=OuterRef("pk")))
    ).order_by("group", "name", "code")
    payload: list[Value] = [
        representations.service_item(s, has_definition=s.with_definition) for s in services
    ]
    return render(fmt, "services", payload)


@open311_view(*READ)
def service_definition(request: HttpRequest, fmt: Format, service_code: str) -> HttpResponse:
    _place(request.GET)
    service = ServiceType.objects.filter(code=service_code, active=True).first()
    if service is None:
        raise not_found(f"service_code {service_code[:100]!r} was not found.")
    questions = list(service.attributes.order_by("order", "code"))
    return render(fmt, "service_definition", representations.service_definition(service, questions))


# --- service requests -------------------------------------------------------------------


def _request_items(request: HttpRequest, rows: list[ServiceRequest], place: Place, extensions: bool) -> list[Value]:
    attachment_url = _attachment_url(request)
    districts = district_names([(r.lat, r.long) for r in rows]) if extensions else [{} for _ in rows]
    return [
        representations.request_item(
            row, zone=place.zone, attachment_url=attachment_url, extensions=extensions, districts=found
        )
        for row, found in zip(rows, districts, strict=True)
    ]


# What representations.request_item and the q filter read of a request and its relations.
SHOWN_FIELDS = (
    "public_id", "status", "status_notes", "description", "agency_responsible", "requested_at", "updated_at",
    "expected_at", "address", "address_id", "zipcode", "lat", "long", "media_url",
    "service_type__name", "service_type__code", "channel__code", "neighborhood__name",
    "detailed_status__code", "detailed_status__name",
)


def _public_requests(*, extensions: bool, **filters: Any) -> QuerySet[ServiceRequest]:
    """`cases.selectors.public_requests`, with the public ids of the request a duplicate
    points at and of a work item's parent joined in when extensions are asked for."""
    # Only the columns the answer shows: building the SELECT for every column of five
    # tables was most of the time of requests/{id}.
    queryset = public_requests(with_public_updates=extensions, **filters).only(*SHOWN_FIELDS)
    if extensions:
        queryset = queryset.annotate(
            duplicate_of_public_id=F("duplicate_of__public_id"), parent_public_id=F("parent__public_id")
        )
    return queryset


@open311_view(*READ, *WRITE)
def service_requests(request: HttpRequest, fmt: Format) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


def _service_type_ids(codes: list[str]) -> list[int]:
    found = dict(ServiceType.objects.filter(code__in=codes).values_list("code", "id"))
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise not_found(f"service_code {', '.join(repr(c[:100]) for c in unknown[:10])} was not found.")
    return list(found.values())


def _detailed_status_codes(codes: list[str]) -> list[str]:
    known = set(Status.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise bad_request(f"detailed_status {', '.join(repr(c[:40]) for c in unknown[:10])} is not a status here.")
    return codes


def _statuses(values: list[str]) -> list[str]:
    lowered = [v.lower() for v in values]
    wrong = [v for v in lowered if v not in OPEN311_STATUSES]
    if wrong:
        raise bad_request(f"status must be open, closed or both (comma separated), not {wrong[0][:40]!r}.")
    return lowered


def _list_requests(request: HttpRequest, fmt: Format) -> HttpResponse:
    params = request.GET
    place = _place(params)
    extensions = boolean(params, "extensions")
    ids = comma_list(first(params, "service_request_id"))
    if ids:
        # The spec: a list of ids overrides every other filter.
        if len(ids) > MAX_IDS:
            raise bad_request(f"service_request_id may list at most {MAX_IDS} ids.")
        rows = list(_public_requests(public_ids=ids, extensions=extensions)[:MAX_IDS])
        return render(fmt, "service_requests", _request_items(request, rows, place, extensions))

    problems: list[str] = []
    zone = place.zone
    statuses_asked = _collect(problems, lambda: _statuses(comma_list(first(params, "status")))) or None
    start = _collect(problems, lambda: optional_datetime(params, "start_date", zone))
    end = _collect(problems, lambda: optional_datetime(params, "end_date", zone))
    after = _collect(problems, lambda: optional_datetime(params, "updated_after", zone))
    before = _collect(problems, lambda: optional_datetime(params, "updated_before", zone))
    page = _collect(problems, lambda: positive_int(params, "page", 1, 1_000_000))
    page_size = _collect(problems, lambda: positive_int(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE))
    requested: Window | None = None
    updated: Window | None = None
    if not problems:
        requested = _collect(problems, lambda: window(start, end, "start_date", "end_date"))
        updated = _collect(problems, lambda: window(after, before, "updated_after", "updated_before"))
    query = first(params, "q")
    words = _collect(problems, lambda: search_words(query or "")) if query is not None else None
    detailed = comma_list(first(params, "detailed_status"))
    detailed_codes = _collect(problems, lambda: _detailed_status_codes(detailed)) if detailed else None
    if problems or requested is None or updated is None:
        raise bad_request(*problems)
    codes = comma_list(first(params, "service_code"))
    service_type_ids = _service_type_ids(codes) if codes else None
    if requested.start is None and requested.end is None and updated.start is None and updated.end is None:
        requested = Window(timezone.now() - MAX_SPAN, None)  # the spec's default: the last 90 days
    queryset = _public_requests(
        service_type_ids=service_type_ids, statuses=statuses_asked, detailed_status_codes=detailed_codes,
        requested_from=requested.start, requested_to=requested.end,
        updated_from=updated.start, updated_to=updated.end, extensions=extensions,
    )
    offset = (page - 1) * page_size
    if words:
        rows = search_page(queryset, words, offset=offset, limit=page_size)
    else:
        rows = list(queryset[offset : offset + page_size])
    return render(fmt, "service_requests", _request_items(request, rows, place, extensions))


def _create_request(request: HttpRequest, fmt: Format) -> HttpResponse:
    params = _write_params(request)
    # The key's slot is taken with the intake's last writes (its row locked only to the
    # commit); a write refused before that takes it here, so refused writes count too.
    raw = _raw_key(params)
    api_key = _usable(*known_key(raw))
    try:
        place = _place(params)
        submission = read_submission(params, request.FILES, place.jurisdiction)
    except Open311Error:
        _api_key(params)
        raise
    try:
        created = file_request(submission=submission, api_key=api_key, key=raw)
    except RequestRefused as refused:
        _api_key(params)
        raise bad_request(str(refused)) from None
    except SlotRefused:
        _usable(find_active_key(raw), False)
        raise
    answer: dict[str, Value]
    if submission.service.kind == ServiceType.Kind.BATCH:
        answer = {"token": created.token}
    elif submission.service.kind == ServiceType.Kind.BLACKBOX:
        # The spec: a blackbox service returns no id (and so no token either).
        answer = {"service_notice": "Your request has been received."}
    else:
        answer = {"service_request_id": created.public_id}
    if created.expected_at is not None and "service_notice" not in answer:
        answer["service_notice"] = f"Expected to be addressed by {w3c_datetime(created.expected_at, place.zone)}."
    return render(fmt, "service_requests", [answer])


@open311_view(*READ)
def service_request(request: HttpRequest, fmt: Format, service_request_id: str) -> HttpResponse:
    place = _place(request.GET)
    extensions = boolean(request.GET, "extensions")
    # The host is in the answer (attachment links), so it is part of the cached variant.
    variant = (fmt, str(extensions), request.get_host())
    body = answer_cache.get(service_request_id, variant)
    if body is not None:
        return HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    row = (_public_requests(public_ids=[service_request_id], extensions=True).first() if extensions
           else public_request(service_request_id))
    if row is None:
        raise not_found(f"service_request_id {service_request_id[:100]!r} was not found.")
    response = render(fmt, "service_requests", _request_items(request, [row], place, extensions))
    answer_cache.put(service_request_id, variant, response.content)
    return response


@open311_view(*READ)
def token(request: HttpRequest, fmt: Format, token: str) -> HttpResponse:
    _place(request.GET)
    public_id = ServiceRequest.objects.filter(token=token).values_list("public_id", flat=True).first()
    if public_id is None:
        raise not_found(f"token {token[:100]!r} was not found.")
    return render(fmt, "service_requests", [{"service_request_id": public_id, "token": token}])


# --- FixMyStreet's servicerequestupdates ------------------------------------------------


@open311_view(*READ, *WRITE)
def request_updates(request: HttpRequest, fmt: Format) -> HttpResponse:
    if request.method == "POST":
        return _post_update(request, fmt)
    params = request.GET
    place = _place(params)
    problems: list[str] = []
    start = _collect(problems, lambda: optional_datetime(params, "start_date", place.zone))
    end = _collect(problems, lambda: optional_datetime(params, "end_date", place.zone))
    page = _collect(problems, lambda: positive_int(params, "page", 1, 1_000_000))
    page_size = _collect(problems, lambda: positive_int(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE))
    span = _collect(problems, lambda: window(start, end, "start_date", "end_date")) if not problems else None
    if problems or span is None:
        raise bad_request(*problems)
    created_from = span.start or timezone.now() - MAX_SPAN
    open311_status_of = dict(Status.objects.values_list("code", "open311_status"))
    offset = (page - 1) * page_size
    rows = list(public_updates(created_from=created_from, created_to=span.end)[offset : offset + page_size])
    payload: list[Value] = [representations.update_item(u, place.zone, open311_status_of) for u in rows]
    return render(fmt, "service_request_updates", payload)


def _post_update(request: HttpRequest, fmt: Format) -> HttpResponse:
    params = _write_params(request)
    api_key = _api_key(params)
    place = _place(params)
    problems: list[str] = []
    public_id = first(params, "service_request_id")
    update_id = first(params, "update_id")
    state = first(params, "status")
    when = first(params, "updated_datetime")
    for name, value in (("service_request_id", public_id), ("update_id", update_id), ("status", state),
                        ("updated_datetime", when)):
        if value is None:
            problems.append(f"{name} is missing.")
    if "description" not in params:
        problems.append("description is missing (it may be empty).")
    if update_id is not None and len(update_id) > 80:
        problems.append("update_id is longer than 80 characters.")
    occurred_at = _collect(problems, lambda: parse_datetime(when, "updated_datetime", place.zone)) if when else None
    text = strip_html(first(params, "description") or "")
    if len(text) > representations.MAX_DESCRIPTION:
        problems.append(f"description is longer than {representations.MAX_DESCRIPTION} characters.")
    person = read_person(params, problems)
    media_url = read_media_url(params, problems, limit=UPDATE_MEDIA_URL_LENGTH)
    if problems or public_id is None or update_id is None or state is None or occurred_at is None:
        raise bad_request(*problems)
    target = ServiceRequest.objects.filter(public_id=public_id).first()
    if target is None:
        raise not_found(f"service_request_id {public_id[:100]!r} was not found.")
    code = statuses.incoming_code(state, request_is_open=target.status == Status.Open311.OPEN)
    status = None
    if code is not None:
        status = Status.objects.filter(code=code).first()
        if status is None:
            known = ", ".join(sorted(s.upper() for s in statuses.INCOMING))
            raise bad_request(f"status {state[:40]!r} is not known here; send one of OPEN, {known}.")
    try:
        update, _ = post_update(
            request=target, update_id=update_id, status=status, text=text,
            occurred_at=occurred_at, person=person, api_key=api_key, media_url=media_url,
        )
    except UpdateConflict as conflict:
        raise bad_request(str(conflict)) from None
    return render(fmt, "service_request_updates", [{"update_id": str(update.pk)}])


# --- not Open311 resources, but served with them ----------------------------------------


@open311_view(*READ, jsonp=False)
def openapi_document(request: HttpRequest, fmt: Format) -> HttpResponse:
    """The OpenAPI 3 description of this API (for schemathesis and client generators)."""
    return JsonResponse(openapi.document(), json_dumps_params={"ensure_ascii": False},
                        content_type="application/json; charset=utf-8")


@open311_view(*READ, jsonp=False)
def attachment(request: HttpRequest, fmt: Format, attachment_id: int) -> HttpResponseBase:
    """A photo uploaded with a request (its media_url points here)."""
    found = Attachment.objects.filter(pk=attachment_id, is_public=True).first()
    if found is None or not found.file.name or not found.file.storage.exists(found.file.name):
        raise not_found(f"media {attachment_id} was not found.")
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, an uploaded file may run nothing, even if a browser misreads it.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@csrf_exempt
def unknown_resource(request: HttpRequest, path: str = "") -> HttpResponseBase:
    """Any other path under /open311/v2/: a 404 in the format its suffix names (XML, the
    required format, when it names none)."""
    return _no_resource(request, fmt="json" if path.lower().endswith(".json") else "xml")


@open311_view("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def _no_resource(request: HttpRequest, fmt: Format) -> HttpResponse:
    raise not_found(f"There is no Open311 resource at {request.path[:200]!r}; see discovery.xml.")

