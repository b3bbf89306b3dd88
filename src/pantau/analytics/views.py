"""What the public dashboard pages show, read from the analytics tables — one dict per page.

One view, two faces: each function returns plain JSON-ready data that the page renders and
`/api/operations/…` returns unchanged, so the page and the API can never disagree. Every view
names its source (`source`: operation, assessment type, round, reporting date, gazetteer
version, area) because a figure without its round and type is a figure people misuse.

Only the analytics tables are read (through `ws.analytics.reader`), so only figures that
count (approved, current, not deleted) are shown; the rules of the tables hold here too:
one assessment type and one round per figure, never summed across types; an empty figure
is "not reported", never 0. Tables are given as `{"columns": [...], "rows": [{...}]}` with
column names that have HXL hashtags (`pantau.publish.hxl`), so each one downloads as HXL.

Small cells (docs/data-protection.md): unless a view is asked for in `full` (people who may
read the records anyway), every figure read from a suppressed table passes through
`ws.publish.hide_small_cells` as it is read (`Guard.table`), so a page, its JSON and its
downloads hide exactly the cells the exported files hide. Figures the files do not publish
— sums over reasons or sex × age, per-site counts — are protected here the same way
(`hide_in_groups`: the threshold, then complements through the sums a reader could form).
A hidden cell is null and its row's `suppressed` lists the hidden fields.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import shapely
from shapely.geometry import mapping
from sqlalchemy import select

from pantau.analytics.sql import TABLES
from pantau.errors import PantauError
from pantau.publish.disclosure import IDENTITY, MARK_COLUMN, suppress
from pantau.store.models import Operation, Site

if TYPE_CHECKING:
    from pantau.workspace import Workspace

TYPE_ORDER = ("SA", "BA", "ETT", "FMR", "FMS", "REG")  # the default type: the first present
AGE_ORDER = ("infants", "children", "adults", "elderly")  # else alphabetical
GROUP = "idps"  # the headline population group
TOP_AREAS = 10
SIMPLIFY = 0.0005  # degrees (about 50 m): boundaries drawn on a page, not measured on
# Columns every downloaded table starts with, so each row says where its figures come from.
SOURCE_COLUMNS = ("operation", "operation_name", "assessment_type", "round_number",
                  "reporting_date", "gazetteer_version")


# The columns that identify a row of each suppressed table: read with every figure so the
# table's suppression pattern can be looked up (`ws.publish.hide_small_cells`).
IDENTIFY = {t: [c for c in IDENTITY if c in {name for name, _ in TABLES[t]}]
            for t in ("area_totals", "round_change", "displacement", "totals", "origin_matrix")}


def hide_in_groups(rows: list[dict[str, Any]], figures: Sequence[str],
                   groups: Sequence[Callable[[dict[str, Any]], Hashable]], threshold: int,
                   within: Sequence[tuple[str, Sequence[str]]] = (),
                   derived: Sequence[str] = ()) -> int:
    """Suppress, in place, the figures of `rows` that a published file does not hold as
    such (sums of suppressed cells, per-site or per-flow counts): a figure below
    `threshold` (primary), a figure already listed in its row's `suppressed` (a sum over a
    hidden cell), and — so that no sum a reader can form gives one back — complements
    within each group of rows (`groups`: key functions; the rows of one group add up to a
    total published elsewhere) and within a row (`within`: total column, part columns).
    `derived` figures (changes) are hidden only as complements, never for being small.
    The walk is `pantau.publish.disclosure.suppress`: a cell already hidden enters it as a
    primary cell of value below the threshold. Returns the number of cells hidden."""
    if threshold <= 0:
        return 0
    cols = list(figures)
    values: dict[tuple[int, int], float] = {}
    counts: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        marked = set(row.get(MARK_COLUMN) or ())
        for i, c in enumerate(cols):
            if c in marked:
                values[(r, i)] = 0.5  # hidden upstream: primary, whatever the threshold
                counts.add((r, i))
            elif row.get(c) is not None:
                values[(r, i)] = float(row[c])
                if c not in derived:
                    counts.add((r, i))
    relations: list[tuple[Any, list[tuple[int, int]]]] = []
    for key in groups:
        members: dict[Hashable, list[int]] = defaultdict(list)
        for r, row in enumerate(rows):
            members[key(row)].append(r)
        relations += [(None, [(r, i) for r in rs]) for rs in members.values() if len(rs) > 1
                      for i in range(len(cols))]
    for total, parts in within:
        if total in cols and all(p in cols for p in parts):
            relations += [((r, cols.index(total)), [(r, cols.index(p)) for p in parts])
                          for r in range(len(rows))]

    def order(cell: tuple[int, int]) -> tuple[str, int]:  # by content, never by position
        row = rows[cell[0]]
        return ("\x1f".join(str(row.get(k)) for k in sorted(row) if k not in cols
                            and k != MARK_COLUMN), cell[1])

    primary, secondary = suppress(values, relations, threshold, order, counts)
    for r, i in sorted(primary | secondary):
        row = rows[r]
        row[cols[i]] = None
        marks = row.setdefault(MARK_COLUMN, [])
        if cols[i] not in marks:
            marks.append(cols[i])
    for row in rows:
        if MARK_COLUMN in row:
            row[MARK_COLUMN] = sorted(row[MARK_COLUMN], key=lambda c: (c not in cols,
                                      cols.index(c) if c in cols else 0, c))
    return len(primary | secondary)


@dataclass
class Guard:
    """How a view hides small cells: `threshold` 0 shows every figure (`full`)."""

    ws: Workspace
    operation: str
    threshold: int

    @classmethod
    def of(cls, ws: Workspace, operation: str, full: bool) -> Guard:
        threshold = 0 if full else ws.publish.policy(operation).min_cell
        return cls(ws, operation, threshold)

    @property
    def on(self) -> bool:
        return self.threshold > 0

    def table(self, table: str, rows: list[dict[str, Any]],
              keep: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """`rows` of `table` (with its `IDENTIFY` columns) with the cells the published table
        hides emptied and listed in `suppressed`; `keep`: the columns to return (the
        identifying ones were only read for the look-up)."""
        if self.on:
            shown = self.ws.publish.hide_small_cells(self.operation, table, rows,
                                                     suppress_below=self.threshold)
            for before, after in zip(rows, shown, strict=True):
                hidden = [c for c, v in before.items() if v is not None and after[c] is None]
                after[MARK_COLUMN] = hidden
            rows = shown
        if keep is not None:
            wanted = [*keep, MARK_COLUMN]
            rows = [{c: r[c] for c in wanted if c in r} for r in rows]
        return rows

    def groups(self, rows: list[dict[str, Any]], figures: Sequence[str],
               groups: Sequence[Callable[[dict[str, Any]], Hashable]],
               within: Sequence[tuple[str, Sequence[str]]] = ()) -> list[dict[str, Any]]:
        """`hide_in_groups` on figures no published file holds as such."""
        if self.on:
            for r in rows:
                r.setdefault(MARK_COLUMN, [])
            hide_in_groups(rows, figures, groups, self.threshold, within)
        return rows

    def summary(self, data: dict[str, Any]) -> dict[str, Any]:
        """What the page's legend and the JSON say about suppression: `cells` counts the
        hidden cells the view shows."""
        return {"applied": self.on, "threshold": self.threshold or None,
                "cells": _hidden_cells(data),
                "note": (f"Cells of fewer than {self.threshold} people are suppressed (empty, "
                         "listed in each row's `suppressed`), with the cells a total would "
                         "give them back from; the published files hide the same cells."
                         if self.on else "All figures shown (you may read the records of "
                         "this operation).")}


def _hidden_cells(data: Any, seen: set[int] | None = None) -> int:
    """The cells listed in the `suppressed` lists of a view's dict (each row once)."""
    seen = set() if seen is None else seen
    if id(data) in seen:
        return 0
    seen.add(id(data))
    if isinstance(data, dict):
        own = len(data.get(MARK_COLUMN) or ()) if isinstance(data.get(MARK_COLUMN), list) \
            else 0
        return own + sum(_hidden_cells(v, seen) for k, v in data.items() if k != MARK_COLUMN)
    if isinstance(data, list):
        return sum(_hidden_cells(v, seen) for v in data)
    return 0


