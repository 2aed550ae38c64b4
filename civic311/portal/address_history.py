"""Feeds the address index in `places` from the request history in `cases` (places sits
below cases and cannot read requests itself): the full rebuild and the per-request hook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction

from civic311.cases.models import ServiceRequest
from civic311.places.addresses import AddressSighting, rebuild_address_index, record_address


def request_sightings(chunk_size: int = 5000) -> Iterator[AddressSighting]:
    """Every request with an address and a point, as sightings, streamed."""
    rows = (
        ServiceRequest.objects.exclude(address="").filter(lat__isnull=False, long__isnull=False)
        .values_list("address", "lat", "long")
        .iterator(chunk_size=chunk_size)
    )
    for address, lat, long in rows:
        assert lat is not None and long is not None  # filtered above
        yield AddressSighting(address=address, lat=lat, long=long)


def rebuild_from_history() -> int:
    """Rebuild the whole index from the request history; returns the number of addresses."""
    return rebuild_address_index(request_sightings())


def learn_new_request(sender: type[ServiceRequest], instance: ServiceRequest, created: bool, **kwargs: Any) -> None:
    """post_save receiver: once a new request with an address and a point is committed,
    its address joins the index (bulk imports skip post_save: rebuild after them)."""
    if not created or not instance.address or instance.lat is None or instance.long is None:
        return
    sighting = AddressSighting(address=instance.address, lat=instance.lat, long=instance.long)
    # robust: a failure here is logged and never breaks the submission that committed.
    transaction.on_commit(lambda: record_address(sighting), robust=True)
