"""The OpenAPI 3.1 description of the API, served at /open311/v2/openapi.json for fuzzers
(schemathesis) and client generators. Written by hand from the spec; the JSON Schemas of
the answers the official schemas do not cover are the ones shipped in schemas/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
# When this API description last changed (discovery's `changeset`).
CHANGESET = "2026-11-23T00:00:00Z"

JsonObject = dict[str, Any]


def shipped_schema(name: str) -> JsonObject:
    """One of the JSON Schemas in schemas/ (Draft 4, also valid as OpenAPI 3.1 schemas)."""
    schema: JsonObject = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    schema.pop("$schema", None)
    return schema


def _nullable(kind: str, **more: Any) -> JsonObject:
    return {"type": [kind, "null"], **more}


SERVICE: JsonObject = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": _nullable("string"),
        "metadata": {"type": "boolean"},
        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": _nullable("string"),
        "group": _nullable("string"),
    },
}

SERVICE_DEFINITION: JsonObject = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "type": "string",
                        "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"],
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": _nullable("string"),
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}

REQUEST: JsonObject = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _nullable("string"),
        "service_name": _nullable("string"),
        "service_code": {"type": "string"},
        "description": _nullable("string", maxLength=4000),
        "agency_responsible": _nullable("string"),
        "service_notice": _nullable("string"),
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": _nullable("string", format="date-time"),
        "expected_datetime": _nullable("string", format="date-time"),
        "address": _nullable("string"),
        "address_id": _nullable("string"),
        "zipcode": _nullable("string"),
        "lat": _nullable("number"),
        "long": _nullable("number"),
        "media_url": _nullable("string", format="uri"),
        "extended_attributes": {"type": "object", "additionalProperties": _nullable("string")},
        "notes": {"type": "array", "items": {"type": "object"}},
    },
}


def _param(name: str, where: str = "query", schema: JsonObject | None = None, description: str = "",
           required: bool = False) -> JsonObject:
    return {"name": name, "in": where, "required": required or where == "path",
            "description": description, "schema": schema or {"type": "string"}}


FORMAT = _param("format", "path", {"type": "string", "enum": ["json", "xml"]}, "Answer format.")
JURISDICTION = _param("jurisdiction_id", description="Optional: this server serves one jurisdiction.")


def _answer(schema_ref: str, description: str) -> JsonObject:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }


ERRORS = {
    status: _answer("Errors", text)
    for status, text in {
        "400": "Bad input (every problem listed)",
        "403": "api_key missing, invalid or revoked",
        "404": "Unknown jurisdiction, service, request, token or path",
        "413": "The request body is over 25 MB",
        "429": "The api_key's rate limit is spent",
    }.items()
}


def _responses(schema_ref: str, description: str, *statuses: str) -> JsonObject:
    return {"200": _answer(schema_ref, description), **{s: ERRORS[s] for s in ("400", "404", *statuses)}}


def _form(properties: JsonObject, required: list[str]) -> JsonObject:
    schema = {"type": "object", "properties": properties, "required": required}
    photo = {"type": "string", "format": "binary"}
    multipart = {**schema, "properties": {**properties, "media": photo, "photo1": photo, "photo2": photo}}
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema},
            "multipart/form-data": {"schema": multipart},
        },
    }


POST_REQUEST_FIELDS: JsonObject = {
    "api_key": {"type": "string"},
    "jurisdiction_id": {"type": "string"},
    "service_code": {"type": "string"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {"type": "string", "maxLength": 300},
    "address_id": {"type": "string", "maxLength": 100},
    "email": {"type": "string"},
    "device_id": {"type": "string"},
    "account_id": {"type": "string"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string"},
    "description": {"type": "string", "maxLength": 4000},
    "media_url": {"type": "string"},
}

POST_UPDATE_FIELDS: JsonObject = {
    "api_key": {"type": "string"},
    "jurisdiction_id": {"type": "string"},
    "service_request_id": {"type": "string"},
    "update_id": {"type": "string"},
    "status": {"type": "string"},
    "updated_datetime": {"type": "string", "format": "date-time"},
    "description": {"type": "string"},
    "email": {"type": "string"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "media_url": {"type": "string", "format": "uri"},
}

DATE_PARAMS = [
    _param("start_date", schema={"type": "string", "format": "date-time"}, description="Requested on or after."),
    _param("end_date", schema={"type": "string", "format": "date-time"}, description="Requested on or before."),
]


@cache
def document() -> JsonObject:
    read = [FORMAT, JURISDICTION]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Civic311 Open311 GeoReport v2 API",
            "version": CHANGESET,
            "description": (
                "GeoReport v2 (http://wiki.open311.org/GeoReport_v2) with the extensions real clients use: "
                "page/page_size (page 1 is the first), extensions=true, updated_after/updated_before, "
                "detailed_status, q, JSONP callback= on .json reads, and FixMyStreet's servicerequestupdates. "
                "Writes need an api_key (form body "
                "or query string); reads need none. Every answer, errors included, is XML or JSON."
            ),
        },
        "servers": [{"url": "/open311/v2"}],
        "paths": {
            "/discovery.{format}": {"get": {
                "operationId": "discovery", "parameters": [FORMAT],
                "responses": {"200": _answer("Discovery", "Service discovery"), "404": ERRORS["404"]},
            }},
            "/services.{format}": {"get": {
                "operationId": "listServices", "parameters": read,
                "responses": _responses("Services", "The services offered"),
            }},
            "/services/{service_code}.{format}": {"get": {
                "operationId": "getServiceDefinition",
                "parameters": [*read, _param("service_code", "path")],
                "responses": _responses("ServiceDefinition", "The service's questions"),
            }},
            "/requests.{format}": {
                "get": {
                    "operationId": "listRequests",
                    "parameters": [
                        *read,
                        _param("service_request_id", description="Comma list; overrides every other filter."),
                        _param("service_code", description="Comma list; an unknown code is a 404."),
                        *DATE_PARAMS,
                        _param("status", description="open, closed, or both comma separated."),
                        _param("detailed_status", description="Comma list of detailed status codes."),
                        _param("updated_after", schema={"type": "string", "format": "date-time"}),
                        _param("updated_before", schema={"type": "string", "format": "date-time"}),
                        _param("page", schema={"type": "integer", "minimum": 1}),
                        _param("page_size", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
                        _param("extensions", schema={"type": "boolean"}),
                        _param("q", description="Chicago's text filter: 1-5 words of 3+ characters, all in the "
                                                "service name, address or (redacted) description."),
                    ],
                    "responses": _responses("Requests", "Requests, newest first"),
                },
                "post": {
                    "operationId": "createRequest",
                    "parameters": [FORMAT],
                    "requestBody": _form(POST_REQUEST_FIELDS, ["api_key", "service_code"]),
                    "responses": _responses("PostRequestResponse", "The request filed", "403", "413", "429"),
                },
            },
            "/requests/{service_request_id}.{format}": {"get": {
                "operationId": "getRequest",
                "parameters": [*read, _param("service_request_id", "path"),
                               _param("extensions", schema={"type": "boolean"})],
                "responses": _responses("Requests", "The request (an array of one)"),
            }},
            "/tokens/{token}.{format}": {"get": {
                "operationId": "getToken", "parameters": [*read, _param("token", "path")],
                "responses": _responses("Tokens", "The request id the token stands for"),
            }},
            "/servicerequestupdates.{format}": {
                "get": {
                    "operationId": "listRequestUpdates",
                    "parameters": [*read, *DATE_PARAMS,
                                   _param("page", schema={"type": "integer", "minimum": 1}),
                                   _param("page_size", schema={"type": "integer", "minimum": 1, "maximum": 1000})],
                    "responses": _responses("RequestUpdates", "Public updates, oldest first"),
                },
                "post": {
                    "operationId": "postRequestUpdate",
                    "parameters": [FORMAT],
                    "requestBody": _form(POST_UPDATE_FIELDS, ["api_key", "service_request_id", "update_id",
                                                              "status", "updated_datetime", "description"]),
                    "responses": _responses("PostUpdateResponse", "The update's id", "403", "413", "429"),
                },
            },
        },
        "components": {
            "schemas": {
                "Discovery": shipped_schema("discovery.json"),
                "Services": {"type": "array", "items": SERVICE},
                "ServiceDefinition": SERVICE_DEFINITION,
                "Requests": {"type": "array", "items": REQUEST},
                "PostRequestResponse": shipped_schema("post-request-response.json"),
                "Tokens": shipped_schema("tokens.json"),
                "RequestUpdates": shipped_schema("service-request-updates.json"),
                "PostUpdateResponse": shipped_schema("post-update-response.json"),
                "Errors": shipped_schema("errors.json"),
            }
        },
    }