def _select(table: str, columns: Sequence[str], alias: str = "") -> str:
    """The SELECT list: `columns` and the identifying columns of `table`, once each."""
    wanted = list(dict.fromkeys([*columns, *IDENTIFY[table]]))
    return ", ".join(f"{alias}{c}" for c in wanted)


@dataclass(frozen=True)
class Source:
    """Which figures a view shows: one operation, assessment type and round, one area."""

    operation: str
    operation_name: str
    country: str
    assessment_type: str
    round_number: int
    reporting_date: str | None
    gazetteer_version: str | None
    admin1_pcode: str | None = None
    admin1_name: str | None = None

    @property
    def level(self) -> int:
        """The admin level of the headline figures: the country, or the admin-1 asked for."""
        return 1 if self.admin1_pcode else 0


def status(ws: Workspace, operation: str,
           con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """The operation and whether its analytics tables were built (pages say so if not).
    With `con`, read on that connection: opening the DuckDB file costs more than the
    page's queries, so a view opens it once."""
    op = ws.operations.get(operation)  # a clear 404 for an unknown operation
    if con is None:
        at = ws.analytics.refreshed_at(op.slug)
    else:
        try:
            at = con.execute("SELECT max(refreshed_at) FROM refreshes WHERE operation = $op",
                             {"op": op.slug}).fetchall()[0][0]
        except duckdb.Error:  # no tables yet
            at = None
    return {"operation": op.slug, "operation_name": op.name, "country": op.country_iso3,
            "refreshed": at is not None, "figures": at is not None,
            "refreshed_at": at.isoformat() if at else None,
            "refresh_command": f"pantau refresh {op.slug}"}


class _NoFigures(Exception):
    """The operation's tables are built but hold no approved figure of any type."""


def _not_refreshed(state: dict[str, Any]) -> dict[str, Any]:
    return {"status": state, "source": None, "rounds": [], "types": [], "admin1": []}


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any]
          ) -> list[dict[str, Any]]:
    cur = con.execute(query, params)
    names = [d[0] for d in cur.description]
    return [{n: _plain(v) for n, v in zip(names, r, strict=True)} for r in cur.fetchall()]


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, whole floats as ints (450, not 450.0)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _table(columns: list[str], rows: list[dict[str, Any]], guard: Guard | None = None
           ) -> dict[str, Any]:
    """A table of a view; with suppression on, a last column `suppressed` lists each row's
    hidden fields (as the exported files' `suppressed` column does)."""
    if guard is not None and guard.on:
        columns = [*columns, MARK_COLUMN]
    return {"columns": columns, "rows": [{c: r.get(c) for c in columns} for r in rows]}


