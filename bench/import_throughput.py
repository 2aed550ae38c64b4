"""Import throughput: `manage.py import_data` against the raw insert limit, SQLite and
PostgreSQL side by side.

For each database and each input file, in a fresh migrated database (one worker process
each, so the two databases never share a Django configuration):

1. untimed: migrate, and load Boston's 26 neighborhoods from
   ../shared/data/boston/boston_neighborhoods.geojson (so the import locates every point);
2. reader only (informational): the file parsed into records, no database;
3. IMPORT (timed): `import_data <file> --profile boston --no-progress` via call_command,
   the real command path: parsing, bbox/placeholder checks, neighborhood lookup, catalog
   resolution, content hashing, the existing-row lookup and COPY / executemany writes,
   one transaction per file;
4. RE-IMPORT (timed): the same command again; every row is found unchanged;
5. RAW LIMIT (timed): the rows the import stored, read back (untimed) in insert order,
   inserted into an identical empty twin table (same columns, indexes, unique and foreign
   keys) in the same database without Django: sqlite3 `executemany` in one transaction
   (same PRAGMAs as Django's connection) / psycopg3 one `COPY ... FROM STDIN` + commit.

Reported: rows/s of each, and import ÷ raw (target ≥ 50 %).

    .venv/bin/python bench/import_throughput.py                       # both dbs, archive + derived
    .venv/bin/python bench/import_throughput.py --db sqlite --sizes archive --limit 20000
    .venv/bin/python bench/import_throughput.py --db postgresql --sizes archive --profile-import

The derived set (≥ 1 M records, DERIVED from real records) is made by
bench/derive_requests.py on first use. PostgreSQL: --pg-url names the server (trust auth);
the worker creates and drops the database bench_import_throughput.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT / "bench"))

from derive_requests import ARCHIVE, DEFAULT_COPIES, DEFAULT_SHARED, derive  # noqa: E402
from scratch import code_version, process_cpu  # noqa: E402

NEIGHBORHOODS = Path("boston") / "boston_neighborhoods.geojson"
TABLE = "cases_servicerequest"
TWIN = "bench_raw_servicerequest"
PG_DB = "bench_import_throughput"
RESULT_TAG = "BENCH_RESULT "


# ---------------------------------------------------------------- orchestration


def limited_copy(path: Path, limit: int) -> Path:
    """The first `limit` lines of a .jsonl.gz, cached in bench/.cache (deterministic)."""
    out = CACHE / f"{path.name.removesuffix('.jsonl.gz')}.first{limit}.jsonl.gz"
    if out.is_file():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with gzip.open(path, "rb") as src, open(tmp, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as dst:
        for n, line in enumerate(src):
            if n >= limit:
                break
            dst.write(line)
    tmp.replace(out)
    return out


def inputs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    chosen = []
    for size in args.sizes.split(","):
        size = size.strip()
        if size == "archive":
            path = args.shared / ARCHIVE
            if not path.is_file():
                raise SystemExit(f"{path}: not found (pass --shared)")
        elif size == "derived":
            path = derive(args.shared, args.copies)
        else:
            raise SystemExit(f"unknown size {size!r} (archive, derived)")
        if args.limit:
            path = limited_copy(path, args.limit)
        chosen.append((size, path))
    return chosen


def run_worker(db: str, size: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--worker", "--db", db,
        "--file", str(path), "--shared", str(args.shared), "--pg-url", args.pg_url,
    ]
    if args.profile_import:
        command += ["--profile-import"]
    if args.breakdown:
        command += ["--breakdown"]
    if args.keep:
        command += ["--keep"]
    command += ["--idle-wait", str(args.idle_wait)]
    print(f"\n== {db} / {size}: {path.name}", file=sys.stderr, flush=True)
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = child.communicate()
    except BaseException:
        child.terminate()  # the worker drops its database on SIGTERM
        child.wait()
        raise
    for line in stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result = json.loads(line[len(RESULT_TAG):])
            result["size"] = size
            return result
        print(line)
    raise SystemExit(f"worker for {db}/{size} failed (exit {child.returncode})")


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each phase's fastest run: on a shared machine the least disturbed one."""
    best = dict(runs[0])
    best["reader_s"] = min(r["reader_s"] for r in runs)
    best["cpu_s"], best["others_during"] = {}, {}
    for key, phase in (("import_s", "import"), ("reimport_s", "re-import"), ("raw_s", "raw")):
        fastest = min(runs, key=lambda r: r[key])
        best[key] = fastest[key]
        best["cpu_s"][phase] = fastest["cpu_s"][phase]
        best["others_during"][phase] = fastest["others_during"][phase]
    best["runs"] = runs
    return best


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>10,.0f}" if seconds > 0 else f"{'-':>10}"


