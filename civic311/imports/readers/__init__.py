"""One reader per real source format. Add a city's format here (see docs/importers.md)."""

from __future__ import annotations

from pathlib import Path

from .base import RequestReader, read_header
from .boston_csv import BostonCsvReader
from .chicago_csv import ChicagoCsvReader
from .la_csv import LaCsvReader
from .nyc_csv import NycCsvReader
from .open311_json import Open311JsonReader
from .sf_csv import SfCsvReader

READERS: dict[str, type[RequestReader]] = {
    r.format: r
    for r in (Open311JsonReader, BostonCsvReader, NycCsvReader, ChicagoCsvReader, SfCsvReader, LaCsvReader)
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