def _scope(con: duckdb.DuckDBPyConnection, state: dict[str, Any], assessment_type: str | None,
           round_number: int | None, admin1: str | None) -> tuple[Source, dict[str, Any]]:
    """Resolve the filters (default: the latest round of the first assessment type) and the
    choices a page offers; a filter naming nothing that exists is a clear error."""
    op = state["operation"]
    rounds = _rows(con, "SELECT r.assessment_type, r.round_number, r.reporting_date, "
                   "r.gazetteer_version, a.round_number IS NOT NULL AS has_figures FROM "
                   "rounds r LEFT JOIN (SELECT DISTINCT assessment_type, round_number FROM "
                   "area_totals WHERE operation = $op AND admin_level = 0) a USING "
                   "(assessment_type, round_number) WHERE r.operation = $op "
                   "ORDER BY r.assessment_type, r.round_number", {"op": op})
    latest = {r["assessment_type"]: r for r in _rows(
        con, "SELECT assessment_type, round_number, reporting_date, gazetteer_version "
        "FROM latest_round WHERE operation = $op", {"op": op})}
    types = sorted(latest, key=lambda t: (TYPE_ORDER.index(t) if t in TYPE_ORDER else 99, t))
    if assessment_type is not None and assessment_type not in latest:
        raise PantauError("invalid", message=f"parameter 'type': operation {op} has no "
                          f"figures of assessment type '{assessment_type}' (it has: "
                          f"{', '.join(types) or 'none'})")
    kind = assessment_type or (types[0] if types else None)
    if kind is None:
        raise _NoFigures
    of_type = [r for r in rounds if r["assessment_type"] == kind]
    number = latest[kind]["round_number"] if round_number is None else round_number
    chosen = next((r for r in of_type if r["round_number"] == number), None)
    if chosen is None:
        raise PantauError("invalid", message=f"parameter 'round': {kind} round {number} does "
                          f"not exist in operation {op} (rounds: "
                          f"{', '.join(str(r['round_number']) for r in of_type)})")
    admin1_choices = _rows(con, "SELECT DISTINCT admin1_pcode AS pcode, admin1_name AS name "
                           "FROM area_totals WHERE operation = $op AND assessment_type = $t "
                           "AND admin_level = 1 AND admin1_pcode IS NOT NULL "
                           "ORDER BY admin1_name, admin1_pcode", {"op": op, "t": kind})
    name = None
    if admin1 is not None:
        found = next((a for a in admin1_choices if a["pcode"] == admin1), None)
        if found is None:
            raise PantauError("invalid", message=f"parameter 'admin1': no admin-1 area "
                              f"'{admin1}' has {kind} figures in operation {op}")
        name = found["name"]
    source = Source(op, state["operation_name"], state["country"], kind, number,
                    chosen["reporting_date"], chosen["gazetteer_version"], admin1, name)
    choices = {"types": types, "rounds": of_type, "admin1": admin1_choices}
    return source, choices


