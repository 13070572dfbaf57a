"""The benchmark database: created, migrated and seeded once, then reused while it holds the full dataset."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
FILES = 200_000
# The first files go through the real services (history, events, investigation, plan, helpers),
# as `make run` seeds them, so the file page has a realistic card to show; the rest are bulk rows.
SERVICE_FILES = 200


def connect(dbname: str):
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None, dbname=dbname
    )
    conn.autocommit = True
    return conn


def _file_count() -> int | None:
    """Files in the bench database, or None when it or its tables do not exist yet."""
    try:
        conn = connect(settings.DATABASES["default"]["NAME"])
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases_hardshipfile")
            return cur.fetchone()[0]
    except psycopg2.Error:
        return None
    finally:
        conn.close()


def backend_pids() -> list[int]:
    """The PostgreSQL backends serving the bench database (the app's persistent connections)."""
    conn = connect(settings.DATABASES["default"]["NAME"])
    with conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids = [pid for (pid,) in cur.fetchall()]
    conn.close()
    return pids


def _recreate_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    conn = connect("postgres")
    with conn.cursor() as cur:
        # FORCE: a gunicorn left over from an interrupted run may still hold connections.
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(*args: str, env: dict | None = None) -> float:
    """Run a manage.py command with the bench settings (and `env` added); return its wall-clock seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=hardship.settings.bench"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return time.perf_counter() - started


def ensure_dataset(*, reseed: bool, log: Callable[[str], None]) -> dict:
    """Reuse a database holding exactly FILES files, or build one; time each step."""
    have = _file_count()
    timings: dict[str, float] = {}
    if reseed or have != FILES:
        why = "--reseed" if reseed else f"found {have if have is not None else 'no database'}"
        log(f">> Building {settings.DATABASES['default']['NAME']}: {FILES:,} files ({why}).")
        _recreate_database()
        timings["migrate_s"] = manage("migrate", "-v0")
        log(f"   migrate: {timings['migrate_s']:.1f} s")
        timings["seed_services_s"] = manage("seed_demo", "--files", str(SERVICE_FILES))
        log(f"   seed_demo --files {SERVICE_FILES} (through the services): {timings['seed_services_s']:.1f} s")
        timings["seed_bulk_s"] = manage("seed_demo", "--files", str(FILES))
        log(f"   seed_demo --files {FILES} (bulk): {timings['seed_bulk_s']:.1f} s")
        timings["seed_total_s"] = timings["migrate_s"] + timings["seed_services_s"] + timings["seed_bulk_s"]
    else:
        log(f">> Reusing {settings.DATABASES['default']['NAME']}: {have:,} files (--reseed to rebuild).")
        manage("migrate", "-v0")
    # Fresh statistics and a visibility map, as autovacuum would leave a long-lived database.
    started = time.perf_counter()
    conn = connect(settings.DATABASES["default"]["NAME"])
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    timings["vacuum_analyze_s"] = time.perf_counter() - started
    return {"reused": not timings.get("seed_total_s"), "files": FILES, **{k: round(v, 1) for k, v in timings.items()}}


# autovacuum's own rule for when a table is analyzed again: 50 rows plus 10% of it changed since the last time.
_STALE_TABLES = """
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
"""


def analyze_stale(conn) -> list[str]:
    """ANALYZE the tables autovacuum would analyze now; returns their names."""
    with conn.cursor() as cur:
        cur.execute(_STALE_TABLES)
        tables = [name for (name,) in cur.fetchall()]
        for name in tables:
            cur.execute(f'ANALYZE "{name}"')
    return tables


class Autoanalyze:
    """Analyze as autovacuum would, every `every` seconds, while a load runs on a server that has it off.

    A production PostgreSQL runs autovacuum. Where `SHOW autovacuum` is off (this workplace's machines),
    the tables a load writes to (the approval queue's requests, visits, sessions, the access log) keep
    the statistics of before the run, and the planner keeps choosing plans made for a near-empty table:
    the approvals queue took 90 ms instead of 1 ms. On a server with autovacuum on this does nothing.
    """

    def __init__(self, every: float = 30) -> None:
        self.every = every
        self.analyzed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.active = False

    def __enter__(self) -> "Autoanalyze":
        conn = connect(settings.DATABASES["default"]["NAME"])
        with conn.cursor() as cur:
            cur.execute("SHOW autovacuum")
            self.active = cur.fetchone()[0] == "off"
        if self.active:
            self.analyzed += analyze_stale(conn)  # what was written before the run (the requests to approve)
            self._conn = conn
            self._thread.start()
        else:
            conn.close()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.analyzed += analyze_stale(self._conn)

    def __exit__(self, *exc) -> None:
        if self.active:
            self._stop.set()
            self._thread.join()
            self._conn.close()
