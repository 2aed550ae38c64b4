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
