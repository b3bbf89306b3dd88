"""A PostgreSQL database of a benchmark run's own, created and dropped around it, so that
two runs (or a run and the tests) never wipe each other's data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SERVER = "postgresql+psycopg://127.0.0.1:5432/test"


@contextmanager
def scratch_database(server: str | None, label: str) -> Iterator[str | None]:
    """Yield the URL of a new database `pantau_bench_<label>_<pid>` on the server of `server`
    (any database URL on it; default PANTAU_BENCH_POSTGRES or the local test server), dropped
    afterwards; yield None when no server answers, so the run measures SQLite only."""
    from sqlalchemy import create_engine, text

    url = server or os.environ.get("PANTAU_BENCH_POSTGRES") or DEFAULT_SERVER
    name = f"pantau_bench_{label}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 — no server: say so, measure SQLite
        print(f"PostgreSQL not measured ({type(exc).__name__})")
        admin.dispose()
        yield None
        return
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
