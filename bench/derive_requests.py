"""Derive a large benchmark data set (≥ 1 M requests) from Boston's real Open311 archive.

DERIVED, NOT REAL: every record is a real Boston Open311 request (text, service type,
coordinates, status all unchanged) replayed as copy k = 1..N with

- a new id: "D<k>-<original service_request_id>" (the "D" marks it as derived), and
- every date shifted by k × 52 whole weeks (k × 364 days; weekday and time of day kept),
  re-expressed in Boston's local time with the right UTC offset.

The output is gzipped JSON Lines in Open311 GeoReport v2 shape (what `import_data` reads as
open311-json), written to bench/.cache/ (gitignored) with a manifest saying how it was
made. Deterministic: the same archive and --copies give a byte-identical file.

    .venv/bin/python bench/derive_requests.py            # 8 copies → 1,109,888 records
    .venv/bin/python bench/derive_requests.py --copies 2 --force
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
DEFAULT_SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
ARCHIVE = Path("boston") / "boston_open311_2008-2016.jsonl.gz"
ARCHIVE_RECORDS = 138_736
DEFAULT_COPIES = 8  # 8 × 138,736 = 1,109,888
DATE_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
BOSTON = ZoneInfo("America/New_York")
WEEKS_PER_COPY = 52


def derived_path(copies: int) -> Path:
    return CACHE / f"boston_open311_DERIVED_x{copies}.jsonl.gz"


def _shift(value: object, delta: timedelta) -> object:
    if not isinstance(value, str) or not value:
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # left as is: the importer rejects it like the original
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BOSTON)
    return (parsed + delta).astimezone(BOSTON).isoformat()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def derive(shared: Path, copies: int = DEFAULT_COPIES, out: Path | None = None, force: bool = False) -> Path:
    """Write the derived file (unless an up-to-date one exists) and return its path."""
    source = shared / ARCHIVE
    if not source.is_file():
        raise SystemExit(f"{source}: not found (pass --shared, or set CIVIC311_SHARED_DATA)")
    out = out or derived_path(copies)
    manifest_path = out.with_name(out.name.removesuffix(".jsonl.gz") + ".manifest.json")
    if out.is_file() and manifest_path.is_file() and not force:
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("copies") == copies and manifest.get("output_sha256") == _sha256(out):
            print(f"{out.relative_to(ROOT)}: up to date ({manifest['records']:,} derived records)",
                  file=sys.stderr)
            return out
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        originals = [json.loads(line) for line in fh if line.strip()]
    tmp = out.with_suffix(".tmp")
    written = 0
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=6, mtime=0) as gz:
        for copy in range(1, copies + 1):
            delta = timedelta(weeks=WEEKS_PER_COPY * copy)
            lines = []
            for obj in originals:
                new = dict(obj)
                new["service_request_id"] = f"D{copy}-{obj.get('service_request_id', '')}"
                for key in DATE_FIELDS:
                    if key in new:
                        new[key] = _shift(new[key], delta)
                lines.append(json.dumps(new, ensure_ascii=False))
            gz.write(("\n".join(lines) + "\n").encode("utf-8"))
            written += len(lines)
            print(f"  copy {copy}/{copies}: {written:,} records", file=sys.stderr)
    tmp.replace(out)
    manifest = {
        "DERIVED": "not real records: real Boston Open311 requests replayed with new ids and shifted dates",
        "source": str(ARCHIVE),
        "source_sha256": _sha256(source),
        "source_records": len(originals),
        "copies": copies,
        "records": written,
        "ids": "D<copy>-<original service_request_id>",
        "dates": f"shifted by copy × {WEEKS_PER_COPY} weeks, Boston local time",
        "output_sha256": _sha256(out),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{out.relative_to(ROOT)}: {written:,} derived records in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="folder of real city data (default ../shared/data)")
    parser.add_argument("--copies", type=int, default=DEFAULT_COPIES,
                        help=f"copies of the archive (default {DEFAULT_COPIES} → "
                             f"{DEFAULT_COPIES * ARCHIVE_RECORDS:,} records)")
    parser.add_argument("--out", type=Path, default=None, help="output .jsonl.gz (default in bench/.cache/)")
    parser.add_argument("--force", action="store_true", help="rewrite even if up to date")
    args = parser.parse_args()
    print(derive(args.shared, args.copies, args.out, args.force))


if __name__ == "__main__":
    main()