def report(results: list[dict[str, Any]]) -> None:
    repeats = len(results[0]["runs"]) if results else 1
    print(f"\nImport throughput at {code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores" + (f", best of {repeats} runs per phase" if repeats > 1 else ""))
    print("(rows/s; import and raw count rows written, re-import rows read)")
    header = (f"{'db':<10} {'set':<8} {'rows read':>10} {'written':>10} {'reader':>10} "
              f"{'import':>10} {'raw':>10} {'imp/raw':>8} {'re-import':>10} {'import s':>9} {'raw s':>7} "
              f"{'cpu i/r':>7} {'others':>6}")
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = (r["import_s"] and r["raw_s"] / r["import_s"]) or 0.0
        cpu_ratio = (r["cpu_s"]["import"] and r["cpu_s"]["raw"] / r["cpu_s"]["import"]) or 0.0
        print(
            f"{r['db']:<10} {r['size']:<8} {r['rows_read']:>10,} {r['created']:>10,} "
            f"{rate(r['rows_read'], r['reader_s'])} {rate(r['created'], r['import_s'])} "
            f"{rate(r['raw_rows'], r['raw_s'])} {ratio:>8.0%} {rate(r['rows_read'], r['reimport_s'])} "
            f"{r['import_s']:>9.1f} {r['raw_s']:>7.1f} {cpu_ratio:>7.0%} "
            f"{max(r['others_during'].values()):>6.0%}"
        )
    print("imp/raw = raw seconds ÷ import seconds (wall) for the same rows; target ≥ 50 %.\n"
          "cpu i/r = the same ratio in CPU seconds (this process + its PostgreSQL backend), "
          "less disturbed by other work than wall time (not immune: shared caches).\n"
          "others = highest share of the CPU other processes used during a timed phase "
          "(above ~10 % the wall figures are disturbed).")
    for r in results:
        if r.get("profile"):
            print(f"\ncProfile of the {r['db']}/{r['size']} import: {r['profile']}")


# ---------------------------------------------------------------- worker (one db, one file)


def _sqlite_path() -> Path:
    return CACHE / "bench_import_throughput.sqlite3"


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_db_url(pg_url: str) -> str:
    return pg_url.rstrip("/") + "/" + PG_DB


