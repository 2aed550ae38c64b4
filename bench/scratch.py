"""Helpers the benchmarks share: the code version a run measured, and a scratch database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def code_version() -> str:
    """The commit measured, marked when civic311/ had uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "civic311"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + uncommitted changes in civic311/" if dirty else "")


def scratch_database(db: str, pg_url: str, pg_db: str, *, prefix: str) -> str:
    """Point Django at an empty scratch database (a new SQLite file, or `pg_db` dropped and
    created on the server at `pg_url`); returns what to remove afterwards."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.config.test_settings")
    if db == "sqlite":
        path = Path(tempfile.mkdtemp(prefix=prefix)) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return str(path)
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {pg_db}")
        conn.execute(f"CREATE DATABASE {pg_db}")
    os.environ["DATABASE_URL"] = f"{pg_url}/{pg_db}"
    return pg_db


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a local process has used so far (Linux /proc); 0 when it
    is gone, unreadable, or not given (a PostgreSQL server on another machine)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
