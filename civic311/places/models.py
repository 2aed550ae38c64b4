"""The jurisdiction and its district layers (neighborhoods, wards, council districts...)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_revision() -> str:
    return uuid.uuid4().hex


class Jurisdiction(models.Model):
    """The city this instance serves. One Civic311 instance serves one jurisdiction."""

    jurisdiction_id = models.CharField(
        max_length=100, unique=True, help_text=_("Open311 jurisdiction_id, e.g. boston.gov")
    )
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, help_text=_("IANA zone, e.g. America/New_York"))
    min_lat = models.FloatField()
    min_long = models.FloatField()
    max_lat = models.FloatField()
    max_long = models.FloatField()
    locales = models.JSONField(default=list, help_text=_('Languages offered, e.g. ["en", "es"]'))
    default_locale = models.CharField(max_length=10, default="en")
    profile = models.CharField(
        max_length=40, blank=True, help_text=_("The shipped profile this was created from")
    )

    def __str__(self) -> str:
        return self.name

    def contains(self, lat: float, long: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_long <= long <= self.max_long


class DistrictLayer(models.Model):
    """A set of areas that tile (part of) the city: neighborhoods, wards, council districts."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    is_neighborhoods = models.BooleanField(
        default=False, help_text=_("The layer requests are filed under as their neighborhood")
    )
    # Renewed on every change so per-process spatial indexes know when to rebuild (a
    # random token, not a counter: ids and counters repeat after a rollback).
    revision = models.CharField(max_length=32, default=new_revision, editable=False)
    source = models.CharField(max_length=300, blank=True)
    attribution = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_neighborhoods"],
                condition=models.Q(is_neighborhoods=True),
                name="one_neighborhood_layer",
            )
        ]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """One area of a layer. A neighborhood is a district of the neighborhood layer."""

    layer = models.ForeignKey(DistrictLayer, on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=60, blank=True, help_text=_("The source's own id"))
    geometry = models.JSONField(help_text=_("GeoJSON Polygon or MultiPolygon, WGS 84"))
    population = models.PositiveIntegerField(null=True, blank=True)
    centroid_lat = models.FloatField()
    centroid_long = models.FloatField()

    class Meta:
        ordering = ["layer", "name"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "name"], name="district_name_per_layer")
        ]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """One address of the city's address index, learnt from its own request history:
    the text residents and staff will recognise, its normalised search keys and the mean
    of the points it was reported at (see `civic311.places.addresses`)."""

    label = models.CharField(max_length=300, help_text=_("The address as first seen"))
    # Normalised full text (house number first) and the same without the house number,
    # so that "12 main" and "main st" both find "12 Main St". Both are prefix-searched.
    key = models.CharField(max_length=300, unique=True)
    street_key = models.CharField(max_length=300, db_index=True)
    lat = models.FloatField()
    long = models.FloatField()
    neighborhood = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.SET_NULL, related_name="addresses"
    )
    sightings = models.PositiveIntegerField(default=1, help_text=_("Requests reported here"))

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return self.label