def worker(args: argparse.Namespace) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.db == "sqlite":
        db_path = _sqlite_path()
        _remove_sqlite(db_path)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    else:
        _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        _pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = _pg_db_url(args.pg_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic311.config.settings"
    os.environ["CIVIC311_DEBUG"] = "0"  # no query log
    os.environ.setdefault("CIVIC311_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        result = _measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            if args.db == "sqlite":
                _remove_sqlite(_sqlite_path())
            else:
                _pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    print(RESULT_TAG + json.dumps(result), flush=True)


def _log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _disturbed(share: float) -> str:
    return f" [others used {share:.0%} of the CPU meanwhile]" if share > 0.05 else ""


def _cpu_busy(window: float = 2.0) -> float:
    """Fraction of all cores busy over `window` seconds (Linux /proc/stat), 0.0 elsewhere."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle1, total1 = sample()
        time.sleep(window)
        idle2, total2 = sample()
    except OSError:
        return 0.0
    return 1 - (idle2 - idle1) / max(1, total2 - total1)


def _machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot (Linux /proc/stat), 0 elsewhere."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuClock:
    """CPU seconds of this process plus its PostgreSQL backend during a phase, and the
    share of the machine's CPU that other processes used meanwhile (how disturbed the
    phase's wall time is)."""

    def __init__(self, backend_pid: int | None) -> None:
        self.backend_pid = backend_pid
        self.start = time.process_time() + process_cpu(backend_pid)
        self.machine_start = _machine_busy_seconds()
        self.wall_start = time.perf_counter()

    def seconds(self) -> float:
        return time.process_time() + process_cpu(self.backend_pid) - self.start

    def others(self) -> float:
        """Share of all cores used by other processes since the start (0 … 1)."""
        wall = time.perf_counter() - self.wall_start
        machine = _machine_busy_seconds() - self.machine_start
        return max(0.0, machine - self.seconds()) / max(1e-9, wall * (os.cpu_count() or 1))


def wait_idle(limit: float, max_busy: float = 0.15) -> float:
    """On a shared machine, wait (at most `limit` s) until other work stops competing for
    the cores, so a timed phase does not measure someone else's test run. Returns the busy
    fraction seen last (reported next to the figures)."""
    busy = _cpu_busy()
    waited = 0.0
    while busy > max_busy and waited < limit:
        if waited == 0:
            _log(f"waiting for idle cores (busy {busy:.0%}) …")
        time.sleep(8)
        waited += 10
        busy = _cpu_busy()
    if busy > max_busy:
        _log(f"still busy ({busy:.0%}) after {limit:.0f} s; measuring anyway")
    return busy


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection, connections

    from civic311.imports.models import ImportRun
    from civic311.imports.readers import READERS, detect_format
    from civic311.places.profiles import load_profile

    path: Path = args.file
    call_command("migrate", verbosity=0)
    call_command("import_data", str(args.shared / NEIGHBORHOODS), "--profile", "boston", "--skip-derived",
                 "--no-progress", stdout=io.StringIO())
    _log(f"migrated, neighborhoods loaded ({connection.vendor})")

    fmt = detect_format(path)
    assert fmt is not None
    reader = READERS[fmt]()
    zone = ZoneInfo(load_profile("boston").time_zone)
    wait_idle(args.idle_wait)
    started = time.perf_counter()
    read = sum(1 for _ in reader.read(path, zone))
    reader_s = time.perf_counter() - started
    _log(f"reader only: {read:,} records in {reader_s:.1f} s")

    breakdowns: dict[str, dict[str, Any]] = {}

    busy: dict[str, float] = {}
    cpu: dict[str, float] = {}
    others: dict[str, float] = {}
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]

    def timed_import(label: str, profile_to: Path | None = None) -> tuple[float, ImportRun]:
        out = io.StringIO()
        busy[label] = wait_idle(args.idle_wait)
        clock = CpuClock(backend_pid)
        own_cpu_start = time.process_time()
        stages = Stages().install(type(reader)) if args.breakdown else None
        if profile_to is not None:
            import cProfile

            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.runcall(call_command, "import_data", str(path), "--profile", "boston", "--skip-derived",
                             "--no-progress", stdout=out)
            seconds = time.perf_counter() - started
            profiler.dump_stats(profile_to)
        else:
            started = time.perf_counter()
            call_command("import_data", str(path), "--profile", "boston", "--skip-derived", "--no-progress", stdout=out)
            seconds = time.perf_counter() - started
        cpu[label] = clock.seconds()
        others[label] = clock.others()
        own_cpu = time.process_time() - own_cpu_start
        run = ImportRun.objects.order_by("-pk").first()
        assert run is not None
        _log(f"{label}: {seconds:.1f} s (CPU {cpu[label]:.1f} s){_disturbed(others[label])} — "
             f"{out.getvalue().splitlines()[0]}")
        if stages is not None:
            stages.remove()
            breakdowns[label] = stages.show(seconds, own_cpu)
        return seconds, run

    profile_to = None
    if args.profile_import:
        profile_to = CACHE / f"import_{args.db}_{path.name.removesuffix('.jsonl.gz')}.prof"
    import_s, first = timed_import("import", profile_to)
    reimport_s, second = timed_import("re-import")
    assert second.created == 0 and second.updated == 0, "re-import changed rows"

    columns = _columns()
    rows = _read_back(connection, columns)
    assert len(rows) == first.created, (len(rows), first.created)
    connections.close_all()
    busy["raw"] = wait_idle(args.idle_wait)
    if args.db == "sqlite":
        raw_s, cpu["raw"], others["raw"] = _raw_sqlite(rows, columns)
    else:
        raw_s, cpu["raw"], others["raw"] = _raw_postgresql(args, rows, columns)
    _log(f"raw limit: {len(rows):,} rows in {raw_s:.1f} s (CPU {cpu['raw']:.1f} s)"
         f"{_disturbed(others['raw'])}")
    return {
        "db": args.db, "file": path.name, "rows_read": first.rows_read, "created": first.created,
        "rejected": first.rejected, "reimport_unchanged": second.unchanged,
        "reader_s": reader_s, "import_s": import_s, "reimport_s": reimport_s,
        "raw_rows": len(rows), "raw_s": raw_s,
        "profile": str(profile_to.relative_to(ROOT)) if profile_to else None,
        "breakdown": breakdowns or None, "busy_before": busy, "cpu_s": cpu,
        "others_during": others,
        "loadavg_after": os.getloadavg()[0],
    }


class Stages:
    """Wall time spent in the importer's stages, by wrapping its functions (no edits to them).
    Nested stages (hash in row, adapt in insert) are also counted in their parent."""

    NAMES = ("reader", "bbox check", "locate_many", "row build", "  of which row_hash",
             "existing lookup", "insert", "  of which _adapt", "update", "commit",
             "derive_service_levels")

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(self.NAMES, 0.0)
        self.cpu = dict.fromkeys(self.NAMES, 0.0)
        self._undo: list[tuple[Any, str, Any]] = []

    def _wrap(self, owner: Any, attr: str, name: str) -> None:
        original = getattr(owner, attr)
        seconds, cpu = self.seconds, self.cpu

        def timed(*args: Any, **kwargs: Any) -> Any:
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu

        self._undo.append((owner, attr, original))
        setattr(owner, attr, timed)

    def _wrap_reader(self, reader_class: Any) -> None:
        original = reader_class.read
        seconds, cpu = self.seconds, self.cpu

        def read(reader: Any, *args: Any, **kwargs: Any) -> Any:
            items = original(reader, *args, **kwargs)
            while True:
                started, started_cpu = time.perf_counter(), time.process_time()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    seconds["reader"] += time.perf_counter() - started
                    cpu["reader"] += time.process_time() - started_cpu
                yield item

        self._undo.append((reader_class, "read", original))
        reader_class.read = read

    def install(self, reader_class: Any) -> Stages:
        from django.db import DEFAULT_DB_ALIAS, connections

        from civic311.imports import services, writer
        from civic311.places.lookup import AreaIndex

        self._wrap_reader(reader_class)
        self._wrap(services._Importer, "locate", "bbox check")
        self._wrap(AreaIndex, "locate_many", "locate_many")
        self._wrap(services._Importer, "row", "row build")
        self._wrap(services, "row_hash", "  of which row_hash")
        self._wrap(writer.RequestWriter, "existing", "existing lookup")
        self._wrap(writer.RequestWriter, "insert", "insert")
        self._wrap(writer.RequestWriter, "_adapt", "  of which _adapt")
        self._wrap(writer.RequestWriter, "update", "update")
        self._wrap(connections[DEFAULT_DB_ALIAS], "commit", "commit")
        self._wrap(services, "derive_service_levels", "derive_service_levels")
        return self

    def remove(self) -> None:
        for owner, attr, original in reversed(self._undo):
            if attr == "commit":  # an instance attribute over the class's method
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)
        self._undo.clear()

    def show(self, total: float, total_cpu: float) -> dict[str, Any]:
        """Wall and CPU (this process only: PostgreSQL's own work is not in it) per stage."""
        _log(f"  {'stage':<24} {'wall s':>7} {'share':>6} {'CPU s':>7} {'share':>6}")
        top = sum(v for k, v in self.seconds.items() if not k.startswith(" "))
        top_cpu = sum(v for k, v in self.cpu.items() if not k.startswith(" "))
        rows = [*self.seconds.items(), ("other (loop, catalog…)", total - top)]
        cpus = [*self.cpu.values(), total_cpu - top_cpu]
        for (name, seconds), cpu in zip(rows, cpus, strict=True):
            _log(f"  {name:<24} {seconds:7.2f} {seconds / total:6.1%} {cpu:7.2f} {cpu / total_cpu:6.1%}")
        return {"wall": dict(rows), "cpu": dict(zip([r[0] for r in rows], cpus, strict=True))}