def _area(source: Source, alias: str = "") -> tuple[str, dict[str, Any]]:
    """WHERE … for one operation, type, round and area (at the source's level)."""
    p = alias
    where = (f"{p}operation = $op AND {p}assessment_type = $t AND {p}round_number = $n AND "
             f"{p}admin_level = $lv")
    params: dict[str, Any] = {"op": source.operation, "t": source.assessment_type,
                              "n": source.round_number, "lv": source.level}
    if source.admin1_pcode:
        where += f" AND {p}admin1_pcode = $a1"
        params["a1"] = source.admin1_pcode
    return where, params


def _view(ws: Workspace, operation: str, assessment_type: str | None, round_number: int | None,
          admin1: str | None, build: Any, full: bool) -> dict[str, Any]:
    """Run `build(con, source, guard)` on the resolved scope; a page of an operation whose
    tables were never built says so instead of failing. `full`: no small-cell suppression
    (only for people who may read the operation's records)."""
    if not ws.analytics.path.exists():
        return _not_refreshed(status(ws, operation))
    guard = Guard.of(ws, operation, full)
    with ws.analytics.reader() as con:
        state = status(ws, operation, con)
        if not state["refreshed"]:
            return _not_refreshed(state)
        try:
            source, choices = _scope(con, state, assessment_type, round_number, admin1)
        except _NoFigures:  # refreshed, but nothing approved yet: the page says so
            return _not_refreshed(state | {"figures": False})
        data = build(con, source, guard)
    return {"status": state, "source": asdict(source) | {"level": source.level}, **choices,
            **data, "disclosure": guard.summary(data)}


def _rollup(rows: list[dict[str, Any]], keys: Sequence[str], figures: Sequence[str]
            ) -> list[dict[str, Any]]:
    """Sum `figures` over the rows sharing `keys` (None if no part is reported, as SQL's
    sum). A sum over a suppressed part is suppressed: it is listed, never shown."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        k = tuple(r[c] for c in keys)
        g = out.get(k)
        if g is None:
            g = out[k] = {**{c: r[c] for c in keys}, **dict.fromkeys(figures)}
            if MARK_COLUMN in r:
                g[MARK_COLUMN] = []
        marked = r.get(MARK_COLUMN) or ()
        for f in figures:
            if f in marked:
                if f not in g[MARK_COLUMN]:
                    g[MARK_COLUMN].append(f)
            elif r[f] is not None:
                g[f] = (g[f] or 0) + r[f]
    for g in out.values():
        for f in g.get(MARK_COLUMN, ()):
            g[f] = None
        for f in figures:
            g[f] = _plain(g[f])
    return list(out.values())


def _desc(column: str, *then: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """Sort key: `column` descending, empty (or hidden) last, then `then` ascending. Sorted
    after suppression, so a hidden figure's place in the order does not give it away."""
    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        v = r.get(column)
        return (v is None, -(v or 0), *((r.get(c) is None, r.get(c) or "") for c in then))
    return key


# ---- overview ------------------------------------------------------------------------------
HEADLINE = ["population_group", "ind", "hh", "f", "m", "ind_estimated", "records"]
CHANGE = ["population_group", "previous_round", "status", "ind", "ind_previous", "ind_change",
          "hh", "hh_previous", "hh_change"]
TREND = ["assessment_type", "round_number", "reporting_date", "population_group", "ind", "hh",
         "records"]


def overview(ws: Workspace, operation: str, assessment_type: str | None = None,
             round_number: int | None = None, admin1: str | None = None,
             full: bool = False) -> dict[str, Any]:
    """Headline figures of a round, the change since the previous round, the trend, reasons
    for displacement, the sex-and-age pyramid and the areas with most IDPs."""
    return _view(ws, operation, assessment_type, round_number, admin1, _overview, full)


