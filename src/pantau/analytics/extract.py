"""Bring one operation's DuckDB `facts` up to date with what counts in the store.

Observations leave the store in bulk — SQLite through the driver's cursor in batches of
column arrays, PostgreSQL with `COPY … TO STDOUT` into a file DuckDB reads — so memory holds
one batch, not the operation. Places are resolved once per distinct combination of answered
P-codes (a few thousand at most), not once per observation. Only submission versions that
changed are read when nothing else did (see `load`).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
from sqlalchemy import String, cast, select

from pantau.analytics.counted import counted_observations
from pantau.analytics.duck import run
from pantau.analytics.places import Unit, place, place_origin
from pantau.gazetteer.countries import country
from pantau.operations import get_operation
from pantau.store.models import AdminUnit, GazetteerVersion, Observation, Round

if TYPE_CHECKING:
    from pantau.workspace import Workspace

BATCH = 200_000
Progress = Callable[[str, int, int | None], None]

_COLUMNS = (Observation.round_id, Observation.version_id, Observation.site_code,
            Observation.admin1_pcode, Observation.admin2_pcode, Observation.admin3_pcode,
            Observation.admin4_pcode, cast(Observation.date, String),
            Observation.population_group, Observation.unit, Observation.sex,
            Observation.age_group, Observation.reason, Observation.origin_pcode,
            Observation.shelter, Observation.sector, Observation.indicator, Observation.value,
            Observation.estimated)
_STAGING = [("round_id", "BIGINT"), ("version_id", "BIGINT"), ("site_code", "VARCHAR"),
            ("a1", "VARCHAR"), ("a2", "VARCHAR"), ("a3", "VARCHAR"), ("a4", "VARCHAR"),
            ("obs_date", "VARCHAR"), ("population_group", "VARCHAR"), ("unit", "VARCHAR"),
            ("sex", "VARCHAR"), ("age_group", "VARCHAR"), ("reason", "VARCHAR"),
            ("origin_pcode", "VARCHAR"), ("shelter", "VARCHAR"), ("sector", "VARCHAR"),
            ("indicator", "VARCHAR"), ("value", "DOUBLE"), ("estimated", "BOOLEAN")]
_NUMPY = {"BIGINT": np.int64, "DOUBLE": np.float64, "BOOLEAN": np.bool_}


@dataclass
class Loaded:
    mode: str = "full"  # full | incremental
    observations: int = 0  # that count, now in `facts`
    added: int = 0  # submission versions read from the store
    removed: int = 0  # submission versions that no longer count
    unplaced: int = 0
    unknown_codes: list[tuple[str, int]] = field(default_factory=list)
    rounds_without_gazetteer: list[str] = field(default_factory=list)
    fingerprint: str = ""
    # (assessment type, round number) whose facts changed; None: all (a full refresh)
    touched: set[tuple[str, int]] | None = None
    # incremental and nothing stopped counting: the versions read are in the temp table
    # `added_versions`, and the derived tables can take them as a delta (see _derive)
    additions_only: bool = False


@dataclass
class _Store:
    """What a refresh reads from the store besides the observations."""

    op_id: int
    name: str
    iso3: str
    rounds: list[tuple[Round, str | None]]
    units: dict[int, dict[str, Unit]]
    fingerprint: str


MAX_INCREMENT = 20_000  # more new versions than this: reading everything is as quick


def load(ws: Workspace, con: duckdb.DuckDBPyConnection, slug: str,
         progress: Progress | None = None, full: bool = False) -> Loaded:
    """Bring `rounds` and `facts` of the operation up to date with the store.

    Incremental when the operation was loaded before with the same rounds and gazetteer
    versions (the fingerprint): only submission versions that started to count are read,
    and those that stopped counting (edited, deleted, no longer approved) are removed —
    versions are never changed in place, so a version id stands for fixed figures.
    Otherwise (or with `full`) everything is read again, without listing what counts
    first."""
    store = _read_store(ws, slug)
    loaded = Loaded(fingerprint=store.fingerprint, rounds_without_gazetteer=[
        f"{r.assessment_type} #{r.number}" for r, _ in store.rounds
        if r.gazetteer_version_id is None])
    previous = run(con, "SELECT fingerprint FROM refreshes WHERE operation = $op",
                   {"op": slug}).fetchall()
    full = full or not previous or previous[0][0] != store.fingerprint
    added: set[int] = set()
    removed: set[int] = set()
    if not full:  # listing what counts is only needed to know what changed
        counted = {v for (v,) in _versions(ws, store.op_id)}
        have = {v for (v,) in run(con, "SELECT DISTINCT version_id FROM facts WHERE "
                                  "operation = $op", {"op": slug}).fetchall()}
        added, removed = counted - have, have - counted
        full = len(added) > MAX_INCREMENT
    if full:
        removed = set()
        for table in ("facts", "rounds"):
            run(con, f"DELETE FROM {table} WHERE operation = $op", {"op": slug})
        _insert_rounds(con, slug, store)
    else:
        loaded.mode = "incremental"
        loaded.touched = _delete_versions(con, slug, removed)
    run(con, "CREATE TEMP TABLE staging (" + ", ".join(f"{c} {t}" for c, t in _STAGING) + ")")
    if full or added:
        _stage(ws, con, store.op_id, None if full else sorted(added), progress)
    loaded.removed = len(removed)
    loaded.added = len(added) if not full else \
        run(con, "SELECT count(DISTINCT version_id) FROM staging").fetchall()[0][0]
    _places(con, store.units)
    if loaded.touched is not None:
        loaded.touched |= set(run(con, "SELECT DISTINCT r.assessment_type, r.round_number "
                                  "FROM staging s JOIN rounds r USING (round_id)").fetchall())
    # A round without dates is reported on the latest assessment date in it.
    run(con, "UPDATE rounds SET reporting_date = s.reported FROM (SELECT round_id, "
        "max(TRY_CAST(obs_date AS DATE)) AS reported FROM staging GROUP BY round_id) s "
        "WHERE rounds.round_id = s.round_id AND rounds.reporting_date IS NULL")
    run(con, _facts_sql(), {"op": slug, "adm0": store.iso3,
                            "adm0_name": country(store.iso3).name})
    if loaded.mode == "incremental" and not removed:
        loaded.additions_only = True
        run(con, "CREATE TEMP TABLE added_versions AS SELECT DISTINCT version_id FROM staging")
    run(con, "DROP TABLE staging; DROP TABLE places; DROP TABLE origins")
    _summarise(con, slug, loaded)
    return loaded


def _read_store(ws: Workspace, slug: str) -> _Store:
    with ws.session() as s:
        op = get_operation(s, slug)
        rounds = [(r, label) for r, label in s.execute(
            select(Round, GazetteerVersion.label).outerjoin(
                GazetteerVersion, GazetteerVersion.id == Round.gazetteer_version_id)
            .where(Round.operation_id == op.id).order_by(Round.id)).all()]
        versions = {r.gazetteer_version_id for r, _ in rounds if r.gazetteer_version_id}
        units: dict[int, dict[str, Unit]] = {v: {} for v in versions}
        for vid, pcode, level, uname, parent in s.execute(
                select(AdminUnit.version_id, AdminUnit.pcode, AdminUnit.level, AdminUnit.name,
                       AdminUnit.parent_pcode).where(AdminUnit.version_id.in_(versions))):
            units[vid][pcode] = (level, uname, parent)
        # Whatever the loaded facts were derived from: a change means reading all again.
        # (A round without any date takes its reporting date from the data: always full.)
        parts = [op.name, op.country_iso3, *(
            f"{r.id}/{r.assessment_type}/{r.number}/{r.period_start}/{r.period_end}/"
            f"{r.reporting_date}/{r.gazetteer_version_id}/{label}" for r, label in rounds),
            *(f"{v}:{sorted(u.items())}" for v, u in sorted(units.items()))]
        if any(r.period_start is r.period_end is r.reporting_date is None for r, _ in rounds):
            parts.append(str(dt.datetime.now(dt.UTC)))
        fingerprint = hashlib.sha256("|".join(parts).encode()).hexdigest()
        return _Store(op.id, op.name, op.country_iso3, rounds, units, fingerprint)


def _insert_rounds(con: duckdb.DuckDBPyConnection, slug: str, store: _Store) -> None:
    for r, label in store.rounds:
        run(con, "INSERT INTO rounds VALUES ($op, $name, $iso3, $type, $number, "
            "coalesce($reported, $end, $start), $label, $id, $start, $end, $gv)",
            {"op": slug, "name": store.name, "iso3": store.iso3, "type": r.assessment_type,
             "number": r.number, "reported": r.reporting_date, "end": r.period_end,
             "start": r.period_start, "label": label, "id": r.id,
             "gv": r.gazetteer_version_id})


def _versions(ws: Workspace, op_id: int) -> list[tuple[int]]:
    """The submission versions whose observations count (the rule of counted.py)."""
    q = counted_observations(op_id).with_only_columns(Observation.version_id).distinct()
    with ws.engine.connect() as conn:
        return [(v,) for (v,) in conn.execute(q)]


def _delete_versions(con: duckdb.DuckDBPyConnection, slug: str,
                     ids: set[int]) -> set[tuple[str, int]]:
    """Remove the facts of versions that stopped counting; returns their rounds."""
    if not ids:
        return set()
    con.register("gone", {"version_id": np.fromiter(ids, dtype=np.int64, count=len(ids))})
    where = "operation = $op AND version_id IN (SELECT version_id FROM gone)"
    rounds = set(run(con, f"SELECT DISTINCT assessment_type, round_number FROM facts "
                     f"WHERE {where}", {"op": slug}).fetchall())
    run(con, f"DELETE FROM facts WHERE {where}", {"op": slug})
    con.unregister("gone")
    return rounds


def _summarise(con: duckdb.DuckDBPyConnection, slug: str, loaded: Loaded) -> None:
    """Counts over all the operation's facts, whichever way they were loaded."""
    loaded.observations, loaded.unplaced = run(
        con, "SELECT count(*), count(*) FILTER (WHERE NOT placed) FROM facts WHERE "
        "operation = $op", {"op": slug}).fetchall()[0]
    loaded.unknown_codes = [(code, n) for code, n in run(
        con, "SELECT coalesce(admin4_pcode, admin3_pcode, admin2_pcode, admin1_pcode) AS code, "
        "count(*) AS n FROM facts WHERE operation = $op AND NOT placed AND code IS NOT NULL "
        "GROUP BY code ORDER BY n DESC, code LIMIT 20", {"op": slug}).fetchall()]


