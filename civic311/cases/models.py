"""Service requests, their detailed statuses, updates and attachments, and the rules that
route them and watch their SLAs. No personal data lives here: who reported or follows a
request is kept in `contacts` (staff users appear only as assignees and authors)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Channel, Department, Queue, ServiceType
from civic311.places.models import District


class Status(models.Model):
    """A detailed status (new, acknowledged, ...), mapped to Open311's open/closed.
    Data, not code: a city can add its own."""

    class Open311(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    open311_status = models.CharField(max_length=6, choices=Open311.choices)
    order = models.PositiveSmallIntegerField(default=0)
    pauses_sla = models.BooleanField(
        default=False, help_text=_("The SLA clock stops while a request is in this status (e.g. on hold)")
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "statuses"

    def __str__(self) -> str:
        return self.name


class StatusTransition(models.Model):
    """A move between detailed statuses that a city allows on top of the built-in ones
    (`cases.lifecycle.ALLOWED`), typically to and from statuses of its own."""

    from_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="transitions_out")
    to_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="transitions_in")

    class Meta:
        ordering = ["from_status", "to_status"]
        constraints = [
            models.UniqueConstraint(fields=["from_status", "to_status"], name="one_transition_per_pair"),
            models.CheckConstraint(condition=~models.Q(from_status=models.F("to_status")),
                                   name="transition_changes_status"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class RoutingRule(models.Model):
    """Where requests go: a service type (or a whole group) × a district of any layer × a
    time window → a department and queue. Rules are tried by ascending priority (the most
    specific first among equals); the first that matches decides. Requests no rule
    matches go to their service type's department and queue."""

    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    priority = models.IntegerField(default=100, help_text=_("Lower numbers are tried first"))
    service_type = models.ForeignKey(
        ServiceType, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules",
        help_text=_("Empty: any service type (or the group below)"),
    )
    service_group = models.CharField(
        max_length=200, blank=True, help_text=_("Match every service type of this group (when no type is set)")
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="routing_rules",
        help_text=_("A neighborhood or a district of any other layer; empty: everywhere"),
    )
    weekdays = models.CharField(
        max_length=13, blank=True,
        help_text=_("Comma separated weekday numbers, Monday = 0; empty: every day"),
    )
    starts_at = models.TimeField(null=True, blank=True, help_text=_("Local time; a window may run past midnight"))
    ends_at = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text=_("Inclusive"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="routing_rules")
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="routing_rules")

    class Meta:
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["active", "priority"])]

    def __str__(self) -> str:
        return self.name

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays.split(",") if d.strip().isdigit())

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.queue is not None and self.department_id is not None and self.queue.department_id != self.department_id:
            errors["queue"] = _("This queue belongs to another department.")
        if (self.starts_at is None) != (self.ends_at is None):
            errors["ends_at"] = _("Give both the start and the end of the time window, or neither.")
        if any(not d.strip().isdigit() or int(d) > 6 for d in self.weekdays.split(",") if d.strip()):
            errors["weekdays"] = _("Use weekday numbers 0 (Monday) to 6 (Sunday), separated by commas.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date is before the start date.")
        if self.service_type_id is not None and self.service_group:
            errors["service_group"] = _("Choose a service type or a group, not both.")
        if errors:
            raise ValidationError(errors)


# The grid of ServiceRequest.geocell: 1/400 degree (about 280 m north–south). The cell of a
# point is CAST(lat × 400) × GEOCELL_ROW + CAST(long × 400); PostgreSQL's CAST rounds and
# SQLite's truncates, so readers look one cell further on every side.
GEOCELLS_PER_DEGREE = 400
GEOCELL_ROW = 1_000_000


