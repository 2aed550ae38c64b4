"""Helpers for import tests: run the importer as the command does."""

from __future__ import annotations

from pathlib import Path

from civic311.places.profiles import load_profile

from ..services import ImportSummary, import_requests


def run_import(path: Path, source_format: str, profile: str = "boston", **kwargs: object) -> ImportSummary:
    return import_requests(path=path, source_format=source_format, profile=load_profile(profile), **kwargs)  # type: ignore[arg-type]
