"""Flow figures from FMR counts, computed in DuckDB: flows over time, shares, O–D matrices.

The SQL is built by pure `*_sql` functions (parameterised, never with user values pasted in)
and run by `pantau.analytics.duck.run`, the one executor. Every function reads a DuckDB table
`fmr` with one row per FMR group (see `FMR_COLUMNS`); `load` fills it from the store for one
operation, and the benchmark fills it with ten million generated rows — the same SQL serves
both. Figures are sums of individuals; nothing is extrapolated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
from sqlalchemy import select

from pantau.analytics.duck import run
from pantau.errors import PantauError
from pantau.operations import get_operation
from pantau.store.flows import DIRECTIONS, FlowCount, FlowPoint
from pantau.store.models import Site

if TYPE_CHECKING:
    from pantau.workspace import Workspace

PERIODS = ("day", "week", "month")
# What a flow can be grouped by, and what an O–D matrix can have on either side.
DIMENSIONS = ("point", "direction", "nationality", "transport", "previous_country",
              "next_country", "final_country", "final_area", "next_area", "reason",
              "admin1", "admin2")
FMR_COLUMNS = [("point", "VARCHAR"), ("point_name", "VARCHAR"), ("admin1", "VARCHAR"),
               ("admin2", "VARCHAR"), ("date", "DATE"), ("direction", "VARCHAR"),
               ("nationality", "VARCHAR"), ("total", "BIGINT"), ("men", "BIGINT"),
               ("women", "BIGINT"), ("boys", "BIGINT"), ("girls", "BIGINT"),
               ("unaccompanied", "BIGINT"), ("transport", "VARCHAR"),
               ("previous_country", "VARCHAR"), ("next_country", "VARCHAR"),
               ("next_area", "VARCHAR"), ("final_country", "VARCHAR"),
               ("final_area", "VARCHAR"), ("reason", "VARCHAR")]


@dataclass(frozen=True)
class Filter:
    """Which groups a figure counts: a period (inclusive), points, a direction."""

    start: dt.date | None = None
    end: dt.date | None = None
    points: tuple[str, ...] = ()
    direction: str | None = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        parts, params = ["TRUE"], {}
        if self.start:
            parts.append("date >= $start")
            params["start"] = self.start
        if self.end:
            parts.append("date <= $end")
            params["end"] = self.end
        if self.points:
            parts.append("list_contains($points, CAST(point AS VARCHAR))")
            params["points"] = list(self.points)
        if self.direction:
            if self.direction not in DIRECTIONS:
                raise PantauError("invalid", message=f"'{self.direction}' is not a direction "
                                  f"(use one of: {', '.join(DIRECTIONS)})")
            parts.append("CAST(direction AS VARCHAR) = $direction")
            params["direction"] = self.direction
        return " AND ".join(parts), params


def check(period: str | None = None, dims: tuple[str, ...] = ()) -> None:
    """Periods and dimensions go into the SQL as words, not parameters: only known ones
    pass, so no text from a request ever reaches the SQL."""
    if period is not None and period not in PERIODS:
        raise PantauError("invalid", message=f"'{period}' is not a period (use one of: "
                          f"{', '.join(PERIODS)})")
    for d in dims:
        if d not in DIMENSIONS:
            raise PantauError("invalid", message=f"'{d}' is not a flow dimension (use one of: "
                              f"{', '.join(DIMENSIONS)})")


def flows_sql(period: str, by: tuple[str, ...], where: str = "TRUE") -> str:
    """Individuals (and the sex/age groups) per period start × `by`; weeks start on Monday
    (ISO weeks), months on the 1st."""
    check(period, by)
    keys = ", ".join(by)
    sel = f", {keys}" if by else ""
    return (f"SELECT CAST(date_trunc('{period}', date) AS DATE) AS period{sel}, "
            "SUM(total) AS individuals, SUM(men) AS men, SUM(women) AS women, "
            "SUM(boys) AS boys, SUM(girls) AS girls, SUM(unaccompanied) AS unaccompanied, "
            "COUNT(*) AS groups "
            f"FROM fmr WHERE {where} GROUP BY ALL ORDER BY period{sel}")


def compare_sql(period: str, by: tuple[str, ...], where: str = "TRUE") -> str:
    """Each period's individuals beside the previous period's (same `by` values), with the
    change and the relative change. A previous period without any group counted is NULL,
    not 0: FMR records groups, so it cannot tell "nobody passed" from "not observed"."""
    check(period, by)
    keys = ", ".join(by)
    sel = f", {keys}" if by else ""
    same = "".join(f" AND p.{k} IS NOT DISTINCT FROM c.{k}" for k in by)
    return (f"WITH f AS (SELECT CAST(date_trunc('{period}', date) AS DATE) AS period{sel}, "
            f"SUM(total) AS individuals FROM fmr WHERE {where} GROUP BY ALL) "
            f"SELECT c.period{''.join(f', c.{k}' for k in by)}, c.individuals, "
            "p.individuals AS previous, c.individuals - p.individuals AS change, "
            "CAST(c.individuals - p.individuals AS DOUBLE) / p.individuals AS change_share "
            f"FROM f c LEFT JOIN f p ON p.period = CAST(c.period - INTERVAL 1 {period} AS DATE)"
            f"{same} ORDER BY c.period{''.join(f', c.{k}' for k in by)}")


def shares_sql(dimension: str, where: str = "TRUE") -> str:
    """Individuals per value of `dimension`, its share of the base (groups where it is
    known), the base and the unknown remainder; the period is the data's own first and last
    day within the filter."""
    check(None, (dimension,))
    return (f"WITH f AS (SELECT * FROM fmr WHERE {where}), "
            f"k AS (SELECT {dimension} AS value, SUM(total) AS individuals FROM f "
            f"WHERE {dimension} IS NOT NULL GROUP BY 1) "
            "SELECT value, individuals, "
            "individuals / SUM(individuals) OVER () AS share, "
            "SUM(individuals) OVER () AS base, "
            f"(SELECT COALESCE(SUM(total), 0) FROM f WHERE {dimension} IS NULL) AS unknown, "
            "(SELECT MIN(date) FROM f) AS first_day, (SELECT MAX(date) FROM f) AS last_day "
            "FROM k ORDER BY individuals DESC, value")


def od_matrix_sql(origin: str, dest: str, where: str = "TRUE") -> str:
    """Individuals per origin × destination (both known), with each cell's share of its
    origin's row."""
    check(None, (origin, dest))
    return (f"SELECT {origin} AS origin, {dest} AS dest, SUM(total) AS individuals, "
            f"SUM(total) / SUM(SUM(total)) OVER (PARTITION BY {origin}) AS share_of_origin "
            f"FROM fmr WHERE {where} AND {origin} IS NOT NULL AND {dest} IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY origin, individuals DESC, dest")


