"""Writes to places: the jurisdiction and its district layers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from civic311.audit.services import record_event

from .models import District, DistrictLayer, Jurisdiction, new_revision
from .profiles import Profile


class JurisdictionMismatch(Exception):
    """The database already serves another city."""


@dataclass(frozen=True)
class AreaFeature:
    name: str
    geometry: dict
    code: str = ""
    population: int | None = None


def ensure_jurisdiction(profile: Profile) -> Jurisdiction:
    """The instance's jurisdiction, created from `profile` on first use."""
    existing = Jurisdiction.objects.first()
    if existing is not None:
        if existing.jurisdiction_id != profile.jurisdiction_id:
            raise JurisdictionMismatch(
                f"This database serves {existing.name} ({existing.jurisdiction_id}); "
                f"it cannot load data for {profile.name} ({profile.jurisdiction_id})."
            )
        return existing
    min_lat, min_long, max_lat, max_long = profile.bbox
    jurisdiction = Jurisdiction.objects.create(
        jurisdiction_id=profile.jurisdiction_id,
        name=profile.name,
        time_zone=profile.time_zone,
        min_lat=min_lat,
        min_long=min_long,
        max_lat=max_lat,
        max_long=max_long,
        locales=list(profile.locales),
        default_locale=profile.locales[0] if profile.locales else "en",
        profile=profile.slug,
    )
    record_event(action="jurisdiction.created", target=jurisdiction, actor_label="setup",
                 changes={"profile": profile.slug})
    return jurisdiction


def dissolve_by_name(features: Iterable[AreaFeature]) -> list[AreaFeature]:
    """Merge features that share a name (e.g. census tracts of one neighborhood)."""
    groups: dict[str, list[AreaFeature]] = {}
    for feature in features:
        groups.setdefault(feature.name, []).append(feature)
    merged = []
    for name, parts in groups.items():
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        geometry = unary_union([shape(p.geometry) for p in parts])
        populations = [p.population for p in parts if p.population is not None]
        merged.append(
            AreaFeature(
                name=name,
                geometry=mapping(geometry),
                code=parts[0].code,
                population=sum(populations) if populations else None,
            )
        )
    return merged


@transaction.atomic
def load_layer(
    *,
    slug: str,
    name: str,
    features: Iterable[AreaFeature],
    is_neighborhoods: bool = False,
    source: str = "",
    attribution: str = "",
) -> tuple[DistrictLayer, int, int]:
    """Create or refresh a district layer; returns (layer, created, updated)."""
    layer, _ = DistrictLayer.objects.get_or_create(slug=slug, defaults={"name": name})
    layer.name = name
    layer.source = source or layer.source
    layer.attribution = attribution or layer.attribution
    if is_neighborhoods and not layer.is_neighborhoods:
        DistrictLayer.objects.filter(is_neighborhoods=True).update(is_neighborhoods=False)
        layer.is_neighborhoods = True
    layer.save()
    created = updated = 0
    for feature in dissolve_by_name(features):
        geom = shape(feature.geometry)
        if not geom.is_valid:
            geom = geom.buffer(0)
        centroid = geom.representative_point()
        _district, was_created = District.objects.update_or_create(
            layer=layer,
            name=feature.name,
            defaults={
                "code": feature.code,
                "geometry": mapping(geom),
                "centroid_lat": centroid.y,
                "centroid_long": centroid.x,
                **({"population": feature.population} if feature.population is not None else {}),
            },
        )
        created += was_created
        updated += not was_created
    layer.revision = new_revision()
    layer.save(update_fields=["revision"])
    record_event(action="layer.loaded", target=layer, actor_label="import",
                 changes={"created": created, "updated": updated, "source": source})
    return layer, created, updated
