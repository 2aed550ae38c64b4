"""The agent desk: one screen per contact, from hello to goodbye, and the supervisors'
contact metrics. Views are thin: they check the role, parse a form, call a service or a
selector and render a page or an htmx fragment. Everything typed is saved as the agent
goes (`save`), so a closed browser loses nothing: the contact page is rebuilt from the
saved contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic311.cases.duplicates import DuplicateSuggestion, suggest_duplicates
from civic311.cases.services import RequestRefused
from civic311.cases.sla import city_zone
from civic311.catalog.models import ServiceAttribute, ServiceType
from civic311.knowledge.search import ArticleHit, search_articles
from civic311.open311.attributes import check_answers, raw_answers
from civic311.places.addresses import MAX_QUERY_LENGTH, locate_address, search_addresses
from civic311.staff import access
from civic311.staff.models import StaffProfile
from civic311.staff.views import page

from . import selectors, services
from .emergency import find_emergency_phrases
from .forms import CloseForm, ConstituentForm, NotesForm, PeriodForm, RequestForm, StartForm
from .models import Constituent, Contact

View = Callable[..., HttpResponseBase]
Role = StaffProfile.Role
DESK_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)
METRICS_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
DESK_BANNER = "knowledge/_desk_banner.html"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return page(request, "staff/forbidden.html", {"message": message}, status=403)


def role_required(roles: tuple[str, ...]) -> Callable[[View], View]:
    """Send anonymous visitors to the login page; refuse roles not in `roles`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                login = redirect_to_login(request.get_full_path(), login_url=reverse("staff:login"))
                if _is_htmx(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login["Location"]
                    return response
                return login
            if access.role_of(request.user) not in roles:
                return _forbidden(request, _("The desk is for contact-center agents, supervisors and "
                                             "administrators."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


desk_required = role_required(DESK_ROLES)


def _contact(request: HttpRequest, pk: int) -> Contact:
    """The contact, if this user may work it: their own, or any for supervisors and
    administrators (who resume an agent's contact)."""
    contact = get_object_or_404(Contact.objects.select_related("channel", "constituent", "request", "agent"), pk=pk)
    user = _user(request)
    if contact.agent_id != user.pk and access.role_of(user) == Role.AGENT:
        raise PermissionError(_("This contact belongs to another agent."))
    return contact


def _contact_or_refuse(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            contact = _contact(request, pk)
        except PermissionError as refused:
            return _forbidden(request, str(refused))
        return view(request, contact, *args, **kwargs)

    return wrapper


def _problem(request: HttpRequest, message: str, *, status: int = 422) -> HttpResponse:
    return page(request, "contacts/_problem.html", {"problems": [message]}, status=status)


def _form_problems(form: Any) -> list[str]:
    problems: list[str] = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        problems += [f"{label}: {error}" if label else str(error) for error in errors]
    return problems


# ---------------------------------------------------------------- start and resume


@desk_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    """Start a contact, or resume one left open."""
    user = _user(request)
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.start_contact(agent=user, channel=form.cleaned_data["channel"],
                                             reason=form.cleaned_data["reason"])
        except services.DeskRefused as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("contacts:contact", pk=contact.pk)
    return page(request, "contacts/desk.html", {
        "form": form, "open_contacts": list(selectors.open_contacts_of(user.pk)),
        "can_see_metrics": access.role_of(user) in METRICS_ROLES,
    }, status=200 if form.is_bound is False or form.is_valid() else 422)


def _desk_banner() -> str:
    try:
        get_template(DESK_BANNER)
    except TemplateDoesNotExist:
        return ""
    return DESK_BANNER


def _questions(service_type: ServiceType | None) -> list[ServiceAttribute]:
    if service_type is None:
        return []
    # Answers a reporting system supplies itself (FixMyStreet's "automated") are not asked.
    return list(service_type.attributes.filter(automated="").order_by("order", "code"))


def _draft_service(contact: Contact) -> ServiceType | None:
    raw = contact.draft.get("service_type")
    if not isinstance(raw, int | str) or not str(raw).isdigit():
        return None
    return ServiceType.objects.filter(pk=int(raw), active=True).first()


def _answers(contact: Contact) -> dict[str, list[str]]:
    answers = contact.draft.get("answers", {})
    return answers if isinstance(answers, dict) else {}


def _caller_context(contact: Contact, form: ConstituentForm | None = None) -> dict[str, Any]:
    constituent = contact.constituent
    if form is None:
        initial: dict[str, Any] = {"preferred_language": get_language() or "en"}
        if constituent is not None:
            initial = {k: getattr(constituent, k) for k in ConstituentForm.base_fields}
        typed = contact.draft.get("caller")
        if isinstance(typed, dict):
            # Details typed but not yet saved when the browser closed.
            initial.update({k: v for k, v in typed.items() if k in ConstituentForm.base_fields})
        form = ConstituentForm(initial=initial, auto_id="caller_%s")
    return {"contact": contact, "caller": constituent, "caller_form": form,
            "history": selectors.caller_history(constituent) if constituent is not None else None}


@desk_required
@require_GET
@_contact_or_refuse
def contact_page(request: HttpRequest, contact: Contact) -> HttpResponse:
    """The one screen of a contact: caller, knowledge base, request, wrap-up."""
    if not contact.is_open:
        return page(request, "contacts/closed.html", {"contact": contact})
    service_type = _draft_service(contact)
    return page(request, "contacts/contact.html", {
        **_caller_context(contact),
        "desk_banner": _desk_banner(),
        "service_type": service_type,
        "questions": _questions(service_type),
        "answers": _answers(contact),
        "draft": contact.draft,
        "close_form": CloseForm(initial={"outcome": _suggested_outcome(contact), "notes": contact.notes}),
        "reasons": Contact.Reason.choices,
    })


def _suggested_outcome(contact: Contact) -> str:
    if contact.request_id is not None:
        return Contact.Outcome.REQUEST_CREATED
    if contact.article_id is not None:
        return Contact.Outcome.INFO_GIVEN
    return ""


# ---------------------------------------------------------------- saving as the agent goes


def _draft_from(request: HttpRequest) -> dict[str, Any]:
    """The request fields as typed (kept even when not yet valid, so nothing is lost)."""
    post = request.POST
    draft: dict[str, Any] = {}
    for key, limit in (("service_type", 20), ("service_q", 100), ("description", 4000), ("address", 300),
                       ("lat", 30), ("long", 30)):
        draft[key] = post.get(key, "")[:limit]
    draft["answers"] = {code[:100]: [v[:4000] for v in values[:50]]
                        for code, values in list(raw_answers(post).items())[:100]}
    return draft


CALLER_DRAFT_LIMITS = {"name": 200, "phone": 30, "email": 254, "preferred_language": 10}


def _caller_draft_from(request: HttpRequest) -> dict[str, Any]:
    """The caller's details as typed, before "Save" (kept so a closed browser loses nothing)."""
    post = request.POST
    typed: dict[str, Any] = {key: post.get(key, "")[:limit] for key, limit in CALLER_DRAFT_LIMITS.items()}
    typed.update({key: post.get(key) == "on" for key in ("consent_contact", "consent_updates")})
    return typed


def _duplicates(contact: Contact) -> list[DuplicateSuggestion]:
    service_type = _draft_service(contact)
    form = RequestForm({k: contact.draft.get(k, "") for k in ("lat", "long")})
    if service_type is None or not form.is_valid():
        return []
    lat, long = form.cleaned_data.get("lat"), form.cleaned_data.get("long")
    if lat is None or long is None:
        return []
    return suggest_duplicates(service_type=service_type, lat=lat, long=long, requested_at=timezone.now(),
                              description=str(contact.draft.get("description", "")))


@desk_required
@require_POST
@_contact_or_refuse
def save(request: HttpRequest, contact: Contact) -> HttpResponse:
    """Autosave: notes, reason and the request being taken. Answers the save time, the
    possible duplicates and, when emergency words were typed, the 911 prompt."""
    notes = NotesForm(request.POST)
    if not notes.is_valid():
        return page(request, "contacts/_problem.html", {"problems": _form_problems(notes)}, status=422)
    has_request = "description" in request.POST or "service_type" in request.POST
    draft: dict[str, Any] | None = None
    if has_request:
        draft = {**contact.draft, **_draft_from(request)}
    elif request.POST.get("caller_draft"):
        draft = {**contact.draft, "caller": _caller_draft_from(request)}
    try:
        new = services.save_progress(
            contact=contact, agent=_user(request),
            notes=notes.cleaned_data["notes"] if "notes" in request.POST else None,
            reason=notes.cleaned_data["reason"] or None, draft=draft,
        )
    except services.DeskRefused as refused:
        return _problem(request, str(refused), status=409)
    return page(request, "contacts/_saved.html", {
        "contact": contact, "saved_at": contact.updated_at, "new_phrases": new,
        "duplicates": _duplicates(contact), "show_duplicates": has_request,
    })


# ---------------------------------------------------------------- the caller


@desk_required
@require_GET
@_contact_or_refuse
def find_caller(request: HttpRequest, contact: Contact) -> HttpResponse:
    query = request.GET.get("q", "")
    return page(request, "contacts/_callers.html", {
        "contact": contact, "query": query[:100], "callers": selectors.find_constituents(query)})


@desk_required
@require_POST
@_contact_or_refuse
def use_caller(request: HttpRequest, contact: Contact, constituent_id: int) -> HttpResponse:
    constituent = get_object_or_404(Constituent, pk=constituent_id)
    try:
        services.attach_constituent(contact=contact, constituent=constituent, agent=_user(request))
    except services.DeskRefused as refused:
        return _problem(request, str(refused), status=409)
    return page(request, "contacts/_caller.html", {**_caller_context(contact), "saved": True})


@desk_required
@require_POST
@_contact_or_refuse
def save_caller(request: HttpRequest, contact: Contact) -> HttpResponse:
    """Create the caller (no caller on the contact yet, or "new" asked) or update them."""
    form = ConstituentForm(request.POST, auto_id="caller_%s")
    if not form.is_valid():
        return page(request, "contacts/_caller.html", _caller_context(contact, form), status=422)
    existing = None if request.POST.get("as_new") else contact.constituent
    try:
        services.save_constituent(agent=_user(request), constituent=existing, contact=contact, **form.cleaned_data)
        if "caller" in contact.draft:
            services.save_progress(contact=contact, agent=_user(request),
                                   draft={k: v for k, v in contact.draft.items() if k != "caller"})
    except services.DeskRefused as refused:
        form.add_error(None, str(refused))
        return page(request, "contacts/_caller.html", _caller_context(contact, form), status=422)
    return page(request, "contacts/_caller.html", {**_caller_context(contact), "saved": True})


# ---------------------------------------------------------------- the knowledge base


def _article_url(hit: ArticleHit) -> str:
    try:
        return reverse("knowledge:staff_article", args=[hit.slug])
    except NoReverseMatch:
        return ""


@desk_required
@require_GET
@_contact_or_refuse
def find_articles(request: HttpRequest, contact: Contact) -> HttpResponse:
    """Knowledge-base search as the agent types (staff articles included). The query is
    also checked for emergency words."""
    query = request.GET.get("q", "")[:200].strip()
    hits = search_articles(query, language=get_language() or "en", audience="staff", limit=8) if query else []
    new: list[str] = []
    if query and contact.is_open:
        seen = find_emergency_phrases(query, services.active_emergency_phrases())
        if any(phrase not in contact.emergency_terms for phrase in seen):
            new = services.save_progress(contact=contact, agent=_user(request), typed=query)
    return page(request, "contacts/_articles.html", {
        "contact": contact, "query": query, "hits": [(hit, _article_url(hit)) for hit in hits],
        "new_phrases": new})


@desk_required
@require_POST
@_contact_or_refuse
def information_given(request: HttpRequest, contact: Contact) -> HttpResponse:
    raw_id = request.POST.get("article_id", "")
    title = request.POST.get("article_title", "").strip()
    if not raw_id.isdigit() or len(raw_id) > 12 or not title:
        return _problem(request, _("Choose the article the answer came from."))
    try:
        services.give_information(contact=contact, agent=_user(request), article_id=int(raw_id),
                                  article_title=title)
    except services.DeskRefused as refused:
        return _problem(request, str(refused), status=409)
    return page(request, "contacts/_information.html", {"contact": contact})


# ---------------------------------------------------------------- the request


@desk_required
@require_GET
@_contact_or_refuse
def find_services(request: HttpRequest, contact: Contact) -> HttpResponse:
    query = request.GET.get("service_q", "")
    chosen = _draft_service(contact)
    return page(request, "contacts/_services.html", {
        "contact": contact, "services": selectors.search_service_types(query), "chosen": chosen,
        "query": query[:100]})


@desk_required
@require_GET
@_contact_or_refuse
def questions(request: HttpRequest, contact: Contact) -> HttpResponse:
    raw = request.GET.get("service_type", "")
    service_type = None
    if raw.isdigit() and len(raw) < 12:
        service_type = ServiceType.objects.filter(pk=int(raw), active=True).first()
    return page(request, "contacts/_questions.html", {
        "contact": contact, "service_type": service_type, "questions": _questions(service_type),
        "answers": _answers(contact)})


@desk_required
@require_GET
@_contact_or_refuse
def find_addresses(request: HttpRequest, contact: Contact) -> HttpResponse:
    """Address autocomplete from the city's own address index."""
    query = request.GET.get("address", "")[:MAX_QUERY_LENGTH]
    matches = search_addresses(query, limit=8) if len(query.strip()) >= 2 else []
    return page(request, "contacts/_addresses.html", {"matches": matches, "query": query})


@desk_required
@require_POST
@_contact_or_refuse
def take_request(request: HttpRequest, contact: Contact) -> HttpResponse:
    """File the request: the fields and the service definition's answers are checked like
    an Open311 POST; every problem is listed and the draft keeps what was typed."""
    user = _user(request)
    if contact.is_open:
        services.save_progress(contact=contact, agent=user, draft={**contact.draft, **_draft_from(request)})
    form = RequestForm(request.POST)
    problems: list[str] = []
    answers: dict[str, Any] = {}
    service_type: ServiceType | None = None
    if form.is_valid():
        service_type = form.cleaned_data["service_type"]
        if service_type is None:
            problems.append(_("Choose the service type."))
        else:
            answers, answer_problems = check_answers(_questions(service_type), raw_answers(request.POST))
            problems += answer_problems
        if not form.cleaned_data["description"].strip():
            problems.append(_("Describe the problem in the caller's words."))
        if form.cleaned_data["lat"] is None and not form.cleaned_data["address"].strip():
            problems.append(_("A location is required: type the address or click the map."))
    else:
        problems += _form_problems(form)
    if problems:
        return page(request, "contacts/_request_result.html", {"problems": problems}, status=422)
    assert service_type is not None
    lat, long, address = form.cleaned_data["lat"], form.cleaned_data["long"], form.cleaned_data["address"]
    if lat is None:
        # An address typed without a click on the map: its point, if the index knows it.
        # The exact address, else the only indexed address it is the start of.
        known = locate_address(address)
        if known is None and address.strip():
            candidates = search_addresses(address[:MAX_QUERY_LENGTH], limit=2)
            known = candidates[0] if len(candidates) == 1 else None
        if known is not None:
            lat, long = known.lat, known.long
    try:
        created = services.take_request(
            contact=contact, agent=user, service_type=service_type, description=form.cleaned_data["description"],
            answers=answers, lat=lat, long=long, address=address,
        )
    except (services.DeskRefused, RequestRefused) as refused:
        return page(request, "contacts/_request_result.html", {"problems": [str(refused)]}, status=422)
    return page(request, "contacts/_request_result.html", {"created": created, "contact": contact})


# ---------------------------------------------------------------- closing


def _back_to_desk(request: HttpRequest) -> HttpResponse:
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("contacts:desk")
        return response
    return redirect("contacts:desk")


@desk_required
@require_POST
@_contact_or_refuse
def close(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = CloseForm(request.POST)
    if not form.is_valid():
        return page(request, "contacts/_problem.html", {"problems": _form_problems(form)}, status=422)
    outcome = form.cleaned_data["outcome"]
    try:
        if outcome == Contact.Outcome.REFERRED_911:
            services.save_progress(contact=contact, agent=_user(request), notes=form.cleaned_data["notes"])
            services.refer_to_911(contact=contact, agent=_user(request))
        else:
            services.close_contact(contact=contact, agent=_user(request), outcome=outcome,
                                   notes=form.cleaned_data["notes"])
    except services.DeskRefused as refused:
        return _problem(request, str(refused))
    messages.success(request, _("Contact closed: %(outcome)s.") % {"outcome": contact.get_outcome_display()})
    return _back_to_desk(request)


@desk_required
@require_POST
@_contact_or_refuse
def emergency(request: HttpRequest, contact: Contact) -> HttpResponse:
    """The agent's answer to the 911 prompt: transfer (the contact ends, referred to 911)
    or continue (the prompt is dismissed, and that is audited)."""
    choice = request.POST.get("choice", "")
    try:
        if choice == "transfer":
            services.refer_to_911(contact=contact, agent=_user(request))
            messages.warning(request, _("Contact closed: referred to 911."))
            return _back_to_desk(request)
        if choice == "dismiss":
            services.dismiss_emergency_prompt(contact=contact, agent=_user(request))
            return HttpResponse("")
    except services.DeskRefused as refused:
        return _problem(request, str(refused), status=409)
    return _problem(request, _("Choose to transfer the caller to 911 or to continue."), status=400)


# ---------------------------------------------------------------- metrics


def _period(form: PeriodForm) -> tuple[datetime, datetime]:
    zone = city_zone()
    today = timezone.localtime(timezone.now(), zone).date()
    start = form.cleaned_data.get("start") or today
    end = form.cleaned_data.get("end") or start
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


@role_required(METRICS_ROLES)
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Contact metrics for today, or the period asked for."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return page(request, "contacts/metrics.html", {"form": form, "metrics": None}, status=400)
    start, end = _period(form)
    return page(request, "contacts/metrics.html", {
        "form": form, "metrics": selectors.contact_metrics(start=start, end=end),
        "last_day": end - timedelta(days=1)})
