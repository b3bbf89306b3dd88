"""Flow monitoring (`ws.flow`): points (FMPs), daily counts (FMR) and the figures made of them.

    ws.flow.import_points("ita-flow", "fmps.xlsx")      # FMPs: sites + kind, directions, days
    ws.flow.import_fmr("ita-flow", "fmr-export.xlsx")   # FMR groups, all or nothing
    ws.flow.flows("ita-flow", period="week", by=("point", "direction", "nationality"))
    ws.flow.shares("ita-flow", "previous_country", direction="incoming")
    ws.flow.statements("ita-flow", direction="incoming")
    ws.flow.export("ita-flow", "flows.csv", period="month")
    ws.flow.import_fms("ita-flow", "fms-export.xlsx")   # FMS interviews with their routes
    ws.flow.survey_shares("ita-flow", "departure_country")   # with Wilson 95% intervals

Data flow: file → `points` / `fmr` / `fms` (checked, stored in `flow_point` / `flow_count` /
`flow_survey`) → `analytics` / `surveys` (DuckDB) → `statements`, `export` and the JSON API
(`pantau.web.flow_api`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantau.errors import PantauError
from pantau.flow import analytics, export, statements, surveys
from pantau.flow.analytics import Filter
from pantau.flow.fmr import FmrImportResult, Progress, import_fmr
from pantau.flow.fms import FmsImportResult, import_fms
from pantau.flow.points import PointImportResult, PointInfo, import_points, list_points

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["Filter", "Flow", "FmrImportResult", "FmsImportResult", "PointImportResult",
           "PointInfo"]


class Flow:
    """The verbs of flow monitoring on one workspace."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # in -------------------------------------------------------------------------------
    def import_points(self, operation: str, path: str | Path, changed_by: str = ""
                      ) -> PointImportResult:
        """FMPs from a CSV/XLSX master list with FMP columns; see docs/flow.md."""
        return import_points(self.ws, operation, path, changed_by)

    def points(self, operation: str) -> list[PointInfo]:
        return list_points(self.ws, operation)

    def import_fmr(self, operation: str, path: str | Path,
                   progress: Progress | None = None) -> FmrImportResult:
        """FMR groups from a Kobo/ODK export of the shipped form (or the same columns)."""
        return import_fmr(self.ws, operation, path, progress)

    # figures ----------------------------------------------------------------------------
    def import_fms(self, operation: str, path: str | Path, route: str | Path | None = None
                   ) -> FmsImportResult:
        """FMS interviews (and their routes: the workbook's `route` sheet or `route`)."""
        return import_fms(self.ws, operation, path, route)

    def flows(self, operation: str, period: str = "week",
              by: tuple[str, ...] = ("point", "direction", "nationality"),
              where: Filter | None = None) -> list[dict[str, Any]]:
        """Individuals per period × `by` (day, week from Monday, or month)."""
        sql_where, params = (where or Filter()).sql()
        with analytics.loaded(self.ws, operation) as con:
            return _plain(analytics.fetch(con, analytics.flows_sql(period, by, sql_where),
                                          params))

    def compare(self, operation: str, period: str = "month", by: tuple[str, ...] = (
            "point", "direction"), where: Filter | None = None) -> list[dict[str, Any]]:
        """Each period against the previous one: individuals, previous, change, change
        share (None where the previous period has no groups)."""
        sql_where, params = (where or Filter()).sql()
        with analytics.loaded(self.ws, operation) as con:
            return _plain(analytics.fetch(con, analytics.compare_sql(period, by, sql_where),
                                          params))

    def shares(self, operation: str, dimension: str = "previous_country",
               where: Filter | None = None) -> list[dict[str, Any]]:
        """Each value's share of the individuals whose `dimension` is known, with the base,
        the unknown remainder and the period the data covers."""
        sql_where, params = (where or Filter()).sql()
        with analytics.loaded(self.ws, operation) as con:
            return analytics.fetch(con, analytics.shares_sql(dimension, sql_where), params)

    def od_matrix(self, operation: str, origin: str = "previous_country",
                  dest: str = "final_country", where: Filter | None = None
                  ) -> list[dict[str, Any]]:
        sql_where, params = (where or Filter()).sql()
        with analytics.loaded(self.ws, operation) as con:
            return _plain(analytics.fetch(con, analytics.od_matrix_sql(origin, dest,
                                                                       sql_where), params))

    def statements(self, operation: str, dimensions: tuple[str, ...] = (
            "previous_country", "nationality"), where: Filter | None = None, top: int = 3
                   ) -> list[dict[str, Any]]:
        """Generated sentences with their base and period (see `pantau.flow.statements`)."""
        where = where or Filter()
        n_points = len(where.points) or len(self.points(operation))
        place = (f"FMP {where.points[0]}" if len(where.points) == 1
                 else f"the {n_points} flow monitoring points of {operation}")
        out: list[dict[str, Any]] = []
        for dim in dimensions:
            rows = self.shares(operation, dim, where)
            out.extend(statements.statements(rows, dim, where.direction, place, top))
        return out

    def export(self, operation: str, out: str | Path, period: str = "month",
               where: Filter | None = None) -> int:
        """HXL-tagged CSV/XLSX of flows by direction; returns the number of rows."""
        sql_where, params = (where or Filter()).sql()
        with analytics.loaded(self.ws, operation) as con:
            rows = analytics.run(con, export.export_sql(period, sql_where), params).fetchall()
        return export.write(Path(out), operation, period, rows)


    # surveys -----------------------------------------------------------------------------
    def survey_shares(self, operation: str, dimension: str = "departure_country",
                      where: Filter | None = None) -> dict[str, Any]:
        """Shares of respondents (with consent) with Wilson 95% intervals."""
        return surveys.shares(self.ws, operation, dimension, _no_direction(where))

    def survey_routes(self, operation: str, where: Filter | None = None,
                      transit: bool = False) -> dict[str, Any]:
        """Route frequencies (or, with `transit`, countries passed through)."""
        return surveys.routes(self.ws, operation, _no_direction(where), transit)

    def survey_statements(self, operation: str, dimensions: tuple[str, ...] = (
            "departure_country", "nationality"), where: Filter | None = None, top: int = 3
                          ) -> list[dict[str, Any]]:
        where = _no_direction(where)
        n_points = len(where.points) or len(self.points(operation))
        place = (f"FMP {where.points[0]}" if len(where.points) == 1
                 else f"the {n_points} flow monitoring points of {operation}")
        return [s for dim in dimensions for s in surveys.statements(
            self.survey_shares(operation, dim, where), place, top)]


def _no_direction(where: Filter | None) -> Filter:
    """Interviews have no direction: a filter by direction is a mistake, not a no-op."""
    where = where or Filter()
    if where.direction:
        raise PantauError("invalid", message="survey figures cannot be filtered by direction "
                          "(an interview has none); filter by point and date")
    return where


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dates as ISO text and sums as ints, for JSON and for tables."""
    for r in rows:
        for k, v in r.items():
            if isinstance(v, dt.date):
                r[k] = v.isoformat()
            elif isinstance(v, float) and k not in ("share_of_origin", "change_share"):
                r[k] = int(v) if v.is_integer() else v
    return rows