def _stage(ws: Workspace, con: duckdb.DuckDBPyConnection, op_id: int,
           versions: list[int] | None, progress: Progress | None) -> None:
    """Counted observations (of `versions` only, when given) into the `staging` table."""
    select_cols = ", ".join(f"CAST({c} AS {t})" for c, t in _STAGING)
    q = counted_observations(op_id).with_only_columns(*_COLUMNS)
    if versions is not None:
        q = q.where(Observation.version_id.in_(versions))
    # Literal binds: the values are the operation's id, version ids and the review states.
    text = str(q.compile(ws.engine, compile_kwargs={"literal_binds": True}))
    if versions is not None and ws.engine.dialect.name == "sqlite":
        # Without statistics SQLite walks every observation of the operation (its
        # operation/round index) to pick out a few versions: point it at the version index.
        text = text.replace("FROM observation JOIN", "FROM observation INDEXED BY "
                            "ix_observation_version JOIN", 1)
    if ws.engine.dialect.name == "postgresql":
        _fresh_statistics(ws)
        _stage_copy(ws, con, text, select_cols, progress)
        return
    raw = ws.engine.raw_connection()
    try:
        # The driver's own cursor: SQLAlchemy's row objects cost more than the copy itself.
        _copy_rows(raw.driver_connection, text, con, select_cols, progress)  # type: ignore[arg-type]
    finally:
        raw.close()


