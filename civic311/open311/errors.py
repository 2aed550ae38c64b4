"""Open311 errors: an HTTP status and one or more (code, description) pairs, rendered in the
format the client asked for. 404 for an unknown thing, 403 for the api_key, 400 otherwise."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorItem:
    code: int
    description: str


class Open311Error(Exception):
    """Raised anywhere below a view; the view answers with the errors in the right format."""

    def __init__(self, status: int, *descriptions: str, headers: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.errors = [ErrorItem(status, d) for d in descriptions]
        self.headers = headers or {}


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)
