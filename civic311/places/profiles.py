"""Jurisdiction profiles shipped with Civic311: what a city is (name, zone, extent) and how
its exported data reads (channel names, placeholder points). Cities add a TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


class UnknownProfile(LookupError):
    pass


@dataclass(frozen=True)
class Profile:
    slug: str
    jurisdiction_id: str
    name: str
    time_zone: str
    bbox: tuple[float, float, float, float]  # min_lat, min_long, max_lat, max_long
    locales: tuple[str, ...]
    # Source channel label (case-folded) → Civic311 channel code.
    channels: dict[str, str] = field(default_factory=dict)
    # Coordinates that mean "no location" in this city's exports (e.g. City Hall).
    placeholder_points: tuple[tuple[float, float], ...] = ()
    departments: dict[str, str] = field(default_factory=dict)

    def is_placeholder(self, lat: float, long: float) -> bool:
        # Within half a unit of the 4th decimal: 42.35944 is City Hall, 42.3595 is not.
        return any(
            abs(lat - p_lat) <= 5e-5 and abs(long - p_long) <= 5e-5 for p_lat, p_long in self.placeholder_points
        )

    def in_bbox(self, lat: float, long: float) -> bool:
        min_lat, min_long, max_lat, max_long = self.bbox
        return min_lat <= lat <= max_lat and min_long <= long <= max_long


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_profile(slug: str) -> Profile:
    path = PROFILE_DIR / f"{slug}.toml"
    if not path.is_file():
        raise UnknownProfile(
            f"No jurisdiction profile {slug!r}; available: {', '.join(available_profiles())}"
        )
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    bbox = data["bbox"]
    return Profile(
        slug=slug,
        jurisdiction_id=data["jurisdiction_id"],
        name=data["name"],
        time_zone=data["time_zone"],
        bbox=(bbox["min_lat"], bbox["min_long"], bbox["max_lat"], bbox["max_long"]),
        locales=tuple(data.get("locales", ["en", "es"])),
        channels={k.casefold(): v for k, v in data.get("channels", {}).items()},
        placeholder_points=tuple(tuple(p) for p in data.get("placeholder_points", [])),
        departments=dict(data.get("departments", {})),
    )
