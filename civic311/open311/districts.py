"""The wards, council districts and other layers a request's point falls in, for the
`extended_attributes` of `extensions=true` (Chicago's `ward`, `police_district`). One
vectorised lookup per layer for a whole page, then one query for the names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from civic311.places.lookup import index_for_layer
from civic311.places.models import District, DistrictLayer

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")


def element_name(slug: str) -> str:
    """A layer slug as an XML element and JSON key: "council-districts" → "council_districts"."""
    name = _NOT_NAME.sub("_", slug)
    return name if name[:1].isalpha() else f"layer_{name}"


def district_names(points: Sequence[tuple[float | None, float | None]]) -> list[dict[str, str]]:
    """For each (lat, long), {layer element name: district name} over the layers other than
    neighborhoods (those are a field of the request already)."""
    found: list[dict[str, str]] = [{} for _ in points]
    layers = list(DistrictLayer.objects.filter(is_neighborhoods=False).order_by("slug"))
    if not layers or not points:
        return found
    lats = [p[0] for p in points]
    longs = [p[1] for p in points]
    located: list[tuple[str, list[int | None]]] = []
    for layer in layers:
        located.append((element_name(layer.slug), index_for_layer(layer).locate_many(lats, longs)))
    ids = {i for _, row in located for i in row if i is not None}
    names = dict(District.objects.filter(id__in=ids).values_list("id", "name")) if ids else {}
    for key, row in located:
        for position, district_id in enumerate(row):
            if district_id is not None and district_id in names:
                found[position][key] = names[district_id]
    return found
