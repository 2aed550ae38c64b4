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
