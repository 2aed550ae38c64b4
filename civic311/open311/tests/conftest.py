"""A small city for the Open311 tests (Boston with two square neighborhoods and a catalog
of each service kind), an API key, the official JSON Schemas from ../shared/open311-schema
(with ours from schemas/), and helpers that read like the client's side of the wire."""

from __future__ import annotations

import importlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from civic311.catalog.models import Department, ServiceAttribute, ServiceType
from civic311.open311.models import ApiKey
from civic311.open311.openapi import SCHEMA_DIR
from civic311.open311.services import save_new_api_key
from civic311.places.models import District
from civic311.portal.tests.factories import boston_with_squares

# The project's root conftest: where ../shared is, and its skip-or-fail rule for absent
# prerequisites (imported by name so that type checkers do not wander into it).
_root = importlib.import_module("conftest")
SHARED_DATA: Path = _root.SHARED_DATA
missing: Callable[[str], None] = _root.missing

OFFICIAL_SCHEMAS = Path(os.environ.get("CIVIC311_OPEN311_SCHEMAS", SHARED_DATA.parent / "open311-schema"))
API = "/open311/v2/"


@dataclass
class City:
    west: District
    east: District
    pothole: ServiceType  # realtime, no questions
    graffiti: ServiceType  # realtime, with a definition
    bulk_item: ServiceType  # batch
    tip: ServiceType  # blackbox


@pytest.fixture
def city(db: None) -> City:
    east, west = boston_with_squares()
    # The catalog is this fixture's alone: services other apps seed in their data
    # migrations (e.g. the desk's police and fire non-emergency lines) are retired here.
    ServiceType.objects.update(active=False)
    works = Department.objects.create(code="PWD", name="Public Works")
    pothole = ServiceType.objects.create(code="pothole", name="Pothole", group="Streets", keywords="hole, road",
                                         department=works, sla_hours=Decimal("48"))
    graffiti = ServiceType.objects.create(code="graffiti", name="Graffiti", group="Sanitation", department=works)
    ServiceAttribute.objects.create(
        service_type=graffiti, code="SURFACE", datatype="singlevaluelist", required=True, order=0,
        description="What is painted?", values=[{"key": "brick", "name": "Brick"}, {"key": "metal", "name": "Metal"}],
    )
    ServiceAttribute.objects.create(
        service_type=graffiti, code="COLOURS", datatype="multivaluelist", order=0, description="Colours",
        values=[{"key": "red", "name": "Red"}, {"key": "blue", "name": "Blue"}, {"key": "green", "name": "Green"}],
    )
    ServiceAttribute.objects.create(service_type=graffiti, code="HEIGHT", datatype="number", order=3,
                                    description="Height in metres")
    ServiceAttribute.objects.create(service_type=graffiti, code="SEEN", datatype="datetime", order=4,
                                    description="When was it first seen?")
    ServiceAttribute.objects.create(service_type=graffiti, code="WORDING", datatype="string", order=5,
                                    description="What does it say?")
    ServiceAttribute.objects.create(service_type=graffiti, code="INFO", datatype="text", order=6, variable=False,
                                    description="Offensive graffiti is removed within a day.")
    bulk_item = ServiceType.objects.create(code="bulk-item", name="Bulk item pickup", kind=ServiceType.Kind.BATCH)
    tip = ServiceType.objects.create(code="tip", name="Anonymous tip", kind=ServiceType.Kind.BLACKBOX)
    return City(west=west, east=east, pothole=pothole, graffiti=graffiti, bulk_item=bulk_item, tip=tip)


@pytest.fixture
def api_key(db: None) -> str:
    """The key of an application allowed plenty of writes."""
    return save_new_api_key(ApiKey(name="Test app", rate_limit_per_minute=10_000), actor_label="test")


# --- the wire ----------------------------------------------------------------------------


def get(client: Client, resource: str, **params: Any) -> Any:
    return client.get(API + resource, params)


def post(client: Client, resource: str, data: dict[str, Any]) -> Any:
    return client.post(API + resource, data)


def xml_of(response: Any) -> ET.Element:
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:80]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(body)  # noqa: S314 - our own output, in a test


def json_of(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def child_names(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


# --- schemas -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def official_schema_dir() -> Path:
    """The official GeoReport v2 JSON Schemas (../shared/open311-schema)."""
    if not (OFFICIAL_SCHEMAS / "requests.json").is_file():
        missing(f"Open311 JSON Schemas not found at {OFFICIAL_SCHEMAS}; set CIVIC311_OPEN311_SCHEMAS")
    return OFFICIAL_SCHEMAS


Validate = Callable[[str, Any], None]


@pytest.fixture(scope="session")
def validate(official_schema_dir: Path) -> Validate:
    """validate("requests.json", document): check a JSON answer against one of the
    official schemas or one of ours; they refer to each other by file name."""
    resources = []
    for folder in (official_schema_dir, SCHEMA_DIR):
        for path in sorted(folder.glob("*.json")):
            if path.name == "swagger.json":
                continue
            contents = json.loads(path.read_text(encoding="utf-8"))
            resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT4)))
    registry: Registry[Any] = Registry().with_resources(resources)

    def check(name: str, document: Any) -> None:
        validator = Draft4Validator({"$ref": name}, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    return check
