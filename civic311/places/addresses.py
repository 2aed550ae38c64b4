"""The city's address index: distinct addresses with coordinates, learnt from its own
request history, normalised so that spellings of one place meet, and searched by prefix
for autocomplete (the portal's report form and the agent desk).

`places` sits below `cases`, so this module never reads requests itself: callers hand it
sightings (`AddressSighting`), the `build_address_index` command from the request history
and the intake hook one request at a time (`record_address`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q

from .lookup import neighborhood_index
from .models import Address, Jurisdiction
from .profiles import Profile, UnknownProfile, load_profile

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 25

# USPS street suffixes and a few words residents spell out; normalising both the index
# and the query to the short form lets "Main Street" find "Main St".
_ABBREVIATIONS = {
    "STREET": "ST", "STR": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR",
    "BOULEVARD": "BLVD", "PLACE": "PL", "PLAZA": "PLZ", "SQUARE": "SQ", "COURT": "CT",
    "LANE": "LN", "TERRACE": "TER", "PARKWAY": "PKWY", "HIGHWAY": "HWY", "CIRCLE": "CIR",
    "HIGHLANDS": "HLDS", "EXTENSION": "EXT", "FREEWAY": "FWY", "WHARF": "WHF",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "SAINT": "ST", "MOUNT": "MT",
    "AND": "&",
}
# Trailing parts that say nothing within one city: the state and the ZIP code.
_STATES = {"MA", "MASSACHUSETTS", "NY", "IL", "CA", "MO", "PA", "USA", "US"}
_ZIP = re.compile(r"^(?:[A-Z]{2} )?\d{5}(?:-\d{4})?$")  # "02130", "MA 02130"
_HOUSE_NUMBER = re.compile(r"^\d+[A-Z]?(?:-\d+[A-Z]?)?\s+")
_INTERSECTION = "INTERSECTION OF "
_NOT_KEPT = re.compile(r"[^A-Z0-9&,\- ]+")


@dataclass(frozen=True)
class AddressSighting:
    """An address text reported at a point (one request's location)."""

    address: str
    lat: float
    long: float


@dataclass(frozen=True)
class AddressMatch:
    """One autocomplete answer: what to show and where to put the pin."""

    label: str
    lat: float
    long: float
    neighborhood: str


def _words(part: str) -> str:
    words = [_ABBREVIATIONS.get(word, word) for word in part.split()]
    return " ".join(words)


def normalise_address(text: str) -> str:
    """The search key of an address: upper case ASCII, punctuation and the state and ZIP
    dropped, street suffixes and compass words abbreviated, "and" written "&".
    "25 Sheridan Street, Jamaica Plain, MA, 02130" → "25 SHERIDAN ST, JAMAICA PLAIN"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _NOT_KEPT.sub(" ", ascii_text.upper().replace(".", ""))
    parts = [_words(part) for part in cleaned.split(",")]
    parts = [p for p in parts if p]
    while len(parts) > 1 and (parts[-1] in _STATES or _ZIP.match(parts[-1])):
        parts.pop()
    return ", ".join(parts)[:300]


def street_key(key: str) -> str:
    """The key without its house number (or "INTERSECTION OF"): what a search by street
    name alone matches."""
    if key.startswith(_INTERSECTION):
        return key[len(_INTERSECTION):]
    return _HOUSE_NUMBER.sub("", key, count=1)


def _city() -> tuple[Jurisdiction | None, Profile | None]:
    jurisdiction = Jurisdiction.objects.first()
    profile = None
    if jurisdiction is not None and jurisdiction.profile:
        try:
            profile = load_profile(jurisdiction.profile)
        except UnknownProfile:
            profile = None
    return jurisdiction, profile


def _usable(sighting: AddressSighting, jurisdiction: Jurisdiction | None, profile: Profile | None) -> bool:
    """A sighting with text, inside the city and not on one of its "no location" points."""
    if not sighting.address.strip() or sighting.lat is None or sighting.long is None:
        return False
    if jurisdiction is not None and not jurisdiction.contains(sighting.lat, sighting.long):
        return False
    return profile is None or not profile.is_placeholder(sighting.lat, sighting.long)


@transaction.atomic
def rebuild_address_index(sightings: Iterable[AddressSighting], *, batch_size: int = 2000) -> int:
    """Replace the index with the distinct addresses of `sightings`; returns how many.
    Each address keeps the first text seen as its label and the mean of its points;
    sightings outside the city or on a placeholder point (City Hall) are left out."""
    jurisdiction, profile = _city()
    grouped: dict[str, list[float | str]] = {}
    for sighting in sightings:
        if not _usable(sighting, jurisdiction, profile):
            continue
        key = normalise_address(sighting.address)
        if not key:
            continue
        entry = grouped.get(key)
        if entry is None:
            grouped[key] = [sighting.address.strip()[:300], sighting.lat, sighting.long, 1]
        else:
            entry[1] = float(entry[1]) + sighting.lat
            entry[2] = float(entry[2]) + sighting.long
            entry[3] = int(entry[3]) + 1
    keys = list(grouped)
    lats = [float(grouped[k][1]) / int(grouped[k][3]) for k in keys]
    longs = [float(grouped[k][2]) / int(grouped[k][3]) for k in keys]
    index = neighborhood_index()
    neighborhoods = index.locate_many(lats, longs) if index is not None else [None] * len(keys)
    Address.objects.all().delete()
    Address.objects.bulk_create(
        (
            Address(label=str(grouped[k][0]), key=k, street_key=street_key(k), lat=lat, long=long,
                    neighborhood_id=hood, sightings=int(grouped[k][3]))
            for k, lat, long, hood in zip(keys, lats, longs, neighborhoods, strict=True)
        ),
        batch_size=batch_size,
    )
    return len(keys)


@transaction.atomic
def record_address(sighting: AddressSighting) -> Address | None:
    """Add one sighting to the index (a request just arrived): a new address is created,
    a known one moves its point to the new mean and counts one more sighting. Returns
    None when the sighting is not usable (no text, outside the city, a placeholder)."""
    jurisdiction, profile = _city()
    if not _usable(sighting, jurisdiction, profile):
        return None
    key = normalise_address(sighting.address)
    if not key:
        return None
    address = Address.objects.select_for_update().filter(key=key).first()
    if address is None:
        index = neighborhood_index()
        hood = index.locate(sighting.lat, sighting.long) if index is not None else None
        address, created = Address.objects.get_or_create(
            key=key,
            defaults={"label": sighting.address.strip()[:300], "street_key": street_key(key),
                      "lat": sighting.lat, "long": sighting.long, "neighborhood_id": hood},
        )
        if created:
            return address
    n = address.sightings
    Address.objects.filter(pk=address.pk).update(
        lat=(F("lat") * n + sighting.lat) / (n + 1),
        long=(F("long") * n + sighting.long) / (n + 1),
        sightings=F("sightings") + 1,
    )
    address.refresh_from_db()
    return address


def _prefix(field: str, prefix: str) -> Q:
    # SQLite's LIKE is case-insensitive and so cannot use a plain index; keys are upper
    # case ASCII, so a range on the binary order is the same test and uses the index.
    # PostgreSQL uses its pattern-ops index for LIKE 'prefix%' (a range would follow the
    # database's collation, which may not order by code points).
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\x7f"})
    return Q(**{f"{field}__startswith": prefix})


def search_addresses(query: str, *, limit: int = 10) -> list[AddressMatch]:
    """Addresses whose normalised text, or street name without the house number, starts
    with the normalised `query`; the most reported first. `query` is free text as typed
    ("12 main st", "Main Street"), at most MAX_QUERY_LENGTH characters (longer raises
    ValueError); `limit` is clamped to 1..MAX_RESULTS. Returns [] for a query that
    normalises to nothing. One query, with the neighborhood name joined."""
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"The address search is limited to {MAX_QUERY_LENGTH} characters.")
    key = normalise_address(query)
    if not key:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    rows = (
        Address.objects.filter(_prefix("key", key) | _prefix("street_key", key))
        .order_by("-sightings", "key")
        .values_list("label", "lat", "long", "neighborhood__name")[:limit]
    )
    return [AddressMatch(label=label, lat=lat, long=long, neighborhood=hood or "")
            for label, lat, long, hood in rows]



def locate_address(text: str) -> AddressMatch | None:
    """The indexed address that `text` names exactly once normalised (any spelling of
    it), or None: how a form given only an address finds its point."""
    key = normalise_address(text[:MAX_QUERY_LENGTH])
    if not key:
        return None
    row = Address.objects.filter(key=key).values_list("label", "lat", "long", "neighborhood__name").first()
    if row is None:
        return None
    label, lat, long, hood = row
    return AddressMatch(label=label, lat=lat, long=long, neighborhood=hood or "")