def _overview(con: duckdb.DuckDBPyConnection, s: Source, g: Guard) -> dict[str, Any]:
    where, params = _area(s)
    headline = g.table("area_totals", _rows(
        con, f"SELECT {_select('area_totals', HEADLINE)} FROM area_totals WHERE {where} "
        f"ORDER BY population_group = '{GROUP}' DESC, population_group", params), HEADLINE)
    change = g.table("round_change", _rows(
        con, f"SELECT {_select('round_change', CHANGE)} FROM round_change WHERE {where} "
        "ORDER BY population_group", params), CHANGE)
    trend_where = where.replace(" AND round_number = $n", "")
    trend = g.table("area_totals", _rows(
        con, f"SELECT {_select('area_totals', TREND)} FROM area_totals WHERE {trend_where} "
        "ORDER BY round_number, population_group",
        {k: v for k, v in params.items() if k != "n"}), TREND)
    reasons = _rollup(g.table("displacement", _rows(
        con, f"SELECT {_select('displacement', ['reason', 'ind', 'hh'])} FROM displacement "
        f"WHERE {where}", params)), ["population_group", "reason"], ["ind", "hh"])
    # The reasons of a group add up to its figure in area_totals (published).
    g.groups(reasons, ["ind", "hh"], [lambda r: r["population_group"]])
    reasons.sort(key=lambda r: (r["population_group"] or "", *_desc("ind", "reason")(r)))
    pyramid = _rollup(g.table("totals", _rows(
        con, f"SELECT {_select('totals', ['sex', 'age_group', 'value'])} FROM totals WHERE "
        f"{where} AND measure = 'affected' AND unit = 'individuals' AND sex IN ('f', 'm') "
        "AND age_group IS NOT NULL", params)), ["population_group", "sex", "age_group"],
        ["value"])
    # Ages add up to the group's females (males) and both to its individuals.
    g.groups(pyramid, ["value"], [lambda r: r["population_group"],
                                  lambda r: (r["population_group"], r["sex"])])
    pyramid.sort(key=lambda r: (r["population_group"] or "", _age_key(r["age_group"]),
                                r["sex"]))
    return {
        "headline": headline,
        "idps": next((h for h in headline if h["population_group"] == GROUP), None),
        "change": next((c for c in change if c["population_group"] == GROUP), None),
        "tables": {
            "trend": _table(["population_group", "round_number", "reporting_date", "ind", "hh",
                             "records"], trend, g),
            "reasons": _table(["population_group", "reason", "ind", "hh"], reasons, g),
            "pyramid": _table(["population_group", "sex", "age_group", "value"], pyramid, g),
            "areas": _table(*_top_areas(con, s, g), g),
        },
    }


def _age_key(age: str | None) -> tuple[int, str]:
    return (AGE_ORDER.index(age) if age in AGE_ORDER else len(AGE_ORDER), age or "")


def _top_areas(con: duckdb.DuckDBPyConnection, s: Source, g: Guard
               ) -> tuple[list[str], list[dict[str, Any]]]:
    """The admin-2 areas with most IDPs in the round, with their change since the previous
    round (the areas of one admin-1 when the page is filtered to it)."""
    where, params = _area(s, "a.")
    where = where.replace("a.admin_level = $lv", "a.admin_level = 2")
    params.pop("lv")
    columns = ["admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name", "ind", "hh",
               "records", "ind_change"]
    rows = g.table("area_totals", _rows(
        con, f"SELECT {_select('area_totals', columns[:-1], 'a.')}, c.ind_change, "
        "c.previous_round, c.status FROM area_totals a LEFT JOIN "
        "round_change c ON c.operation = a.operation AND c.assessment_type = "
        "a.assessment_type AND c.round_number = a.round_number AND c.admin_level = 2 "
        "AND c.admin2_pcode IS NOT DISTINCT FROM a.admin2_pcode AND "
        "c.population_group IS NOT DISTINCT FROM a.population_group "
        f"WHERE {where} AND a.population_group = '{GROUP}'", params))
    # The change is a figure of round_change: its own pattern.
    changes = g.table("round_change", [{**{c: r[c] for c in IDENTIFY["round_change"]},
                                        "ind_change": r["ind_change"]} for r in rows])
    for r, c in zip(rows, changes, strict=True):
        r["ind_change"] = c["ind_change"]
        if MARK_COLUMN in c:
            r[MARK_COLUMN] = [*r[MARK_COLUMN], *c[MARK_COLUMN]]
    rows.sort(key=_desc("ind", "admin2_pcode"))
    return columns, rows[:TOP_AREAS]


