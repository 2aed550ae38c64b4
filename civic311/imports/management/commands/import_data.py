"""manage.py import_data: load a city's requests or district layers from its real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic311.places.profiles import UnknownProfile, available_profiles, load_profile
from civic311.places.services import JurisdictionMismatch, ensure_jurisdiction, load_layer

from ...areas import AREA_FORMATS, read_geojson, read_shapefile
from ...readers import READERS, detect_format
from ...records import MalformedFile
from ...services import import_requests


class Command(BaseCommand):
    help = "Import service requests (Open311 JSON, city CSV exports) or district layers (GeoJSON, shapefile)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--profile", required=True, help=f"jurisdiction: {', '.join(available_profiles())}")
        parser.add_argument(
            "--format", default="auto",
            help=f"auto, {', '.join(READERS)}, {', '.join(AREA_FORMATS)}",
        )
        parser.add_argument("--strict", action="store_true", help="reject rows of unknown service types")
        parser.add_argument("--no-progress", action="store_true")
        layer = parser.add_argument_group("district layers")
        layer.add_argument("--layer", default="neighborhoods", help="layer slug, e.g. neighborhoods, wards")
        layer.add_argument("--layer-name", default="", help="human name of the layer")
        layer.add_argument("--name-field", default=None, help="feature property holding the area's name")
        layer.add_argument("--code-field", default=None)
        layer.add_argument("--population-field", default=None)
        layer.add_argument("--neighborhoods", action="store_true", help="file requests under this layer")
        layer.add_argument("--attribution", default="")
        parser.add_argument(
            "--skip-derived", action="store_true",
            help="don't refresh the trends' counts and the address index afterwards "
                 "(when loading several files in a row: refresh after the last one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            profile = load_profile(options["profile"])
        except UnknownProfile as exc:
            raise CommandError(str(exc)) from None
        for path in options["paths"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            fmt = options["format"]
            if fmt == "auto":
                fmt = self._detect(path)
            try:
                if fmt in AREA_FORMATS:
                    self._import_layer(path, fmt, profile, options)
                elif fmt in READERS:
                    self._import_requests(path, fmt, profile, options)
                else:
                    raise CommandError(f"unknown --format {fmt!r}")
            except MalformedFile as exc:
                raise CommandError(f"Nothing imported from {path}: {exc}") from None
            except JurisdictionMismatch as exc:
                raise CommandError(str(exc)) from None
        if not options["skip_derived"]:
            # Bulk imports bypass the per-request hooks that keep these up to date.
            call_command("rebuild_insight_rollups", stdout=self.stdout)
            call_command("build_address_index", stdout=self.stdout)

    def _detect(self, path: Path) -> str:
        name = path.name.lower()
        if name.endswith((".geojson", ".geo.json")):
            return "geojson"
        if name.endswith(".shp"):
            return "shapefile"
        fmt = detect_format(path)
        if fmt is None:
            raise CommandError(f"{path}: cannot tell the format from its name or header; pass --format")
        return fmt

    def _import_layer(self, path: Path, fmt: str, profile: Any, options: dict[str, Any]) -> None:
        read = read_geojson if fmt == "geojson" else read_shapefile
        features = read(path, options["name_field"], options["code_field"], options["population_field"])
        ensure_jurisdiction(profile)
        slug = options["layer"]
        layer, created, updated = load_layer(
            slug=slug,
            name=options["layer_name"] or slug.replace("-", " ").title(),
            features=features,
            is_neighborhoods=options["neighborhoods"] or slug == "neighborhoods",
            source=path.name,
            attribution=options["attribution"],
        )
        self.stdout.write(f"{layer.name}: {created} areas created, {updated} updated ({path.name})")

    def _import_requests(self, path: Path, fmt: str, profile: Any, options: dict[str, Any]) -> None:
        summary = import_requests(
            path=path, source_format=fmt, profile=profile, strict=options["strict"],
            progress=not options["no_progress"],
        )
        self.stdout.write(
            f"{path.name} ({fmt}): {summary.rows_read} rows read, {summary.created} created, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.rejected} rejected"
        )
        for rejected in summary.rejects[:10]:
            self.stdout.write(
                f"  rejected line {rejected.line} (id {rejected.source_id or '-'}): "
                f"{rejected.field}: {rejected.reason}"
            )
        if summary.rejected > 10:
            self.stdout.write(f"  ... and {summary.rejected - 10} more (see the import run in the admin)")
