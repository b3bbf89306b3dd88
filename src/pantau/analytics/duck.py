"""The DuckDB file of a workspace and the one place its SQL runs.

The file is derived data: `pantau refresh` can always rebuild it from the operational store,
so an out-of-date schema is dropped and rebuilt rather than migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from pantau.errors import PantauError

FILE_NAME = "analytics.duckdb"


def path_in(workspace: Path) -> Path:
    return workspace / FILE_NAME


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection held only as long as the work needs it: DuckDB lets one process write
    the file, so the web server and `pantau refresh` must not keep it open between uses."""
    if read_only and not path.exists():
        raise PantauError("invalid", message="the analytics tables are not built yet: run "
                          "`pantau refresh OPERATION` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise PantauError("invalid", message=f"cannot open {path}: {exc} (is another "
                          "`pantau refresh` running?)") from None
    try:
        yield con
    finally:
        con.close()


def run(con: duckdb.DuckDBPyConnection, sql: str,
        params: dict[str, Any] | list[Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Execute one statement; a failure names the statement, so a broken builder is found
    from the message alone."""
    try:
        return con.execute(sql, params) if params is not None else con.execute(sql)
    except duckdb.Error as exc:
        raise RuntimeError(f"{exc}\n-- while running:\n{sql}") from exc


def scalar(con: duckdb.DuckDBPyConnection, sql: str,
           params: dict[str, Any] | list[Any] | None = None) -> Any:
    """The first value of the first row (None without rows), the result read to its end so
    the connection is free for the next statement."""
    rows = run(con, sql, params).fetchall()
    return rows[0][0] if rows else None
