"""Discovery, the service list and service definitions, in XML and JSON, as the spec
shapes them; the jurisdiction_id rules that apply to every resource."""

from __future__ import annotations

import pytest
from django.test import Client

from civic311.catalog.models import ServiceType

from .conftest import City, Validate, child_names, get, json_of, xml_of

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]


def test_discovery_names_the_endpoint_and_both_formats(client: Client, city: City, validate: Validate) -> None:
    document = json_of(get(client, "discovery.json"))
    validate("discovery.json", document)
    endpoint = document["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]

    root = xml_of(get(client, "discovery.xml"))
    assert root.tag == "discovery"
    assert child_names(root) == ["changeset", "contact", "key_service", "endpoints"]
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_the_service_list_in_json_has_string_codes_and_real_booleans(
    client: Client, city: City, validate: Validate
) -> None:
    services = json_of(get(client, "services.json"))
    validate("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"pothole", "graffiti", "bulk-item", "tip"}
    assert by_code["graffiti"]["metadata"] is True
    assert by_code["pothole"]["metadata"] is False
    assert by_code["pothole"]["keywords"] == "hole, road"
    assert by_code["pothole"]["group"] == "Streets"
    assert {s["type"] for s in services} == {"realtime", "batch", "blackbox"}


def test_the_service_list_in_xml_has_the_spec_elements(client: Client, city: City) -> None:
    root = xml_of(get(client, "services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 4
    assert all(child_names(s) == SERVICE_FIELDS for s in services)
    graffiti = next(s for s in services if s.findtext("service_code") == "graffiti")
    assert graffiti.findtext("metadata") == "true"
    assert graffiti.findtext("type") == "realtime"


def test_inactive_services_are_not_offered(client: Client, city: City) -> None:
    ServiceType.objects.filter(pk=city.tip.pk).update(active=False)
    codes = [s["service_code"] for s in json_of(get(client, "services.json"))]
    assert "tip" not in codes
    assert get(client, "services/tip.json").status_code == 404


def test_an_empty_catalog_is_an_empty_list(client: Client, db: None) -> None:
    ServiceType.objects.update(active=False)  # what data migrations may have seeded
    assert json_of(get(client, "services.json")) == []
    root = xml_of(get(client, "services.xml"))
    assert root.tag == "services" and len(root) == 0


def test_a_service_definition_in_json_numbers_questions_from_one(
    client: Client, city: City, validate: Validate
) -> None:
    definition = json_of(get(client, "services/graffiti.json"))
    validate("service-definition.json", definition)
    assert isinstance(definition, dict) and definition["service_code"] == "graffiti"
    attributes = definition["attributes"]
    # Stored orders are 0, 0, 3, 4, 5, 6: the spec wants unique positive integers.
    assert [a["order"] for a in attributes] == [1, 2, 3, 4, 5, 6]
    assert [a["code"] for a in attributes] == ["COLOURS", "SURFACE", "HEIGHT", "SEEN", "WORDING", "INFO"]
    surface = attributes[1]
    assert surface["required"] is True and surface["variable"] is True
    assert surface["values"] == [{"key": "brick", "name": "Brick"}, {"key": "metal", "name": "Metal"}]
    assert attributes[5]["variable"] is False
    assert "values" not in attributes[2]


def test_a_service_definition_in_xml_has_the_spec_elements(client: Client, city: City) -> None:
    root = xml_of(get(client, "services/graffiti.xml"))
    assert root.tag == "service_definition"
    assert child_names(root) == ["service_code", "attributes"]
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes][:2] == ["COLOURS", "SURFACE"]
    assert child_names(attributes[1]) == [*ATTRIBUTE_FIELDS, "values"]
    assert [(v.findtext("key"), v.findtext("name")) for v in attributes[1].iterfind("values/value")] == [
        ("brick", "Brick"), ("metal", "Metal"),
    ]


def test_a_service_without_questions_has_an_empty_definition(client: Client, city: City) -> None:
    assert json_of(get(client, "services/pothole.json")) == {"service_code": "pothole", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_a_404_in_the_asked_format(
    client: Client, city: City, validate: Validate, fmt: str
) -> None:
    response = get(client, f"services/no-such-thing.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        errors = json_of(response)
        validate("errors.json", errors)
        assert errors[0]["code"] == 404 and "no-such-thing" in errors[0]["description"]
    else:
        root = xml_of(response)
        assert root.tag == "errors"
        assert child_names(root.find("error")) == ["code", "description"]  # type: ignore[arg-type]
        assert root.findtext("error/code") == "404"


def test_an_empty_jurisdiction_id_is_the_same_as_none(client: Client, city: City) -> None:
    without = get(client, "services.xml")
    empty = get(client, "services.xml", jurisdiction_id="")
    assert empty.status_code == 200 and empty.content == without.content


def test_the_instance_jurisdiction_id_is_accepted_in_any_case(client: Client, city: City) -> None:
    assert get(client, "services.json", jurisdiction_id="Boston.GOV").status_code == 200


@pytest.mark.parametrize("resource", ["services", "services/pothole", "requests", "requests/x", "tokens/x",
                                      "servicerequestupdates"])
def test_another_jurisdiction_is_a_404_everywhere(client: Client, city: City, resource: str) -> None:
    response = get(client, f"{resource}.json", jurisdiction_id="chicago.gov")
    assert response.status_code == 404
    assert "chicago.gov" in json_of(response)[0]["description"]


def test_a_service_in_several_groups_lists_them_all_for_fixmystreet(
    client: Client, city: City, validate: Validate
) -> None:
    ServiceType.objects.filter(pk=city.graffiti.pk).update(group="Clean city",
                                                            more_groups=" Parks, Clean city,Streets ")
    services = json_of(get(client, "services.json"))
    validate("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["graffiti"]["group"] == "Clean city"
    assert by_code["graffiti"]["groups"] == ["Clean city", "Parks", "Streets"]
    assert "groups" not in by_code["pothole"]  # one group: the standard element alone
    graffiti = next(s for s in xml_of(get(client, "services.xml")).findall("service")
                    if s.findtext("service_code") == "graffiti")
    assert [g.text for g in graffiti.findall("groups/group")] == ["Clean city", "Parks", "Streets"]


def test_an_automated_attribute_says_who_fills_it_in(client: Client, city: City, validate: Validate) -> None:
    from civic311.catalog.models import ServiceAttribute

    ServiceAttribute.objects.filter(service_type=city.graffiti, code="SEEN").update(automated="hidden_field")
    definition = json_of(get(client, "services/graffiti.json"))
    validate("service-definition.json", definition)
    automated = {a["code"]: a.get("automated") for a in definition["attributes"]}
    assert automated["SEEN"] == "hidden_field"
    assert automated["SURFACE"] is None  # absent for the questions the resident answers
    seen = next(a for a in xml_of(get(client, "services/graffiti.xml")).iterfind("attributes/attribute")
                if a.findtext("code") == "SEEN")
    assert seen.findtext("automated") == "hidden_field"
