"""The staff pages: log in, the department queue (list, map, bulk actions), the case page
with its actions, and the supervisors' SLA page. Views are thin: they check the role
(`access`), parse a form, call a `cases` service or a selector, and render. Every page
answers with a 403 page to a role that may not see it, and sends anonymous visitors to
the login page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic311.cases import duplicates, lifecycle
from civic311.cases import selectors as case_selectors
from civic311.cases import services as case_services
from civic311.cases.models import ServiceRequest, Status, SuggestedDuplicate
from civic311.catalog.models import Department, Queue
from civic311.contacts.models import RequestParty

from . import access, selectors
from .forms import (
    AssignForm,
    BulkForm,
    DuplicateForm,
    LinkWorkItemForm,
    NotDuplicateForm,
    NoteForm,
    QueueFilterForm,
    TransferForm,
    TransitionForm,
    department_staff,
)
from .selectors import MAP_POINT_LIMIT, QueueFilters

PER_PAGE = 50
# The channel recorded on status changes made in these pages: the city's own staff (a
# seeded channel; linked work items created here get it too).
STAFF_CHANNEL = "employee"

View = Callable[..., HttpResponseBase]


class Refused(Exception):
    """The user may not see or do this; the message says why, for them."""


def _user(request: HttpRequest) -> User:
    """The logged-in staff member (the views behind `staff_required` have one)."""
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return page(request, "staff/forbidden.html", {"message": message}, status=403)


def staff_required(view: View) -> View:
    """Send anonymous visitors to the login page and refuse users without a staff role;
    a view raising Refused answers with the 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if _is_htmx(request):
                # A fragment request after the session ended: load the login page whole.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
                return response
            return redirect_to_login(request.get_full_path())
        if not access.is_staff_member(request.user):
            return forbidden(request, _("Your account has no staff role. Ask an administrator to give you one."))
        try:
            return view(request, *args, **kwargs)
        except Refused as refused:
            return forbidden(request, str(refused))

    return wrapper


def page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """Render a staff page with what the header needs (the user's role and links)."""
    user = request.user
    context = {
        "staff_role": access.profile_of(user),
        **context,
    }
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- login


class StaffLoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True
    next_page = "staff:queue"


class StaffLogoutView(auth_views.LogoutView):
    next_page = "staff:login"


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("staff:queue")


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class Scope:
    """Which cases a queue page lists: a department, one of its queues, or (for roles that
    see every department) the whole city."""

    department: Department | None
    work_queue: Queue | None

    def url(self, suffix: str = "") -> str:
        if self.work_queue is not None and self.department is not None:
            return reverse("staff:work-queue" + suffix, args=[self.department.code, self.work_queue.code])
        if self.department is not None:
            return reverse("staff:department-queue" + suffix, args=[self.department.code])
        return reverse("staff:queue" + suffix)


def _scope(request: HttpRequest, department_code: str | None, queue_code: str | None) -> Scope:
    user = request.user
    if department_code is None:
        profile = access.profile_of(user)
        own = profile.department if profile is not None and access.department_id_of(user) is not None else None
        return Scope(own, None)
    found = get_object_or_404(Department, code=department_code)
    if not access.can_view_department(user, found):
        raise Refused(_("You can see only your own department's cases."))
    work_queue = get_object_or_404(Queue, department=found, code=queue_code) if queue_code is not None else None
    return Scope(found, work_queue)


@dataclass
class ScopeLists:
    """The queues and the people of a scope, loaded once however many widgets show them."""

    department: Department | None

    @cached_property
    def queues(self) -> list[Queue]:
        if self.department is None:
            return []
        return list(Queue.objects.filter(department=self.department, active=True).only("code", "name", "department"))

    @cached_property
    def people(self) -> list[User]:
        return list(department_staff([self.department.pk] if self.department is not None else None)
                    .only("username", "first_name", "last_name"))


def _filters(request: HttpRequest, scope: Scope,
             lists: ScopeLists | None = None) -> tuple[QueueFilterForm, QueueFilters]:
    lists = lists or ScopeLists(scope.department)
    form = QueueFilterForm(request.GET, department=scope.department, work_queue=scope.work_queue,
                           all_departments=access.sees_all_departments(request.user),
                           queues=lambda: lists.queues, people=lambda: lists.people)
    return form, form.filters()