def _copy_rows(source: sqlite3.Connection, query: str, con: duckdb.DuckDBPyConnection,
               select_cols: str, progress: Progress | None) -> int:
    """The rows of `query` into `staging`, a batch of column arrays at a time."""
    done = 0
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: the cyclic GC would scan them again and again
    try:
        cur = source.cursor()
        cur.execute(query)
        while part := cur.fetchmany(BATCH):
            con.register("batch", _columns(part))
            run(con, f"INSERT INTO staging SELECT {select_cols} FROM batch")
            con.unregister("batch")
            done += len(part)
            del part
            if progress:
                progress("Reading observations", done, None)
        cur.close()
    finally:
        if collecting:
            gc.enable()
    return done


def _columns(rows: list[tuple[Any, ...]]) -> dict[str, np.ndarray]:
    """Rows as the column arrays of `_STAGING`: one object matrix built in C, then a column
    per name (numbers converted to their machine type, text left as Python strings)."""
    matrix = np.array(rows, dtype=object)
    out: dict[str, np.ndarray] = {}
    for i, (name, kind) in enumerate(_STAGING):
        column = matrix[:, i]
        # An empty number stays an object (DuckDB's CAST reads None as NULL); numpy would
        # make it NaN or False.
        out[name] = column.astype(_NUMPY[kind]) if kind in _NUMPY and \
            not np.equal(column, None).any() else np.ascontiguousarray(column)
    return out


