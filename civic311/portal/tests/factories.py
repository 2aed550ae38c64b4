"""Small factories for a city with neighborhoods and requests (arranged through the real
services where one exists)."""

from __future__ import annotations

from datetime import UTC, datetime

from shapely.geometry import box, mapping

from civic311.cases.models import ServiceRequest, Status
from civic311.catalog.models import ServiceType
from civic311.places.models import District
from civic311.places.profiles import load_profile
from civic311.places.services import AreaFeature, ensure_jurisdiction, load_layer


def boston_with_squares() -> list[District]:
    """Boston's jurisdiction with two square neighborhoods west and east of 71.05° W."""
    ensure_jurisdiction(load_profile("boston"))
    west = AreaFeature(name="Westside", geometry=mapping(box(-71.15, 42.30, -71.05, 42.38)))
    east = AreaFeature(name="Eastside", geometry=mapping(box(-71.05, 42.30, -70.99, 42.38)))
    layer, _, _ = load_layer(slug="neighborhoods", name="Neighborhoods", features=[west, east],
                             is_neighborhoods=True)
    return list(layer.districts.order_by("name"))


def add_request(public_id: str, district: District | None, *, status: str = "new",
                service: str = "pothole", **fields: object) -> ServiceRequest:
    service_type, _ = ServiceType.objects.get_or_create(code=service, defaults={"name": service.title()})
    detailed = Status.objects.get(code=status)
    when = fields.pop("requested_at", None) or datetime(2015, 6, 1, 12, tzinfo=UTC)
    assert isinstance(when, datetime)
    return ServiceRequest.objects.create(
        public_id=public_id, service_type=service_type, detailed_status=detailed,
        status=detailed.open311_status, neighborhood=district, requested_at=when, updated_at=when,
        **fields,
    )


def pothole_service(*, group: str = "Streets") -> ServiceType:
    """A pothole service with three questions: a required single-choice size, an optional
    number of potholes and an optional one-line landmark; and a note that is not asked."""
    from civic311.catalog.models import ServiceAttribute

    service, _ = ServiceType.objects.get_or_create(
        code="pothole", defaults={"name": "Pothole", "group": group, "description": "Holes in the road",
                                  "keywords": "road, hole, asphalt"},
    )
    ServiceAttribute.objects.create(
        service_type=service, code="size", datatype="singlevaluelist", required=True, order=1,
        description="How big is it?", values=[{"key": "small", "name": "Smaller than a plate"},
                                              {"key": "large", "name": "Larger than a plate"}],
    )
    ServiceAttribute.objects.create(service_type=service, code="count", datatype="number", order=2,
                                    description="How many potholes?")
    ServiceAttribute.objects.create(service_type=service, code="landmark", datatype="string", order=3,
                                    description="A landmark nearby")
    ServiceAttribute.objects.create(service_type=service, code="note", variable=False, order=0,
                                    description="Potholes are usually filled within two days.")
    return service
