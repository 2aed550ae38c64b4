"""Rollups of service requests for the trends pages: counts by district × service type ×
local day, kept up to date as requests arrive and change (`rollups.py`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import ServiceType
from civic311.places.models import District, DistrictLayer

# Upper bounds (hours) of the time-to-close histogram; the last bucket is open-ended.
# Fine at the short end where response times are compared, coarse where only "weeks"
# matters. A median is read by interpolating inside its bucket (`rollups.median_hours`).
CLOSE_BUCKET_HOURS = (1, 4, 12, 24, 48, 96, 168, 336, 720, 1440, 2880)
CLOSE_BUCKETS = len(CLOSE_BUCKET_HOURS) + 1
BUCKET_FIELDS = tuple(f"close_h{i}" for i in range(CLOSE_BUCKETS))


class DailyCount(models.Model):
    """Requests of one service type opened and closed on one local day in one district
    (a district of any layer), or city-wide when `district` is empty. Week and month
    figures are sums of days; `close_seconds` and the histogram describe the requests
    closed that day (time from request to close)."""

    layer = models.ForeignKey(DistrictLayer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    opened = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    close_seconds = models.BigIntegerField(default=0)
    close_h0 = models.IntegerField(default=0)
    close_h1 = models.IntegerField(default=0)
    close_h2 = models.IntegerField(default=0)
    close_h3 = models.IntegerField(default=0)
    close_h4 = models.IntegerField(default=0)
    close_h5 = models.IntegerField(default=0)
    close_h6 = models.IntegerField(default=0)
    close_h7 = models.IntegerField(default=0)
    close_h8 = models.IntegerField(default=0)
    close_h9 = models.IntegerField(default=0)
    close_h10 = models.IntegerField(default=0)
    close_h11 = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "service_type", "day"], name="insight_daily_per_district",
                                    condition=models.Q(district__isnull=False)),
            models.UniqueConstraint(fields=["service_type", "day"], name="insight_daily_citywide",
                                    condition=models.Q(district__isnull=True)),
        ]
        indexes = [
            models.Index(fields=["layer", "day"], name="insight_daily_layer_day"),
            models.Index(fields=["day"], name="insight_daily_city_day", condition=models.Q(district__isnull=True)),
        ]
        verbose_name = _("daily count")

    def __str__(self) -> str:
        return f"{self.day} {self.service_type_id} {self.district_id or 'city'}"


class RequestContribution(models.Model):
    """What one request currently adds to the daily counts, so that a change subtracts
    exactly what was added before (no recount). Keyed by the request's id, without a
    foreign key: the row outlives a deleted request until its counts are taken back."""

    request_id = models.BigIntegerField(primary_key=True)
    service_type_id = models.BigIntegerField()
    opened_day = models.DateField()
    closed_day = models.DateField(null=True, blank=True)
    close_seconds = models.BigIntegerField(null=True, blank=True)
    district_ids = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"request {self.request_id}"


class Alert(models.Model):
    """An early warning: an emerging cluster (space-time scan) or an unusual series (EWMA)
    of one service type in some neighborhoods, or a troubled neighborhood (the weekly
    cross-department hot spot of several types; no single service type), with the requests
    behind it. A finding repeated on the following runs updates its alert (one per episode)."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Emerging cluster")
        SERIES = "series", _("Unusual count")
        TROUBLED = "troubled", _("Troubled neighborhood")

    class State(models.TextChoices):
        OPEN = "open", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        ACTED = "acted", _("Real problem, acted on")
        KNOWN = "known", _("Real, already known or handled")
        NOT_ACTIONABLE = "not_actionable", _("Real, nothing to do")
        FALSE_ALARM = "false_alarm", _("False alarm")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    service_type = models.ForeignKey(ServiceType, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                     help_text=_("Empty for a troubled neighborhood (several types)"))
    districts = models.ManyToManyField(District, related_name="+")
    departments = models.ManyToManyField("catalog.Department", related_name="+",
                                         help_text=_("The departments that see the alert"))
    first_detected_on = models.DateField()
    last_detected_on = models.DateField()
    window_start = models.DateField(help_text=_("First day of the cluster's window"))
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    recurrence_interval_days = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    statistics = models.JSONField(default=dict, blank=True)
    evidence = models.ManyToManyField("cases.ServiceRequest", related_name="+", blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_detected_on", "-pk"]
        indexes = [
            models.Index(fields=["service_type", "kind", "last_detected_on"], name="insight_alert_episode"),
            models.Index(fields=["state", "last_detected_on"], name="insight_alert_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    @property
    def relative_risk(self) -> float | None:
        return self.observed / self.expected if self.expected > 0 else None

    @property
    def subject(self) -> str:
        """What the alert is about: its service type, or the types behind a troubled neighborhood."""
        if self.service_type is not None:
            return self.service_type.name
        return ", ".join(str(name) for name in self.statistics.get("service_type_names", []))


class AlertComment(models.Model):
    """A note by staff on an alert (acknowledging and closing write one too)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    text = models.TextField(max_length=4000)
    action = models.CharField(max_length=20, blank=True, help_text=_("acknowledged, closed... (empty for a comment)"))

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on alert {self.alert_id}"


class EarlyWarningRun(models.Model):
    """One morning's run for one service type: what was analysed and how long it took."""

    day = models.DateField()
    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    seconds = models.FloatField()
    cases = models.PositiveIntegerField()
    summary = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "service_type"], name="insight_one_run_per_type_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_type_id}"


class ScanStatistic(models.Model):
    """The observed log-likelihood ratio of one day's space-time permutation scan of one type
    (no Monte Carlo): the city's own history that the alarm rule compares today's cluster
    with (`alarm_rule.historical_recurrence_interval`). `settings` names the scan's settings
    (areas, radius, windows); a history is only compared with itself."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    settings = models.CharField(max_length=80)
    llr = models.FloatField()
    cases = models.PositiveIntegerField()
    backfilled = models.BooleanField(default=False, help_text=_("Computed later from the daily counts"))
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service_type", "settings", "day"],
                                               name="insight_one_scan_statistic_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_type_id}: {self.llr:.2f}"