class ServiceRequest(models.Model):
    class SlaState(models.TextChoices):
        ON_TRACK = "on_track", _("on track")
        AT_RISK = "at_risk", _("at risk")
        BREACHED = "breached", _("breached")

    public_id = models.CharField(max_length=64, unique=True, help_text=_("Open311 service_request_id"))
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The foreign keys whose own index would repeat the first column of a composite index
    # (Meta) have none: every insert maintains each index, and these four added nothing.
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="requests",
                                     db_index=False)
    status = models.CharField(max_length=6, choices=Status.Open311.choices, default="open")
    detailed_status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="+")
    status_notes = models.TextField(blank=True, help_text=_("Public explanation of the status"))
    description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    zipcode = models.CharField(max_length=10, blank=True)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    # A coarse grid cell of the point (cases.duplicates): with requested_at, an index that
    # finds the requests near a point in a recent window without scanning the window.
    geocell = models.GeneratedField(
        expression=(Cast(F("lat") * GEOCELLS_PER_DEGREE, models.BigIntegerField()) * GEOCELL_ROW
                    + Cast(F("long") * GEOCELLS_PER_DEGREE, models.BigIntegerField())),
        output_field=models.BigIntegerField(), db_persist=True,
    )
    neighborhood = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests", db_index=False
    )
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_requests"
    )
    routing_rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests",
        help_text=_("The rule that routed the request at intake; empty: the service type's default"),
    )
    # A duplicate is closed and points at the request that stays open for the problem.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates",
        db_index=False,  # a partial index (Meta) holds only the few rows that point somewhere
    )
    # Linked work: one problem worked by several departments, each with its own request
    # (work item) pointing at the shared parent. Not a duplicate: every item is worked.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="work_items",
        db_index=False,  # a partial index (Meta), as duplicate_of
    )
    # How many duplicates point here; kept by cases.services.mark_duplicate and reopen.
    duplicate_count = models.PositiveIntegerField(default=0, db_default=0)
    sla_state = models.CharField(
        max_length=10, choices=SlaState.choices, default=SlaState.ON_TRACK, db_default=SlaState.ON_TRACK
    )
    # When the case will be at risk (a share of its allowed time used), set with expected_at.
    sla_warn_at = models.DateTimeField(null=True, blank=True)
    # Set while the request is in a status that stops the SLA clock (on hold); on leaving
    # it the expected date and the at-risk moment move by the paused time (cases.sla).
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(
        default=0, db_default=0, help_text=_("SLA time paused so far (business seconds for business-hours targets)")
    )
    agency_responsible = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text=_("Answers, by attribute code"))
    # Provenance of imported records; source_hash lets a re-import skip unchanged rows.
    source_system = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    source_hash = models.CharField(max_length=32, blank=True)
    source_neighborhood = models.CharField(max_length=200, blank=True)
    source_channel = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["requested_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["status", "requested_at"]),
            models.Index(fields=["service_type", "requested_at"]),
            models.Index(fields=["neighborhood", "requested_at"]),
            models.Index(fields=["geocell", "requested_at"], name="request_geocell_time"),
            # The staff queues: a department's or a queue's open cases, newest first, the id
            # breaking ties as the pages sort (deep pages walk the index, no sort).
            models.Index(fields=["department", "status", "requested_at", "id"], name="request_dept_status_time_id"),
            models.Index(fields=["queue", "status", "requested_at", "id"], name="request_queue_status_time_id"),
            # The SLA filter of a department's queue and the SLA page's counts.
            models.Index(fields=["department", "status", "sla_state"], name="request_dept_status_sla"),
            models.Index(fields=["sla_state", "status"], name="request_sla_state"),
            # Few requests are duplicates or work items: only those rows are indexed.
            models.Index(fields=["duplicate_of"], name="request_duplicate_of",
                         condition=models.Q(duplicate_of__isnull=False)),
            models.Index(fields=["parent"], name="request_parent",
                         condition=models.Q(parent__isnull=False)),
            # On PostgreSQL the queue's text search has trigram indexes (migration
            # 0009_queue_indexes, created there only).
            # The SLA job and the "due first" sort look only at open cases.
            models.Index(fields=["expected_at"], name="request_open_due",
                         condition=models.Q(status="open")),
            models.Index(fields=["sla_warn_at"], name="request_open_warn",
                         condition=models.Q(status="open")),
        ]

    def __str__(self) -> str:
        return self.public_id


class RequestUpdate(models.Model):
    """A status change or a note; public ones are shown to residents and Open311 clients."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="updates")
    created_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_label = models.CharField(max_length=150, blank=True)
    status_from = models.ForeignKey(
        Status, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_to = models.ForeignKey(
        Status, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    # A photo or document that came with the update (e.g. an Open311 update's media_url).
    media_url = models.URLField(max_length=2000, blank=True)
    # Id given by an external system (e.g. an Open311 update_id), for idempotent writes.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.request.public_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class SuggestedDuplicate(models.Model):
    """A likely duplicate found when a request came in (`cases.duplicates`), kept so that
    staff see it on the case page and decide: the request is a duplicate of the candidate
    (confirmed) or not (rejected). Decisions also measure the suggestions."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("not decided")
        CONFIRMED = "confirmed", _("duplicate")
        REJECTED = "rejected", _("not a duplicate")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="suggested_duplicates")
    candidate = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text=_("0 to 1, higher is likelier"))
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "candidate"], name="one_suggestion_per_pair"),
            models.CheckConstraint(condition=~models.Q(request=models.F("candidate")),
                                   name="suggestion_is_another_request"),
        ]
        indexes = [models.Index(fields=["decision", "created_at"], name="suggestion_decision_time")]

    def __str__(self) -> str:
        return f"{self.request_id} ~ {self.candidate_id} ({self.score:.2f})"


class Transfer(models.Model):
    """A request sent from one department to another, with the reason: misroutes are counted."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="transfers")
    created_at = models.DateTimeField()
    from_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers_out"
    )
    from_queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="transfers_in")
    to_queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The rule that routed the request, if it went out by a rule: where misroutes come from.
    routing_rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["from_department", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_department_id} → {self.to_department_id}"


class EscalationRule(models.Model):
    """Breached for long enough → tell a role (e.g. two days → the department head)."""

    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", _("supervisor")
        DEPARTMENT_HEAD = "department_head", _("department head")

    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    breached_for_hours = models.DecimalField(max_digits=8, decimal_places=2,
                                             help_text=_("Calendar hours past the expected date"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE,
                                   help_text=_("Empty: every department"))
    service_type = models.ForeignKey(ServiceType, null=True, blank=True, on_delete=models.CASCADE,
                                     help_text=_("Empty: every service type"))
    notify_role = models.CharField(max_length=20, choices=Role.choices, default=Role.DEPARTMENT_HEAD)

    class Meta:
        ordering = ["breached_for_hours", "id"]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """An escalation rule fired for a request (once: the row makes the job idempotent)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="escalations")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="escalations")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "rule"], name="one_escalation_per_rule")]

    def __str__(self) -> str:
        return f"{self.request_id} / {self.rule_id}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="requests/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_public = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
