"""The staff pages' forms: the queue filters and the actions on a case. Choices are built
with one query each, so a page costs the same whatever the catalog's size."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civic311.cases.models import ServiceRequest, Status
from civic311.catalog.models import Department, Queue, ServiceType
from civic311.places.models import District

from .models import StaffProfile
from .selectors import DEFAULT_SORT, QueueFilters

SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("due", _("Due soonest")),
    ("updated", _("Recently updated")),
]
STATE_CHOICES = [("open", pgettext_lazy("cases", "Open")), ("closed", pgettext_lazy("cases", "Closed")),
                 ("all", _("Open and closed"))]
AGE_CHOICES = [
    ("", _("Any age")), ("1", _("Older than 1 day")), ("3", _("Older than 3 days")),
    ("7", _("Older than a week")), ("30", _("Older than 30 days")), ("90", _("Older than 90 days")),
]
SLA_CHOICES = [
    ("", _("Any SLA state")), ("on_track", _("On track")), ("at_risk", _("At risk")), ("breached", _("Breached")),
]
Choices = list[tuple[str, str | Promise]]
ANY: tuple[str, str | Promise] = ("", _("Any"))


def person_label(user: User) -> str:
    return user.get_full_name() or user.get_username()


def department_staff(department_ids: Iterable[int] | None) -> QuerySet[User]:
    """Active users who work in the departments (None: in any department)."""
    users = User.objects.filter(
        is_active=True, staff_profile__role__in=[StaffProfile.Role.DEPARTMENT_STAFF, StaffProfile.Role.SUPERVISOR]
    )
    if department_ids is not None:
        users = users.filter(staff_profile__department_id__in=list(department_ids))
    return users.order_by("first_name", "last_name", "username")


class IdChoiceField(forms.ChoiceField):
    """A choice among database rows, offered from a list built only when the form is
    rendered. Any well-formed value is accepted: an id or code that names nothing just
    matches no case (the cases are already limited to what the user may see)."""

    def __init__(self, *, pattern: str = r"^\d+$", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern = re.compile(pattern)

    def valid_value(self, value: str) -> bool:
        return bool(self.pattern.match(str(value)))


class QueueFilterForm(forms.Form):
    """The filters of a queue page (GET). Invalid values are reported and ignored. The
    lists of choices cost a query each and are loaded only when the form is shown."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Request id, address or words of the description"))
    state = forms.ChoiceField(label=_("Open or closed"), choices=STATE_CHOICES, required=False)
    status = IdChoiceField(label=_("Status"), required=False, pattern=r"^[-\w]+$")
    department = IdChoiceField(label=_("Department"), required=False)
    queue = IdChoiceField(label=_("Queue"), required=False)
    service_type = IdChoiceField(label=_("Service type"), required=False)
    neighborhood = IdChoiceField(label=_("Neighborhood"), required=False)
    age = forms.ChoiceField(label=_("Age"), choices=AGE_CHOICES, required=False)
    sla = forms.ChoiceField(label=_("SLA"), choices=SLA_CHOICES, required=False)
    assignee = IdChoiceField(label=_("Assignee"), required=False, pattern=r"^(\d+|me|none)$")
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, data: Any, *, department: Department | None, work_queue: Queue | None,
                 all_departments: bool, queues: Callable[[], list[Queue]],
                 people: Callable[[], list[User]]) -> None:
        super().__init__(data)
        self.fixed_department, self.fixed_queue = department, work_queue

        @cache  # a widget iterates its choices more than once
        def statuses() -> Choices:
            return [ANY, *Status.objects.values_list("code", "name")]

        @cache
        def departments() -> Choices:
            return [ANY, *((str(pk), name) for pk, name in Department.objects.values_list("pk", "name"))]

        @cache
        def queue_choices() -> Choices:
            return [ANY, *((str(q.pk), q.name) for q in queues())]

        @cache
        def service_types() -> Choices:
            types = ServiceType.objects.all()
            if department is not None:
                types = types.filter(department=department)
            return [ANY, *((str(pk), name) for pk, name in types.values_list("pk", "name"))]

        @cache
        def neighborhoods() -> Choices:
            rows = District.objects.filter(layer__is_neighborhoods=True).values_list("pk", "name")
            return [ANY, *((str(pk), name) for pk, name in rows)]

        @cache
        def assignees() -> Choices:
            return [ANY, ("me", _("Assigned to me")), ("none", _("Unassigned")),
                    *((str(u.pk), person_label(u)) for u in people())]

        self._offer("status", statuses)
        self._offer("service_type", service_types)
        self._offer("neighborhood", neighborhoods)
        self._offer("assignee", assignees)
        if department is None and all_departments:
            self._offer("department", departments)
        else:
            del self.fields["department"]
        if department is not None and work_queue is None:
            self._offer("queue", queue_choices)
        else:
            del self.fields["queue"]

    def _offer(self, name: str, choices: Callable[[], Choices]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> QueueFilters:
        """The valid filters (an invalid field counts as "any")."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def number(name: str) -> int | None:
            value = data.get(name) or ""
            return int(value) if value.isdigit() else None

        assignee = data.get("assignee") or None
        return QueueFilters(
            state=data.get("state") or "open",
            status=data.get("status") or None,
            department_id=self.fixed_department.pk if self.fixed_department else number("department"),
            queue_id=self.fixed_queue.pk if self.fixed_queue else number("queue"),
            service_type_id=number("service_type"),
            neighborhood_id=number("neighborhood"),
            older_than_days=number("age"),
            sla_state=data.get("sla") or None,
            assignee=int(assignee) if assignee and assignee.isdigit() else assignee,
            text=data.get("q") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )


# ---------------------------------------------------------------- actions on a case


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Shown with the change"))
    public = forms.BooleanField(label=_("Residents see this change and its note"), required=False, initial=True)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class AssignForm(forms.Form):
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none(), required=False,
                                   empty_label=_("(keep the queue)"))
    assignee = PersonChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False,
                                 empty_label=_("(nobody)"))

    def __init__(self, *args: Any, department: Department | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        queue_field, assignee_field = self.fields["queue"], self.fields["assignee"]
        assert isinstance(queue_field, forms.ModelChoiceField) and isinstance(assignee_field, forms.ModelChoiceField)
        if department is not None:
            queue_field.queryset = department.queues.filter(active=True)
            assignee_field.queryset = department_staff([department.pk])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("queue") and not data.get("assignee"):
            raise forms.ValidationError(_("Choose a queue, an assignee or both."))
        return data


def group_queues_by_department(field: forms.Field, empty_label: str) -> None:
    """Show a queue choice grouped by department (one <optgroup> each, queues by name):
    a city has hundreds of queues, and a flat list of them is unusable. The field still
    validates against its queryset."""
    assert isinstance(field, forms.ModelChoiceField)
    groups: dict[str, list[tuple[int, str]]] = {}
    assert field.queryset is not None
    rows = field.queryset.order_by("department__name", "name").values_list("pk", "name", "department__name")
    for pk, name, department in rows:
        groups.setdefault(department, []).append((pk, name))
    field.choices = [("", empty_label), *((name, options) for name, options in groups.items())]


class TransferForm(forms.Form):
    department = forms.ModelChoiceField(label=_("To department"), queryset=Department.objects.filter(active=True))
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.filter(active=True).select_related(
        "department"), required=False, empty_label=_("(the department's default)"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args: Any, current: Department | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_transfer_%s")
        super().__init__(*args, **kwargs)
        if current is not None:
            department_field = self.fields["department"]
            assert isinstance(department_field, forms.ModelChoiceField)
            department_field.queryset = Department.objects.filter(active=True).exclude(pk=current.pk)
        group_queues_by_department(self.fields["queue"], str(_("(the department's default)")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        department, queue = data.get("department"), data.get("queue")
        if department is not None and queue is not None and queue.department_id != department.pk:
            self.add_error("queue", _("This queue belongs to another department."))
        return data


class NoteForm(forms.Form):
    VISIBILITY = [("internal", _("Internal: staff only")), ("public", _("Public: residents see it"))]
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    visibility = forms.ChoiceField(label=_("Who sees it"), choices=VISIBILITY, initial="internal",
                                   widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_note_%s")
        super().__init__(*args, **kwargs)


class DuplicateForm(forms.Form):
    parent = forms.CharField(label=_("Duplicate of request id"), max_length=64)

    def clean_parent(self) -> ServiceRequest:
        public_id = self.cleaned_data["parent"].strip()
        parent = ServiceRequest.objects.filter(public_id=public_id).first()
        if parent is None:
            raise forms.ValidationError(_("No request has the id %(id)s."), params={"id": public_id})
        return parent


class NotDuplicateForm(forms.Form):
    candidate = forms.CharField(label=_("Not a duplicate of request id"), max_length=64)

    def clean_candidate(self) -> ServiceRequest:
        public_id = self.cleaned_data["candidate"].strip()
        candidate = ServiceRequest.objects.filter(public_id=public_id).first()
        if candidate is None:
            raise forms.ValidationError(_("No request has the id %(id)s."), params={"id": public_id})
        return candidate


class LinkWorkItemForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.filter(active=True))
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.filter(active=True).select_related(
        "department"), required=False, empty_label=_("(the department's default)"))
    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.filter(active=True),
                                          required=False, empty_label=_("(same as this case)"))
    description = forms.CharField(label=_("What the department should do"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)
        group_queues_by_department(self.fields["queue"], str(_("(the department's default)")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        department, queue = data.get("department"), data.get("queue")
        if department is not None and queue is not None and queue.department_id != department.pk:
            self.add_error("queue", _("This queue belongs to another department."))
        return data


class BulkForm(forms.Form):
    """The selection and the action of the queue page's bulk bar."""

    ACTIONS = [("assign", _("Assign")), ("close", _("Close"))]
    MAX_SELECTED = 200
    ids = forms.TypedMultipleChoiceField(coerce=int, label=_("Selected cases"))
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(label=_("Closing note"), required=False, max_length=1000)
    next = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any integer is a valid choice; which cases the user may touch is checked later.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        field = self.fields["ids"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean_ids(self) -> list[int]:
        ids: list[int] = self.cleaned_data["ids"]
        if len(ids) > self.MAX_SELECTED:
            raise forms.ValidationError(_("Select at most %(n)d cases at a time."), params={"n": self.MAX_SELECTED})
        return ids
