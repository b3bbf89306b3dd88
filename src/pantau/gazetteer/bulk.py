"""Insert many admin units fast on either store.

PostgreSQL gets `COPY … FROM STDIN` through the session's own connection (same transaction):
the global P-code list's 33,000 units load in about a second instead of eight with batched
INSERTs, whose huge parameter lists psycopg must parse. SQLite takes plain executemany.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pantau.store.models import AdminUnit

COLUMNS = ("version_id", "country_iso3", "level", "pcode", "name", "names", "parent_pcode",
           "valid_from", "geometry", "min_lon", "min_lat", "max_lon", "max_lat",
           "centroid_lon", "centroid_lat")
CHUNK = 5000


def insert_units(s: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if s.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), CHUNK):
            s.execute(insert(AdminUnit), rows[start:start + CHUNK])
        return
    driver = s.connection().connection.driver_connection
    sql = f"COPY admin_unit ({', '.join(COLUMNS)}) FROM STDIN"
    with driver.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row["names"]) if c == "names" else row[c]
                            for c in COLUMNS])
