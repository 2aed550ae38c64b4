"""Departments, their work queues, the channels requests arrive by, the service catalog
(Open311 services and their definitions) and the calendars their SLA targets count in."""

import zoneinfo
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """A work queue inside a department (e.g. a district crew)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="queues")
    code = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["department", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="queue_code_per_dept")
        ]

    def __str__(self) -> str:
        return f"{self.department.code} / {self.name}"


class Channel(models.Model):
    """How a contact or request reached the city. Data, not code: a city adds its own."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessCalendar(models.Model):
    """The working week and the holidays a business-hours SLA counts in. The calendar
    flagged default serves every service type that names none; a department working
    other hours (a 24/7 water crew) gets a calendar of its own."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64, blank=True,
        help_text=_("IANA zone, e.g. America/New_York; empty means the jurisdiction's zone"),
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.time_zone:
            try:
                zoneinfo.ZoneInfo(self.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationError({"time_zone": _("Unknown time zone; use an IANA name such as "
                                                      "America/New_York.")}) from None


MIDNIGHT = time(0)
# The working week a new city starts with (Monday–Friday, 08:30–17:00: the hours Boston's
# 2015 SLA targets count in); cities edit it and add their holidays in the admin.
DEFAULT_CALENDAR_NAME = "Standard week"
DEFAULT_WORKING_HOURS = tuple((weekday, "08:30", "17:00") for weekday in range(5))


def ensure_default_calendar(calendar_model: Any = None, hours_model: Any = None) -> None:
    """Create the default business calendar unless the city has one (the models may be a
    migration's historical ones)."""
    calendar_model = calendar_model or BusinessCalendar
    hours_model = hours_model or WorkingHours
    if calendar_model.objects.filter(is_default=True).exists():
        return
    calendar, created = calendar_model.objects.get_or_create(
        name=DEFAULT_CALENDAR_NAME, defaults={"is_default": True}
    )
    if created:
        for weekday, opens, closes in DEFAULT_WORKING_HOURS:
            hours_model.objects.create(calendar=calendar, weekday=weekday, opens=opens, closes=closes)


class WorkingHours(models.Model):
    """One working period of a weekday (a day may have several, e.g. a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text=_("00:00 means midnight at the end of the day"))

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")) | models.Q(closes=MIDNIGHT),
                name="working_hours_close_after_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(models.Model):
    """A day the city does not work: business-hours SLAs skip it."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_a_day")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class ServiceType(models.Model):
    """An Open311 service: what a resident can ask for."""

    class Kind(models.TextChoices):
        REALTIME = "realtime", _("realtime")
        BATCH = "batch", _("batch")
        BLACKBOX = "blackbox", _("blackbox")

    class SlaKind(models.TextChoices):
        CALENDAR = "calendar", _("calendar hours")
        BUSINESS = "business", _("business hours")

    code = models.CharField(max_length=100, unique=True, help_text=_("Open311 service_code"))
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=200, blank=True, db_index=True)
    more_groups = models.CharField(
        max_length=500, blank=True,
        help_text=_("Other groups this service is also listed under, comma separated (Open311 clients such as "
                    "FixMyStreet show it in each)"),
    )
    keywords = models.CharField(max_length=500, blank=True, help_text=_("Comma separated"))
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REALTIME)
    active = models.BooleanField(default=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_types"
    )
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_types"
    )
    sla_hours = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("Target time to close, in hours (calendar or business hours, see SLA kind)"),
    )
    sla_kind = models.CharField(
        max_length=10, choices=SlaKind.choices, default=SlaKind.CALENDAR,
        help_text=_("Business hours count only inside the working hours of the SLA calendar, skipping "
                    "holidays: with a working day of 08:30–17:00, one working day is 8.5 hours."),
    )
    sla_calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_types",
        help_text=_("For business hours; empty means the default calendar"),
    )
    sla_warning_percent = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text=_("A case is at risk once this share of its allowed time is used; empty means the "
                    "city's default (75 %)"),
    )

    class Meta:
        ordering = ["group", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sla_warning_percent__isnull=True)
                | models.Q(sla_warning_percent__gte=1, sla_warning_percent__lte=99),
                name="sla_warning_percent_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def groups(self) -> list[str]:
        """Every group the service is listed under: its group first, then the others."""
        listed = [self.group.strip()] if self.group.strip() else []
        for name in self.more_groups.split(","):
            if name.strip() and name.strip() not in listed:
                listed.append(name.strip())
        return listed

    @property
    def has_definition(self) -> bool:
        """Open311's `metadata` flag: whether the service has attributes to answer."""
        return self.attributes.exists()


class ServiceAttribute(models.Model):
    """One question of a service definition."""

    class Datatype(models.TextChoices):
        STRING = "string", _("string")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("datetime")
        TEXT = "text", _("text")
        SINGLEVALUELIST = "singlevaluelist", _("single value list")
        MULTIVALUELIST = "multivaluelist", _("multi value list")

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(max_length=100)
    class Automated(models.TextChoices):
        NO = "", _("no: asked of the resident")
        SERVER_SET = "server_set", _("set by the reporting system, not shown")
        HIDDEN_FIELD = "hidden_field", _("a hidden field the reporting system fills in, e.g. from a map")

    variable = models.BooleanField(
        default=True, help_text=_("False for information shown to the resident, not asked")
    )
    automated = models.CharField(
        max_length=20, choices=Automated.choices, blank=True, default="",
        help_text=_("FixMyStreet's extension: an answer that the client system supplies itself. Civic311's own "
                    "forms do not ask it; Open311 clients still send it and it is still checked."),
    )
    datatype = models.CharField(max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    description = models.TextField(help_text=_("The question as shown to the resident"))
    datatype_description = models.CharField(max_length=300, blank=True)
    # [{"key": "...", "name": "..."}] for the list datatypes.
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["service_type", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["service_type", "code"], name="attribute_code_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.service_type.code}:{self.code}"
