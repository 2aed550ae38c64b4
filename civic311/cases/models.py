"""Service requests, their detailed statuses, updates and attachments. No personal data
lives here: who reported or follows a request is kept in `contacts`."""

from django.conf import settings
from django.db import models
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

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "statuses"

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    public_id = models.CharField(max_length=64, unique=True, help_text=_("Open311 service_request_id"))
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=6, choices=Status.Open311.choices, default="open")
    detailed_status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="+")
    status_notes = models.TextField(blank=True, help_text=_("Public explanation of the status"))
    description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    zipcode = models.CharField(max_length=10, blank=True)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    neighborhood = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL)
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
            models.Index(fields=["department", "status"]),
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
    # Id given by an external system (e.g. an Open311 update_id), for idempotent writes.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.request.public_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="requests/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_public = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