_JOINED = ("observation", "submission_version", "submission")


def _fresh_statistics(ws: Workspace) -> None:
    """ANALYZE the joined tables when a bulk import changed a tenth of them since their last
    statistics. Right after an import (before autovacuum runs) PostgreSQL believes the
    tables nearly empty and picks a plan that is quadratic in the observations: minutes
    instead of seconds for 500,000 rows."""
    with ws.engine.connect() as conn:
        stale = conn.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%(names)s) AND "
            "n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1000)",
            {"names": list(_JOINED)}).scalars().all()
        if stale:
            conn.exec_driver_sql("ANALYZE " + ", ".join(t for t in _JOINED if t in stale))
            conn.commit()


def _stage_copy(ws: Workspace, con: duckdb.DuckDBPyConnection, query: str, select_cols: str,
                progress: Progress | None) -> None:
    """PostgreSQL: COPY the rows out as CSV into a temporary file that DuckDB reads in
    parallel; no row passes through Python objects."""
    with tempfile.TemporaryDirectory(dir=ws.path, prefix="refresh-") as folder:
        path = Path(folder) / "observations.csv"
        raw = ws.engine.raw_connection()
        try:
            cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
            with path.open("wb") as f, cur.copy(
                    f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')") as copy:
                for chunk in copy:
                    f.write(chunk)
            cur.close()
        finally:
            raw.close()
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c, _ in _STAGING) + "}"
        if path.stat().st_size:
            run(con, f"INSERT INTO staging SELECT {select_cols} FROM read_csv($path, "
                f"auto_detect = false, header = false, delim = ',', quote = '\"', "
                f"escape = '\"', nullstr = '\\N', allow_quoted_nulls = false, "
                f"columns = {columns})", {"path": str(path)})
    if progress:
        done = int(run(con, "SELECT count(*) FROM staging").fetchall()[0][0])
        progress("Reading observations", done, done)