# ---- map -----------------------------------------------------------------------------------
def map_view(ws: Workspace, operation: str, assessment_type: str | None = None,
             round_number: int | None = None, admin1: str | None = None,
             level: int = 2, full: bool = False) -> dict[str, Any]:
    """IDPs per admin area (boundaries where the gazetteer has them, simplified to about
    50 m for drawing, else the centroid) and the sites with their IDPs in the round."""
    if level not in (1, 2, 3):
        raise PantauError("invalid", message=f"parameter 'level': {level} is not an admin "
                          "level the map shows (1, 2 or 3)")
    data = _view(ws, operation, assessment_type, round_number, admin1,
                 lambda con, s, g: _map(ws, con, s, g, level), full)
    data["level"] = level
    return data


def _map(ws: Workspace, con: duckdb.DuckDBPyConnection, s: Source, g: Guard, level: int
         ) -> dict[str, Any]:
    where, params = _area(s)
    where = where.replace("admin_level = $lv", f"admin_level = {level}")
    params.pop("lv")
    pcode, name = f"admin{level}_pcode", f"admin{level}_name"
    areas = g.table("area_totals", _rows(
        con, f"SELECT {_select('area_totals', [name, 'ind', 'hh', 'records'])} FROM "
        f"area_totals WHERE {where} AND population_group = '{GROUP}' AND "
        f"{pcode} IS NOT NULL", params))
    areas = [{"pcode": a[pcode], "name": a[name], "ind": a["ind"], "hh": a["hh"],
              "records": a["records"], **({MARK_COLUMN: a[MARK_COLUMN]} if g.on else {})}
             for a in areas]
    areas.sort(key=_desc("ind", "pcode"))
    version = s.gazetteer_version
    shapes = dict(ws.gazetteer.geometries(s.country, level, version)) if version else {}
    units = {u.pcode: u for u in ws.gazetteer.units(s.country, version, level)} \
        if version else {}
    features = []
    for a in areas:
        wkb = shapes.get(a["pcode"])
        unit = units.get(a["pcode"])
        geometry = mapping(shapely.from_wkb(wkb).simplify(SIMPLIFY)) if wkb else None
        centroid = list(unit.centroid) if unit and unit.centroid else None
        features.append({"type": "Feature", "id": a["pcode"], "geometry": geometry,
                         "properties": {**a, "centroid": None if geometry else centroid}})
    sites = _sites(ws, con, s, g)
    located = sum(1 for x in sites if x["lat"] is not None)
    where0, params0 = _area(s)
    idps = g.table("area_totals", _rows(
        con, f"SELECT {_select('area_totals', ['ind', 'hh', 'records'])} FROM area_totals "
        f"WHERE {where0} AND population_group = '{GROUP}'", params0), ["ind", "hh", "records"])
    return {
        "areas": {"type": "FeatureCollection", "features": features},
        "sites": sites,
        "counts": {"areas": len(areas), "with_boundary": sum(f["geometry"] is not None
                                                             for f in features),
                   "sites": len(sites), "sites_located": located,
                   "sites_assessed": sum(1 for x in sites if x["ind"] is not None
                                         or x.get(MARK_COLUMN))},
        "idps": next(iter(idps), None),
        "tables": {"areas": _table([pcode, name, "ind", "hh", "records"],
                                   [{pcode: a["pcode"], name: a["name"], **a} for a in areas],
                                   g)},
    }


_SITE_FIGURES = (
    "SELECT f.site_code, r.population_group, sum(r.ind) AS ind, sum(r.hh) AS hh FROM "
    "record_figures r JOIN (SELECT DISTINCT site_code, version_id FROM facts WHERE operation "
    "= $op AND assessment_type = $t AND round_number = $n AND site_code IS NOT NULL) f "
    "ON f.version_id = r.version_id WHERE r.operation = $op AND r.assessment_type = $t AND "
    "r.round_number = $n GROUP BY ALL")