def _columns() -> tuple[str, ...]:
    from civic311.imports.writer import COLUMNS

    return COLUMNS


def _read_back(connection: Any, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The stored rows, in insert order, as the values the importer handed to the driver:
    SQLite text datetimes as stored; on PostgreSQL the JSON column as text."""
    select = ", ".join(
        f'"{c}"::text' if c == "attributes" and connection.vendor == "postgresql" else f'"{c}"'
        for c in columns
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {select} FROM "{TABLE}" ORDER BY id')
        rows = [tuple(r) for r in cursor.fetchall()]
    _log(f"read back {len(rows):,} rows in {time.perf_counter() - started:.1f} s (untimed)")
    return rows


def _raw_sqlite(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> tuple[float, float, float]:
    conn = sqlite3.connect(_sqlite_path(), isolation_level=None)
    # The PRAGMAs Django's connection runs (settings.py init_command + backend defaults).
    for pragma in ("foreign_keys = ON", "legacy_alter_table = OFF", "journal_mode = WAL",
                   "synchronous = NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    ddl = conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC",
        (TABLE,),
    ).fetchall()
    conn.execute(f'DROP TABLE IF EXISTS "{TWIN}"')
    for _kind, sql in ddl:  # the table first, then its indexes, renamed
        sql = re.sub(r'(CREATE (?:UNIQUE )?INDEX )"([^"]+)"', rf'\1"{TWIN}_\2"', sql)
        conn.execute(sql.replace(f'"{TABLE}"', f'"{TWIN}"'))
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    clock = CpuClock(None)
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f'INSERT INTO "{TWIN}" ({names}) VALUES ({marks})', rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    cpu, others = clock.seconds(), clock.others()
    count = conn.execute(f'SELECT count(*) FROM "{TWIN}"').fetchone()[0]
    assert count == len(rows)
    conn.close()
    return seconds, cpu, others


def _raw_postgresql(
    args: argparse.Namespace, rows: list[tuple[Any, ...]], columns: tuple[str, ...]
) -> tuple[float, float, float]:
    import psycopg

    with psycopg.connect(_pg_db_url(args.pg_url), autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{TWIN}"')
        conn.execute(f'CREATE TABLE "{TWIN}" (LIKE "{TABLE}" INCLUDING ALL)')
        foreign = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'", (TABLE,),
        ).fetchall()
        for name, definition in foreign:
            constraint = f"{TWIN}_{name}"[:63]
            conn.execute(f'ALTER TABLE "{TWIN}" ADD CONSTRAINT "{constraint}" {definition}')
    names = ", ".join(f'"{c}"' for c in columns)
    with psycopg.connect(_pg_db_url(args.pg_url)) as conn:
        clock = CpuClock(conn.info.backend_pid)
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(f'COPY "{TWIN}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - started
        cpu, others = clock.seconds(), clock.others()
        count = conn.execute(f'SELECT count(*) FROM "{TWIN}"').fetchone()
        assert count is not None and count[0] == len(rows)
    return seconds, cpu, others


# ---------------------------------------------------------------- command line


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="both", choices=("sqlite", "postgresql", "both"))
    parser.add_argument("--sizes", default="archive,derived", help="archive, derived or both (comma)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N records of each file")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each database × file N times and report each phase's best")
    parser.add_argument("--copies", type=int, default=DEFAULT_COPIES, help="copies in the derived set")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="folder of real city data (default ../shared/data)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server, without a database name")
    parser.add_argument("--profile-import", action="store_true",
                        help="cProfile the first import; stats go to bench/.cache/*.prof")
    parser.add_argument("--breakdown", action="store_true",
                        help="time the import's stages (light wrappers; adds a little overhead)")
    parser.add_argument("--idle-wait", type=float, default=300,
                        help="before each timed phase wait up to this many seconds for other work "
                             "to stop using the CPU (0: don't wait); default 300")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = []
    for size, path in inputs(args):
        for db in dbs:
            runs = [run_worker(db, size, path, args) for _ in range(args.repeat)]
            results.append(best_of(runs))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
