"""Analytics: the tables dashboards, exports and the API read, derived from what counts.

`ws.analytics` is the façade. The DuckDB file (`<workspace>/analytics.duckdb`) is derived and
rebuildable: the operational store stays the truth. `refresh(operation)` brings one
operation's rows of every table up to date in one DuckDB transaction (reading only the
submission versions that changed), so readers see the old figures or the new ones, never
half of each. Which observations count is decided in one place:
`pantau.analytics.counted.counted_observations`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pantau.analytics import duck, sql
from pantau.analytics.counted import COUNTED_STATES, counted_observations
from pantau.analytics.extract import Progress, load
from pantau.analytics.sql import order_sql
from pantau.errors import PantauError

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["COUNTED_STATES", "COUNTING_RULE", "PUBLIC_TABLES", "Analytics", "RefreshResult",
           "counted_observations", "order_sql"]

# What users can read and export, with what each row is.
PUBLIC_TABLES: dict[str, str] = {
    "current": "the latest round of each assessment type: people present per admin area "
               "(levels 0–3) and population group — individuals, households, females, males",
    "area_totals": "the same for every round",
    "totals": "every counted figure per round, admin area (levels 0–3), population group, "
              "measure, unit, sex, age group, reason and origin (admin 1)",
    "displacement": "people present per round, admin area, population group, reason and "
                    "origin (admin 1): the shape of IOM's DTM API",
    "round_change": "each round against the previous round of the same type, per area and "
                    "population group",
    "origin_matrix": "individuals and households per origin (admin 1–2) and current place "
                     "(admin 1–2), per round",
    "needs": "needs by sector per round and admin area, with the share of records assessed",
    "latest_round": "the current round of each operation and assessment type",
    "rounds": "the rounds with their reporting dates and gazetteer versions",
}
COUNTING_RULE = "current version, not deleted, review state " + "/".join(COUNTED_STATES) + \
    ", placed in a round"


@dataclass(frozen=True)
class RefreshResult:
    operation: str
    mode: str  # full | incremental
    observations: int  # observations that count, now in the analytics tables
    unplaced: int  # of those, placed in no admin area of their round's gazetteer version
    added: int  # submission versions read from the store in this refresh
    removed: int  # submission versions that stopped counting (edited, deleted, un-approved)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows of the operation
    unknown_codes: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    warnings: list[str] = field(default_factory=list)
    rule: str = COUNTING_RULE


class Analytics:
    """`ws.analytics`: refresh the analytics tables and read them."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    @property
    def path(self) -> Path:
        return duck.path_in(self.ws.path)

    def refresh(self, operation: str, progress: Progress | None = None,
                full: bool = False) -> RefreshResult:
        """Bring the operation's rows of every table up to date with what counts.

        Facts are loaded incrementally: only submission versions that started to count are
        read from the store, and those that stopped counting are removed; a change of the
        operation's rounds or of their gazetteer versions (or `full`) reads everything again.
        The derived tables are rebuilt for the rounds whose facts changed (see `_derive`).
        Other operations' rows are left as they are."""
        self.ws.operations.get(operation)  # a clear error for an unknown operation
        with _writer(self.path) as con:
            self._ensure_schema(con)
            duck.run(con, "BEGIN TRANSACTION")
            try:
                loaded = load(self.ws, con, operation, progress, full)
                self._derive(con, operation, loaded.touched, progress,
                             loaded.additions_only)
                duck.run(con, sql.delete_sql("refreshes"), {"op": operation})
                duck.run(con, "INSERT INTO refreshes VALUES ($op, $at, $mode, $n, $u, $rule, "
                         "$fp)", {"op": operation, "mode": loaded.mode,
                                  "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                                  "n": loaded.observations, "u": loaded.unplaced,
                                  "rule": COUNTING_RULE, "fp": loaded.fingerprint})
                rows = {name: duck.scalar(con, f"SELECT count(*) FROM {name} WHERE "
                                          "operation = $op", {"op": operation})
                        for name in PUBLIC_TABLES}
                duck.run(con, "COMMIT")
            except BaseException:
                duck.run(con, "ROLLBACK")
                raise
        warnings = [f"round {r} has no gazetteer version: its P-codes are kept as answered, "
                    "without names or rollup" for r in loaded.rounds_without_gazetteer]
        if loaded.unplaced:
            warnings.append(f"{loaded.unplaced:,} observation(s) have P-codes that the "
                            "gazetteer version of their round does not hold")
        return RefreshResult(operation, loaded.mode, loaded.observations, loaded.unplaced,
                             loaded.added, loaded.removed, rows, loaded.unknown_codes,
                             warnings)

    @staticmethod
    def _derive(con: duckdb.DuckDBPyConnection, operation: str,
                touched: set[tuple[str, int]] | None, progress: Progress | None,
                additions_only: bool = False) -> None:
        """Rebuild the derived tables: for the whole operation after a full load; else only
        the rounds whose facts changed — or, when versions were only added, merge their
        aggregates into the rows there are (`sql.merge_sql`) — then the tables that span
        rounds (latest round, current, round-over-round change), which are small."""
        op = {"op": operation}
        if touched is not None and not touched:
            if additions_only:
                duck.run(con, "DROP TABLE added_versions")
            return  # nothing changed
        if touched is not None:
            duck.run(con, "CREATE TEMP TABLE touched (assessment_type VARCHAR, "
                     "round_number INTEGER)")
            con.executemany("INSERT INTO touched VALUES (?, ?)", sorted(touched))
        rounds = sql.SCOPE if touched is not None else "TRUE"
        scope = sql.ADDED if additions_only else rounds
        one_place = bool(duck.scalar(con, sql.ONE_PLACE_SQL.format(scope=scope), op))
        for n, name in enumerate(sql.DERIVED, 1):
            if progress:
                progress(f"Building {name}", n, len(sql.DERIVED))
            build = sql.BUILDERS[name]
            options = {"one_place": one_place} if name in sql.ONE_PLACE_BUILT else {}
            if name not in sql.ROUND_SCOPED:
                duck.run(con, sql.delete_sql(name), op)
                duck.run(con, build(), op)
            elif additions_only and name in sql.MERGED:
                duck.run(con, "CREATE TEMP TABLE delta AS " +
                         sql.select_of(build(scope, **options)), op)
                for statement in sql.merge_sql(name):
                    duck.run(con, statement, op if "$op" in statement else None)
                duck.run(con, "DROP TABLE delta")
                if name == "needs":
                    whole = bool(duck.scalar(con, sql.ONE_PLACE_SQL.format(scope=rounds), op))
                    for statement in sql.assessed_sql(whole):
                        duck.run(con, statement, op if "$op" in statement else None)
            else:  # rebuilt (record_figures: one row per version, the new ones added)
                if not additions_only:
                    duck.run(con, sql.delete_sql(name, scope), op)
                duck.run(con, build(scope, **options), op)
        if touched is not None:
            duck.run(con, "DROP TABLE touched")
        if additions_only:
            duck.run(con, "DROP TABLE added_versions")

    def read(self, table: str, operation: str, **filters: Any
             ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Columns and rows of a public table for one operation. `filters`: column=value
        (e.g. admin_level=1, assessment_type="SA", round_number=2); None values are ignored."""
        columns = self.columns(table)
        where, params = self.where(table, operation, filters)
        query = f"SELECT {', '.join(columns)} FROM {table} WHERE {where}{order_sql(columns)}"
        with duck.connect(self.path, read_only=True) as con:
            self._require_refreshed(con, operation)
            return columns, duck.run(con, query, params).fetchall()

    def where(self, table: str, operation: str, filters: dict[str, Any]
              ) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (with its parameters) selecting an operation's rows of a public
        table with column = value filters; None values are ignored."""
        self._check_table(table)
        try:
            return sql.where_sql(table, operation, filters)
        except ValueError as exc:
            raise PantauError("invalid", message=str(exc)) from None

    def columns(self, table: str) -> list[str]:
        """The columns of a public table, in order."""
        self._check_table(table)
        return [c for c, _ in sql.TABLES[table]]

    @contextmanager
    def reader(self, operation: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only DuckDB connection for building queries on the public tables (what
        `pantau.publish` does); refuses an operation that was never refreshed."""
        with duck.connect(self.path, read_only=True) as con:
            if operation is not None:
                self._require_refreshed(con, operation)
            yield con

    def refreshed_at(self, operation: str) -> dt.datetime | None:
        """When the operation was last refreshed (UTC), None if never."""
        if not self.path.exists():
            return None
        with duck.connect(self.path, read_only=True) as con:
            if not _has_table(con, "refreshes"):
                return None
            return duck.scalar(con, "SELECT max(refreshed_at) FROM refreshes WHERE "
                               "operation = $op", {"op": operation})

    @staticmethod
    def _check_table(table: str) -> None:
        if table not in PUBLIC_TABLES:
            raise PantauError("not_found", what="analytics table",
                              key=f"{table}' (one of {', '.join(PUBLIC_TABLES)})")

    @staticmethod
    def _require_refreshed(con: Any, operation: str) -> None:
        try:
            found = duck.scalar(con, "SELECT count(*) FROM refreshes WHERE operation = $op",
                                {"op": operation})
        except RuntimeError:  # no tables yet
            found = 0
        if not found:
            raise PantauError("invalid", message=f"the analytics tables of '{operation}' are "
                              f"not built yet: run `pantau refresh {operation}` first")

    @staticmethod
    def _ensure_schema(con: Any) -> None:
        """Create the tables; a file of another schema version is emptied and recreated
        (analytics are derived: every operation is then refreshed again on demand)."""
        if _has_table(con, "meta"):
            if duck.scalar(con, "SELECT value FROM meta WHERE key = 'schema'") == \
                    sql.SCHEMA_VERSION:
                return
            for name in sql.TABLES:
                duck.run(con, f"DROP TABLE IF EXISTS {name}")
        for name in sql.TABLES:
            duck.run(con, sql.create_sql(name))
        duck.run(con, "INSERT INTO meta VALUES ('schema', $v)", {"v": sql.SCHEMA_VERSION})


WRITER_WAIT_SECONDS = 30.0


@contextmanager
def _writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writing connection, waiting up to `WRITER_WAIT_SECONDS` for readers to let go.

    Readers (the web server answering a query, an export) hold the file only for the
    query, but DuckDB refuses a writer while any reader has it open — from another process
    (a lock conflict) or this one (a connection of another configuration) — so a refresh
    retries instead of failing on a reader that happened to be there."""
    deadline = time.monotonic() + WRITER_WAIT_SECONDS
    while True:
        try:
            opened = duck.connect(path)
            con = opened.__enter__()
            break
        except (PantauError, duckdb.ConnectionException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield con
    finally:
        opened.__exit__(None, None, None)


def _has_table(con: Any, name: str) -> bool:
    return bool(duck.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE "
                            "table_name = $n", {"n": name}))
