"""Departments, their work queues, the channels requests arrive by, and the service catalog
(Open311 services and their definitions)."""

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


class ServiceType(models.Model):
    """An Open311 service: what a resident can ask for."""

    class Kind(models.TextChoices):
        REALTIME = "realtime", _("realtime")
        BATCH = "batch", _("batch")
        BLACKBOX = "blackbox", _("blackbox")

    code = models.CharField(max_length=100, unique=True, help_text=_("Open311 service_code"))
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=200, blank=True, db_index=True)
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
        help_text=_("Target time to close, in hours"),
    )

    class Meta:
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return self.name

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
    variable = models.BooleanField(
        default=True, help_text=_("False for information shown to the resident, not asked")
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