@staff_required
@require_GET
def queue(request: HttpRequest, department_code: str | None = None, queue_code: str | None = None) -> HttpResponse:
    scope = _scope(request, department_code, queue_code)
    lists = ScopeLists(scope.department)
    form, filters = _filters(request, scope, lists)
    user = request.user
    current = selectors.queue_page(access.visible_requests(user), filters, user_id=user.pk,
                                   page=request.GET.get("page"), per_page=PER_PAGE)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("view", None)
    bulk_lists = lists
    if scope.department is None and filters.department_id is not None:
        bulk_lists = ScopeLists(Department.objects.filter(pk=filters.department_id).first())
    can_bulk = bulk_lists.department is not None and access.can_reassign(user, bulk_lists.department)
    context = {
        "scope": scope,
        "form": form,
        "filters": filters,
        "page_obj": current,
        "rows": current.rows,
        "query": params.urlencode(),
        "view": "map" if request.GET.get("view") == "map" else "list",
        "points_url": scope.url("-points") + ("?" + params.urlencode() if params else ""),
        "map_limit": MAP_POINT_LIMIT,
        "queues": lists.queues,
        "can_bulk": can_bulk,
        "bulk_queues": bulk_lists.queues if can_bulk else [],
        "bulk_people": bulk_lists.people if can_bulk else [],
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "results":
        return page(request, "staff/_queue_results.html", context)
    return page(request, "staff/queue.html", context)


@staff_required
@require_GET
def queue_map_points(request: HttpRequest, department_code: str | None = None,
                     queue_code: str | None = None) -> JsonResponse:
    """The filtered cases with a location, as GeoJSON points for the map (capped)."""
    scope = _scope(request, department_code, queue_code)
    _form, filters = _filters(request, scope)
    features, truncated = selectors.queue_points(access.visible_requests(request.user), filters,
                                                 user_id=request.user.pk)
    return JsonResponse({"type": "FeatureCollection", "features": features, "truncated": truncated,
                         "limit": MAP_POINT_LIMIT})


@staff_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign or close the selected cases (one department's, by a supervisor or an
    administrator)."""
    form = BulkForm(request.POST)
    back = request.POST.get("next") or reverse("staff:queue")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("staff:queue")
    if not form.is_valid():
        return _bulk_answer(request, back, error=_("Select at least one case and an action."))
    ids: list[int] = form.cleaned_data["ids"]
    selected = list(access.visible_requests(request.user).filter(pk__in=ids).select_related("department"))
    if len(selected) != len(set(ids)):
        raise Refused(_("Some of the selected cases are not yours to change."))
    departments = {r.department_id: r.department for r in selected}
    if not all(access.can_reassign(request.user, d) for d in departments.values()):
        raise Refused(_("Only a supervisor of the department can act on many cases at once."))
    if form.cleaned_data["action"] == "assign":
        if len(departments) != 1 or None in departments:
            return _bulk_answer(request, back, error=_("Assign the cases of one department at a time."))
        assign_form = AssignForm(request.POST, department=next(iter(departments.values())))
        if not assign_form.is_valid():
            return _bulk_answer(request, back, error=" ".join(_errors(assign_form)))
        try:
            count = case_services.bulk_assign(selected, queue=assign_form.cleaned_data["queue"],
                                              assignee=assign_form.cleaned_data["assignee"], actor=request.user)
        except ValueError as error:
            return _bulk_answer(request, back, error=str(error))
        return _bulk_answer(request, back, done=_("Assigned %(n)d of %(total)d selected cases.")
                            % {"n": count, "total": len(selected)})
    count, problems = case_services.bulk_transition(selected, "closed", actor=request.user,
                                                    note=form.cleaned_data["note"])
    return _bulk_answer(request, back, done=_("Closed %(n)d of %(total)d selected cases.")
                        % {"n": count, "total": len(selected)}, problems=problems)


def _errors(form: Form) -> list[str]:
    return [str(message) for messages_ in form.errors.values() for message in messages_]


def _bulk_answer(request: HttpRequest, back: str, *, done: str = "", error: str = "",
                 problems: list[str] | None = None) -> HttpResponse:
    if _is_htmx(request):
        response = page(request, "staff/_bulk_result.html",
                        {"done": done, "error": error, "problems": problems or []},
                        status=422 if error else 200)
        if done:
            response["HX-Trigger"] = "queue-changed"
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
        for problem in problems or []:
            messages.warning(request, problem)
    return redirect(back)


# ---------------------------------------------------------------- the case page


def _case(request: HttpRequest, public_id: str) -> ServiceRequest:
    case = get_object_or_404(
        ServiceRequest.objects.select_related(
            "service_type", "detailed_status", "neighborhood", "channel", "department", "queue", "assignee",
            "duplicate_of", "parent", "parent__department", "parent__detailed_status",
        ).defer("neighborhood__geometry"),
        public_id=public_id,
    )
    if not access.can_view_request(request.user, case):
        raise Refused(_("This case belongs to another department."))
    return case


def _allowed_statuses(case: ServiceRequest) -> list[Status]:
    codes = lifecycle.allowed_targets(case.detailed_status.code)
    return list(Status.objects.filter(code__in=codes))


@dataclass(frozen=True)
class Suggestion:
    """A possible duplicate as the case page shows it: kept at intake, or found now."""

    candidate: ServiceRequest
    score: float
    reasons: list[str]
    at_intake: bool


def _suggestions(case: ServiceRequest, known: set[int], limit: int = 5) -> list[Suggestion]:
    """The suggestions found when the case came in and not decided yet, then, up to
    `limit`, those found now (requests filed since, or a case that came in without the
    intake check, e.g. imported); never one staff said is not a duplicate."""
    kept = [Suggestion(s.candidate, s.score, list(s.reasons), True)
            for s in case_selectors.pending_duplicate_suggestions(case) if s.candidate_id not in known][:limit]
    decided = set(SuggestedDuplicate.objects.filter(request=case).values_list("candidate_id", flat=True))
    if len(kept) < limit:
        skip = known | decided | {case.pk}
        found = duplicates.suggest_duplicates(
            service_type=case.service_type, lat=case.lat, long=case.long, requested_at=case.requested_at,
            description=case.description, limit=limit + len(skip), exclude_id=case.pk,
        )
        kept += [Suggestion(s.request, s.score, list(s.reasons), False)
                 for s in found if s.request.pk not in skip][: limit - len(kept)]
    return kept


def _case_context(request: HttpRequest, case: ServiceRequest, bound: dict[str, Form] | None = None,
                  *, done: str = "", error: str = "") -> dict[str, Any]:
    user = request.user
    works = access.can_work(user, case)
    reassigns = access.can_reassign(user, case.department)
    allowed = _allowed_statuses(case) if works else []
    forms: dict[str, Form] = {}
    if works:
        forms["transition"] = TransitionForm(choices=[(s.code, s.name) for s in allowed])
        forms["transfer"] = TransferForm(current=case.department)
        forms["duplicate"] = DuplicateForm()
        forms["link"] = LinkWorkItemForm()
    if reassigns:
        forms["assign"] = AssignForm(department=case.department, initial={"queue": case.queue_id,
                                                                           "assignee": case.assignee_id})
    if access.can_add_note(user, case):
        forms["note"] = NoteForm()
    forms.update(bound or {})
    reporters = (
        list(RequestParty.objects.filter(request=case, role=RequestParty.Role.REPORTER).select_related("constituent"))
        if access.can_view_reporter(user, case) else None
    )
    related = ServiceRequest.objects.select_related("department", "detailed_status", "service_type").only(
        "public_id", "status", "requested_at", "department__name", "detailed_status__name", "service_type__name",
    )
    # Sorted here, not by the database: with ORDER BY requested_at, SQLite walks that index
    # over every request instead of looking up the few that point at this one.
    duplicates_of_case = (sorted(related.filter(duplicate_of=case), key=lambda r: r.requested_at)
                          if case.duplicate_count else [])
    family_root = case.parent_id or case.pk
    work_items = sorted(related.filter(parent_id=family_root).exclude(pk=case.pk), key=lambda r: r.requested_at)
    suggestions: list[Suggestion] = []
    if works and case.status == Status.Open311.OPEN and case.duplicate_of_id is None:
        suggestions = _suggestions(case, {d.pk for d in duplicates_of_case})
    return {
        "case": case,
        "can_work": works,
        "can_reassign": reassigns,
        "can_take": access.can_take(user, case) and case.assignee_id != user.pk,
        "can_note": "note" in forms,
        "allowed_statuses": allowed,
        "forms": forms,
        "reporters": reporters,
        "attachments": list(case.attachments.all()),
        "timeline": selectors.timeline(case),
        "duplicates": duplicates_of_case,
        "suggestions": suggestions,
        "work_items": work_items,
        "done": done,
        "error": error,
    }


@staff_required
@require_GET
def request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _case(request, public_id)
    return page(request, "staff/request.html", _case_context(request, case))


@dataclass
class Outcome:
    """What an action did: a message for the user, or the form that failed and why."""

    done: str = ""
    error: str = ""
    form_name: str = ""
    form: Form | None = None
    left_scope: bool = False  # the user may no longer see the case (transferred away)


def _transition(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_work(request.user, case):
        raise Refused(_("Only the case's department can change its status."))
    statuses = list(Status.objects.values_list("code", "name"))
    form = TransitionForm(request.POST, choices=statuses)
    if not form.is_valid():
        return Outcome(error=_("Choose the new status."), form_name="transition", form=form)
    try:
        lifecycle.transition(case, form.cleaned_data["to_status"], actor=request.user, channel=STAFF_CHANNEL,
                             note=form.cleaned_data["note"], public=form.cleaned_data["public"])
    except lifecycle.InvalidTransition as invalid:
        form.add_error("to_status", str(invalid))
        return Outcome(error=str(invalid), form_name="transition", form=form)
    name = _(dict(statuses)[form.cleaned_data["to_status"]])  # a seeded name is in the catalog
    return Outcome(done=_("Status changed to %(status)s.") % {"status": name})


def _assign(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_reassign(request.user, case.department):
        raise Refused(_("Only a supervisor of the department can reassign its cases."))
    form = AssignForm(request.POST, department=case.department)
    if not form.is_valid():
        return Outcome(error=" ".join(_errors(form)), form_name="assign", form=form)
    try:
        case_services.assign(case, queue=form.cleaned_data["queue"], assignee=form.cleaned_data["assignee"],
                             actor=request.user)
    except ValueError as error:
        return Outcome(error=str(error), form_name="assign", form=form)
    return Outcome(done=_("Assignment saved."))


def _take(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_take(request.user, case):
        raise Refused(_("Only the case's department can take it."))
    try:
        case_services.assign(case, assignee=_user(request), actor=request.user)
    except ValueError as error:
        return Outcome(error=str(error))
    return Outcome(done=_("The case is assigned to you."))


def _transfer(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_work(request.user, case):
        raise Refused(_("Only the case's department can transfer it."))
    form = TransferForm(request.POST, current=case.department)
    if not form.is_valid():
        return Outcome(error=" ".join(_errors(form)), form_name="transfer", form=form)
    department = form.cleaned_data["department"]
    try:
        case_services.transfer(case, department=department, queue=form.cleaned_data["queue"],
                               reason=form.cleaned_data["reason"], actor=request.user)
    except ValueError as error:
        return Outcome(error=str(error), form_name="transfer", form=form)
    case.refresh_from_db()
    return Outcome(done=_("Transferred to %(department)s.") % {"department": department.name},
                   left_scope=not access.can_view_request(request.user, case))


def _note(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_add_note(request.user, case):
        raise Refused(_("You may not add notes to this case."))
    form = NoteForm(request.POST)
    if not form.is_valid():
        return Outcome(error=_("Write the note first."), form_name="note", form=form)
    public = form.cleaned_data["visibility"] == "public"
    try:
        case_services.add_note(case, text=form.cleaned_data["text"], public=public, actor=request.user)
    except ValueError as error:
        return Outcome(error=str(error), form_name="note", form=form)
    return Outcome(done=_("Public note added.") if public else _("Internal note added."))


def _duplicate(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_work(request.user, case):
        raise Refused(_("Only the case's department can mark it as a duplicate."))
    form = DuplicateForm(request.POST)
    if not form.is_valid():
        return Outcome(error=" ".join(_errors(form)), form_name="duplicate", form=form)
    parent: ServiceRequest = form.cleaned_data["parent"]
    try:
        case_services.mark_duplicate(case, parent=parent, actor=request.user)
    except ValueError as error:
        form.add_error("parent", str(error))
        return Outcome(error=str(error), form_name="duplicate", form=form)
    return Outcome(done=_("Marked as a duplicate of %(id)s.") % {"id": parent.public_id})


def _not_duplicate(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_work(request.user, case):
        raise Refused(_("Only the case's department can decide on its duplicates."))
    form = NotDuplicateForm(request.POST)
    if not form.is_valid():
        return Outcome(error=" ".join(_errors(form)))
    candidate: ServiceRequest = form.cleaned_data["candidate"]
    try:
        case_services.dismiss_duplicate(case, candidate=candidate, actor=request.user)
    except ValueError as error:
        return Outcome(error=str(error))
    return Outcome(done=_("%(id)s will no longer be suggested as a duplicate of this case.")
                   % {"id": candidate.public_id})


def _link(request: HttpRequest, case: ServiceRequest) -> Outcome:
    if not access.can_work(request.user, case):
        raise Refused(_("Only the case's department can add linked work."))
    form = LinkWorkItemForm(request.POST)
    if not form.is_valid():
        return Outcome(error=" ".join(_errors(form)), form_name="link", form=form)
    try:
        item = case_services.link_work_item(
            case, department=form.cleaned_data["department"], queue=form.cleaned_data["queue"],
            service_type=form.cleaned_data["service_type"], description=form.cleaned_data["description"],
            actor=request.user,
        )
    except ValueError as error:
        return Outcome(error=str(error), form_name="link", form=form)
    return Outcome(done=_("Work item %(id)s created for %(department)s.")
                   % {"id": item.public_id, "department": form.cleaned_data["department"].name})


ACTIONS: dict[str, Callable[[HttpRequest, ServiceRequest], Outcome]] = {
    "transition": _transition,
    "assign": _assign,
    "take": _take,
    "transfer": _transfer,
    "note": _note,
    "duplicate": _duplicate,
    "not-duplicate": _not_duplicate,
    "link": _link,
}
ACTION_NAMES = {
    "transition": gettext_lazy("change the status"), "assign": gettext_lazy("assign"),
    "take": gettext_lazy("take the case"), "transfer": gettext_lazy("transfer"),
    "note": gettext_lazy("add the note"), "duplicate": gettext_lazy("mark as duplicate"),
    "not-duplicate": gettext_lazy("record that it is not a duplicate"),
    "link": gettext_lazy("add linked work"),
}


@staff_required
@require_http_methods(["POST"])
def request_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """One action of the case page. With htmx the case body comes back to be swapped in;
    without, the browser is redirected to the case page (or shown the error)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("no such action")
    case = _case(request, public_id)
    outcome = handler(request, case)
    if outcome.left_scope:
        messages.success(request, outcome.done)
        target = reverse("staff:queue")
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    if outcome.error:
        bound = {outcome.form_name: outcome.form} if outcome.form is not None else {}
        message = _("Could not %(action)s: %(reason)s") % {"action": ACTION_NAMES[action], "reason": outcome.error}
        context = _case_context(request, _case(request, public_id), bound, error=message)
        template = "staff/_case_body.html" if _is_htmx(request) else "staff/request.html"
        return page(request, template, context, status=422)
    if _is_htmx(request):
        return page(request, "staff/_case_body.html", _case_context(request, _case(request, public_id),
                                                                    done=outcome.done))
    messages.success(request, outcome.done)
    return redirect("staff:request", public_id=public_id)


# ---------------------------------------------------------------- SLAs


@staff_required
@require_GET
def sla(request: HttpRequest) -> HttpResponse:
    """At-risk and breached counts per queue and the breached cases: a supervisor's own
    department, any department for administrators."""
    user = request.user
    if not access.can_view_sla(user):
        raise Refused(_("The SLA page is for supervisors and administrators."))
    requests: QuerySet[ServiceRequest] = access.visible_requests(user)
    department: Department | None = None
    own = access.department_id_of(user)
    profile = access.profile_of(user)
    if own is not None and profile is not None:
        department = profile.department
    elif request.GET.get("department"):
        department = Department.objects.filter(code=request.GET["department"]).first()
    if department is not None:
        requests = requests.filter(department=department)
    per_queue = selectors.sla_by_queue(requests)
    totals = {
        "open": sum(q.open for q in per_queue),
        "at_risk": sum(q.at_risk for q in per_queue),
        "breached": sum(q.breached for q in per_queue),
    }
    breached = selectors.queue_page(requests, QueueFilters(sla_state="breached", sort="due"), user_id=user.pk,
                                    page=request.GET.get("page"), per_page=PER_PAGE, count=totals["breached"])
    departments = list(Department.objects.values_list("code", "name")) if own is None else []
    query = urlencode({"department": department.code}) if department is not None and own is None else ""
    return page(request, "staff/sla.html", {
        "department": department, "per_queue": per_queue, "totals": totals, "page_obj": breached,
        "rows": breached.rows, "departments": departments, "query": query,
    })