def create_sql() -> str:
    return "CREATE OR REPLACE TABLE fmr (" + ", ".join(f"{n} {t}" for n, t in FMR_COLUMNS) \
        + ")"


# Codes that flows are grouped by: stored as ENUMs once the table is filled (DuckDB's
# categoricals), so grouping and sorting compare small integers instead of strings.
ENUM_COLUMNS = ("point", "direction", "nationality", "previous_country", "final_country")


def use_enums(con: duckdb.DuckDBPyConnection) -> None:
    """Turn the code columns of a filled `fmr` into ENUMs of their values, sorted, so ORDER
    BY still sorts alphabetically."""
    for c in ENUM_COLUMNS:
        if not run(con, f"SELECT COUNT({c}) FROM fmr").fetchone()[0]:
            continue
        run(con, f"CREATE TYPE {c}_code AS ENUM (SELECT DISTINCT {c} FROM fmr "
                 f"WHERE {c} IS NOT NULL ORDER BY 1)")
        run(con, f"ALTER TABLE fmr ALTER {c} TYPE {c}_code")


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
          ) -> list[dict[str, Any]]:
    cur = run(con, sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@contextmanager
def loaded(ws: Workspace, operation: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the operation's FMR groups as table `fmr`.

    The counts are read whole from the store each time: an operation's FMR is tens of
    thousands of groups a year, read in well under a second; a derived file would add a
    refresh step to keep right for no gain at that size."""
    q = (select(Site.code, Site.name, Site.admin1_pcode, Site.admin2_pcode, FlowCount.date,
                FlowCount.direction, FlowCount.nationality, FlowCount.total, FlowCount.men,
                FlowCount.women, FlowCount.boys, FlowCount.girls, FlowCount.unaccompanied,
                FlowCount.transport, FlowCount.previous_country, FlowCount.next_country,
                FlowCount.next_area, FlowCount.final_country, FlowCount.final_area,
                FlowCount.reason)
         .join(FlowPoint, FlowPoint.id == FlowCount.point_id)
         .join(Site, Site.id == FlowPoint.site_id))
    with ws.session() as s:
        op = get_operation(s, operation)
        rows = s.execute(q.where(FlowCount.operation_id == op.id)).all()
    con = duckdb.connect()
    try:
        run(con, create_sql())
        if rows:
            cols = list(zip(*rows, strict=True))
            batch = {name: np.array(col, dtype=np.int64 if t == "BIGINT" else object)
                     for (name, t), col in zip(FMR_COLUMNS, cols, strict=True)}
            con.register("batch", batch)
            run(con, "INSERT INTO fmr SELECT " + ", ".join(
                f"CAST({n} AS {t})" for n, t in FMR_COLUMNS) + " FROM batch")
            con.unregister("batch")
            use_enums(con)
        yield con
    finally:
        con.close()
