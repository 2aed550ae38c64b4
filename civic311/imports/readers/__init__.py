"""One reader per real source format. Add a city's format here (see docs/importers.md)."""

from __future__ import annotations

from pathlib import Path

from .base import RequestReader, read_header
from .boston_csv import BostonCsvReader
from .open311_json import Open311JsonReader

READERS: dict[str, type[RequestReader]] = {
    r.format: r  # type: ignore[misc]
    for r in (Open311JsonReader, BostonCsvReader)
}


def detect_format(path: Path) -> str | None:
    """The format of a request file, from its name (JSON) or its CSV header."""
    name = path.name.removesuffix(".gz")
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return Open311JsonReader.format
    header = read_header(path)
    for reader in READERS.values():
        if reader.sniff(header):
            return reader.format
    return None