def _site_figures(con: duckdb.DuckDBPyConnection, g: Guard, operation: str, kind: str,
                  number: int, admin2: dict[str, str | None]
                  ) -> dict[tuple[str, str | None], dict[str, Any]]:
    """IDPs (every group) per site in a round, keyed by (site code, population group). No
    file publishes them; the sites of an admin-2 area add up to about its published
    figure, so the sites of an area whose figure is hidden are hidden, and small ones are
    hidden with complements within the area (every site of the round, whatever the page's
    filter, so every page hides the same)."""
    params = {"op": operation, "t": kind, "n": number}
    rows = _rows(con, _SITE_FIGURES, params)
    if g.on:  # a site of an area whose figure is hidden would give that figure back
        areas = g.table("area_totals", _rows(
            con, f"SELECT {_select('area_totals', ['ind', 'hh'])} FROM area_totals WHERE "
            "operation = $op AND assessment_type = $t AND round_number = $n AND "
            "admin_level = 2", params))
        hidden = {(a["admin2_pcode"], a["population_group"]): a[MARK_COLUMN] for a in areas}
        for r in rows:
            r[MARK_COLUMN] = list(hidden.get((admin2.get(r["site_code"]),
                                              r["population_group"])) or [])
    g.groups(rows, ["ind", "hh"], [lambda r: (admin2.get(r["site_code"]),
                                              r["population_group"])])
    return {(r["site_code"], r["population_group"]): r for r in rows}


def _site_admin2(ws: Workspace, operation: str) -> dict[str, str | None]:
    q = (select(Site.code, Site.admin2_pcode).join(Operation, Operation.id == Site.operation_id)
         .where(Operation.slug == operation))
    with ws.engine.connect() as connection:
        return {code: a2 for code, a2 in connection.execute(q).all()}


def _sites(ws: Workspace, con: duckdb.DuckDBPyConnection, s: Source, g: Guard
           ) -> list[dict[str, Any]]:
    """The operation's sites (code, name, type, point, admin codes) with the IDPs the round
    counted there; sites without a count in the round have `ind: null`."""
    q = (select(Site.code, Site.name, Site.site_type, Site.latitude, Site.longitude,
                Site.admin1_pcode, Site.admin2_pcode, Site.closed_on)
         .join(Operation, Operation.id == Site.operation_id)
         .where(Operation.slug == s.operation).order_by(Site.code))
    with ws.engine.connect() as connection:  # plain rows, no ORM session: 5,000 sites
        rows = connection.execute(q).all()
    admin2 = {code: a2 for code, _, _, _, _, _, a2, _ in rows}
    figures = _site_figures(con, g, s.operation, s.assessment_type, s.round_number, admin2)
    out = []
    for code, name, kind, lat, lon, a1, a2, closed in rows:
        if s.admin1_pcode and a1 != s.admin1_pcode:
            continue
        f = figures.get((code, GROUP), {})
        out.append({"code": code, "name": name, "type": kind,
                    "lat": None if lat is None else round(lat, 5),
                    "lon": None if lon is None else round(lon, 5),
                    "admin1_pcode": a1, "admin2_pcode": a2,
                    "closed_on": closed.isoformat() if closed else None,
                    "ind": _plain(f.get("ind")), "hh": _plain(f.get("hh")),
                    **({MARK_COLUMN: f.get(MARK_COLUMN) or []} if g.on else {})})
    return out


def site_profile(ws: Workspace, operation: str, code: str, full: bool = False
                 ) -> dict[str, Any]:
    """One site: what the master list says, its IDPs in every round that counted it, its
    priority needs in the last round assessed and the date of its last assessment."""
    state = status(ws, operation)
    site = ws.sites.get(state["operation"], code)  # 404 for an unknown site
    try:
        names = {u.pcode: u.name for u in ws.gazetteer.units(state["country"])}
    except PantauError:  # no gazetteer for the country
        names = {}
    info = {"code": site.code, "name": site.name, "type": site.site_type,
            "admin_pcodes": {str(k): v for k, v in site.admin_pcodes.items()},
            "admin_names": {str(k): names.get(v) for k, v in site.admin_pcodes.items()},
            "opened_on": site.opened_on and site.opened_on.isoformat(),
            "closed_on": site.closed_on and site.closed_on.isoformat(),
            "lat": site.latitude, "lon": site.longitude}
    guard = Guard.of(ws, state["operation"], full)
    if not state["refreshed"]:
        return {"status": state, "site": info, "rounds": [], "needs": [],
                "last_assessment": None, "disclosure": guard.summary({})}
    params = {"op": state["operation"], "code": code}
    with ws.analytics.reader(state["operation"]) as con:
        rounds = _rows(con, "SELECT r.assessment_type, r.round_number, r.reporting_date, "
                       "r.population_group, sum(r.ind) AS ind, sum(r.hh) AS hh FROM "
                       "record_figures r WHERE r.operation = $op AND r.version_id IN (SELECT "
                       "version_id FROM facts WHERE operation = $op AND site_code = $code) "
                       "GROUP BY ALL ORDER BY r.assessment_type, r.round_number, "
                       "r.population_group", params)
        if guard.on and rounds:  # the same cells the map hides, round by round
            admin2 = _site_admin2(ws, state["operation"])
            protected = {(t, n): _site_figures(con, guard, state["operation"], t, n, admin2)
                         for t, n in {(r["assessment_type"], r["round_number"])
                                      for r in rounds}}
            for r in rounds:
                shown = protected[(r["assessment_type"], r["round_number"])].get(
                    (code, r["population_group"]), {})
                r[MARK_COLUMN] = list(shown.get(MARK_COLUMN) or [])
                for f in r[MARK_COLUMN]:
                    r[f] = None
        last = _rows(con, "SELECT assessment_type, round_number, reporting_date, "
                     "max(obs_date) AS assessed_on FROM facts WHERE operation = $op AND "
                     "site_code = $code GROUP BY ALL ORDER BY max(obs_date) DESC NULLS LAST, "
                     "round_number DESC LIMIT 1", params)
        needs = _rows(con, "SELECT DISTINCT sector FROM facts WHERE operation = $op AND "
                      "site_code = $code AND sector IS NOT NULL AND measure = 'need' AND "
                      "value > 0 AND assessment_type = $t AND round_number = $n ORDER BY "
                      "sector", {**params, "t": last[0]["assessment_type"],
                                 "n": last[0]["round_number"]}) if last else []
    data = {"status": state, "site": info, "rounds": rounds,
            "needs": [n["sector"] for n in needs],
            "last_assessment": last[0] if last else None}
    return data | {"disclosure": guard.summary(data)}