def _places(con: duckdb.DuckDBPyConnection, units: dict[int, dict[str, Unit]]) -> None:
    """Resolve each distinct answered place and origin once (see places.py)."""
    run(con, "CREATE TEMP TABLE places (gv BIGINT, a1 VARCHAR, a2 VARCHAR, a3 VARCHAR, "
        "a4 VARCHAR, admin1_pcode VARCHAR, admin1_name VARCHAR, admin2_pcode VARCHAR, "
        "admin2_name VARCHAR, admin3_pcode VARCHAR, admin3_name VARCHAR, placed BOOLEAN)")
    run(con, "CREATE TEMP TABLE origins (gv BIGINT, origin_pcode VARCHAR, "
        "origin_admin1_pcode VARCHAR, origin_admin1_name VARCHAR, origin_admin2_pcode VARCHAR, "
        "origin_admin2_name VARCHAR)")
    combos = run(con, "SELECT DISTINCT coalesce(r.gazetteer_version_id, -1), s.a1, s.a2, s.a3, "
                 "s.a4 FROM staging s JOIN rounds r USING (round_id)").fetchall()
    rows = []
    for gv, a1, a2, a3, a4 in combos:
        placed = place(units.get(gv, {}), (a1, a2, a3, a4))
        rows.append((gv, a1 or "", a2 or "", a3 or "", a4 or "",
                     *(x for pair in placed.levels for x in pair), placed.known))
    _insert(con, "places", rows)
    origins = run(con, "SELECT DISTINCT coalesce(r.gazetteer_version_id, -1), s.origin_pcode "
                  "FROM staging s JOIN rounds r USING (round_id) "
                  "WHERE s.origin_pcode IS NOT NULL").fetchall()
    rows = [(gv, code, *place_origin(units.get(gv, {}), code)[0],
             *place_origin(units.get(gv, {}), code)[1]) for gv, code in origins]
    _insert(con, "origins", rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert Python rows as column arrays (DuckDB's executemany runs row by row)."""
    if not rows:
        return
    names = [c for (c,) in run(con, f"SELECT column_name FROM (DESCRIBE {table})").fetchall()]
    con.register("new_rows", {n: np.array(col, dtype=object)
                              for n, col in zip(names, zip(*rows, strict=True), strict=True)})
    run(con, f"INSERT INTO {table} SELECT {', '.join(names)} FROM new_rows")
    con.unregister("new_rows")


def _facts_sql() -> str:
    return """INSERT INTO facts BY NAME
SELECT r.operation, r.operation_name, r.country_iso3, r.assessment_type, r.round_number,
  r.reporting_date,
  r.gazetteer_version, s.round_id, s.version_id, s.site_code,
  $adm0 AS admin0_pcode, $adm0_name AS admin0_name,
  p.admin1_pcode, p.admin1_name, p.admin2_pcode, p.admin2_name, p.admin3_pcode, p.admin3_name,
  s.a4 AS admin4_pcode, p.placed, TRY_CAST(s.obs_date AS DATE) AS obs_date,
  s.population_group,
  lower(CASE WHEN starts_with(s.indicator, '#') THEN split_part(substr(s.indicator, 2), '+', 1)
             ELSE s.indicator END) AS measure,
  s.unit, s.sex, s.age_group, s.reason, s.origin_pcode,
  o.origin_admin1_pcode, o.origin_admin1_name, o.origin_admin2_pcode, o.origin_admin2_name,
  s.shelter, s.sector, s.indicator, s.value, s.estimated
FROM staging s
JOIN rounds r ON r.round_id = s.round_id AND r.operation = $op
JOIN places p ON p.gv = coalesce(r.gazetteer_version_id, -1) AND p.a1 = coalesce(s.a1, '')
  AND p.a2 = coalesce(s.a2, '') AND p.a3 = coalesce(s.a3, '') AND p.a4 = coalesce(s.a4, '')
LEFT JOIN origins o ON o.gv = coalesce(r.gazetteer_version_id, -1)
  AND o.origin_pcode = s.origin_pcode"""