# ---- movements and needs -------------------------------------------------------------------
def movements(ws: Workspace, operation: str, assessment_type: str | None = None,
              round_number: int | None = None, admin1: str | None = None,
              full: bool = False) -> dict[str, Any]:
    """Origin (admin 2) → current place (admin 2) in the round, from `origin_matrix`."""
    return _view(ws, operation, assessment_type, round_number, admin1, _movements, full)


def _movements(con: duckdb.DuckDBPyConnection, s: Source, g: Guard) -> dict[str, Any]:
    params: dict[str, Any] = {"op": s.operation, "t": s.assessment_type, "n": s.round_number}
    where = "operation = $op AND assessment_type = $t AND round_number = $n"
    if s.admin1_pcode:
        where += " AND admin1_pcode = $a1"
        params["a1"] = s.admin1_pcode
    columns = ["population_group", "origin_admin1_pcode", "origin_admin1_name",
               "origin_admin2_pcode", "origin_admin2_name", "admin1_pcode", "admin1_name",
               "admin2_pcode", "admin2_name", "ind", "hh", "records"]
    rows = g.table("origin_matrix", _rows(
        con, f"SELECT {_select('origin_matrix', columns)} FROM origin_matrix WHERE {where}",
        params), columns)
    rows.sort(key=_desc("ind", "origin_admin2_pcode", "admin2_pcode"))
    return {"available": bool(rows), "tables": {"movements": _table(columns, rows, g)}}


def needs(ws: Workspace, operation: str, assessment_type: str | None = None,
          round_number: int | None = None, admin1: str | None = None,
          full: bool = False) -> dict[str, Any]:
    """Priority needs by sector: overall (the source's area) and per admin-2 area. Counts
    of sites, not of people: not suppressed (as the published `needs` table)."""
    return _view(ws, operation, assessment_type, round_number, admin1, _needs, full)


def _needs(con: duckdb.DuckDBPyConnection, s: Source, g: Guard) -> dict[str, Any]:
    where, params = _area(s)
    overall = _rows(con, f"SELECT sector, measure, unit, value, assessed, share FROM needs "
                    f"WHERE {where} ORDER BY share DESC NULLS LAST, sector", params)
    by_area_where = where.replace("admin_level = $lv", "admin_level = 2")
    by_area = _rows(con, "SELECT admin2_pcode, admin2_name, sector, value, assessed, share "
                    f"FROM needs WHERE {by_area_where} ORDER BY admin2_name, admin2_pcode, "
                    "sector", {k: v for k, v in params.items() if k != "lv"})
    sectors = [r["sector"] for r in overall]
    return {"available": bool(overall), "sectors": sectors, "tables": {
        "sectors": _table(["sector", "measure", "unit", "value", "assessed", "share"], overall),
        "areas": _table(["admin2_pcode", "admin2_name", "sector", "value", "assessed",
                         "share"], by_area)}}
