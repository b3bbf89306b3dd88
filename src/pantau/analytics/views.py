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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import shapely
from shapely.geometry import mapping
from sqlalchemy import select

from pantau.errors import PantauError
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


def _table(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
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
          admin1: str | None, build: Any) -> dict[str, Any]:
    """Run `build(con, source)` on the resolved scope; a page of an operation whose tables
    were never built says so instead of failing."""
    if not ws.analytics.path.exists():
        return _not_refreshed(status(ws, operation))
    with ws.analytics.reader() as con:
        state = status(ws, operation, con)
        if not state["refreshed"]:
            return _not_refreshed(state)
        try:
            source, choices = _scope(con, state, assessment_type, round_number, admin1)
        except _NoFigures:  # refreshed, but nothing approved yet: the page says so
            return _not_refreshed(state | {"figures": False})
        data = build(con, source)
    return {"status": state, "source": asdict(source) | {"level": source.level}, **choices,
            **data}


# ---- overview ------------------------------------------------------------------------------
def overview(ws: Workspace, operation: str, assessment_type: str | None = None,
             round_number: int | None = None, admin1: str | None = None) -> dict[str, Any]:
    """Headline figures of a round, the change since the previous round, the trend, reasons
    for displacement, the sex-and-age pyramid and the areas with most IDPs."""
    return _view(ws, operation, assessment_type, round_number, admin1, _overview)


def _overview(con: duckdb.DuckDBPyConnection, s: Source) -> dict[str, Any]:
    where, params = _area(s)
    headline = _rows(con, f"SELECT population_group, ind, hh, f, m, ind_estimated, records "
                     f"FROM area_totals WHERE {where} ORDER BY population_group = '{GROUP}' "
                     "DESC, population_group", params)
    change = _rows(con, f"SELECT population_group, previous_round, status, ind, ind_previous, "
                   f"ind_change, hh, hh_previous, hh_change FROM round_change WHERE {where} "
                   "ORDER BY population_group", params)
    trend_where = where.replace(" AND round_number = $n", "")
    trend = _rows(con, f"SELECT assessment_type, round_number, reporting_date, "
                  f"population_group, ind, hh, records FROM area_totals WHERE {trend_where} "
                  "ORDER BY round_number, population_group",
                  {k: v for k, v in params.items() if k != "n"})
    reasons = _rows(con, f"SELECT population_group, reason, sum(ind) AS ind, sum(hh) AS hh "
                    f"FROM displacement WHERE {where} GROUP BY population_group, reason "
                    "ORDER BY population_group, sum(ind) DESC NULLS LAST, reason", params)
    pyramid = _rows(con, f"SELECT population_group, sex, age_group, sum(value) AS value "
                    f"FROM totals WHERE {where} AND measure = 'affected' AND unit = "
                    "'individuals' AND sex IN ('f', 'm') AND age_group IS NOT NULL "
                    "GROUP BY population_group, sex, age_group", params)
    pyramid.sort(key=lambda r: (r["population_group"] or "", _age_key(r["age_group"]),
                                r["sex"]))
    return {
        "headline": headline,
        "idps": next((h for h in headline if h["population_group"] == GROUP), None),
        "change": next((c for c in change if c["population_group"] == GROUP), None),
        "tables": {
            "trend": _table(["population_group", "round_number", "reporting_date", "ind", "hh",
                             "records"], trend),
            "reasons": _table(["population_group", "reason", "ind", "hh"], reasons),
            "pyramid": _table(["population_group", "sex", "age_group", "value"], pyramid),
            "areas": _table(*_top_areas(con, s)),
        },
    }


def _age_key(age: str | None) -> tuple[int, str]:
    return (AGE_ORDER.index(age) if age in AGE_ORDER else len(AGE_ORDER), age or "")


def _top_areas(con: duckdb.DuckDBPyConnection, s: Source
               ) -> tuple[list[str], list[dict[str, Any]]]:
    """The admin-2 areas with most IDPs in the round, with their change since the previous
    round (the areas of one admin-1 when the page is filtered to it)."""
    where, params = _area(s, "a.")
    where = where.replace("a.admin_level = $lv", "a.admin_level = 2")
    params.pop("lv")
    rows = _rows(con, f"SELECT a.admin1_pcode, a.admin1_name, a.admin2_pcode, a.admin2_name, "
                 "a.ind, a.hh, a.records, c.ind_change FROM area_totals a LEFT JOIN "
                 "round_change c ON c.operation = a.operation AND c.assessment_type = "
                 "a.assessment_type AND c.round_number = a.round_number AND c.admin_level = 2 "
                 "AND c.admin2_pcode IS NOT DISTINCT FROM a.admin2_pcode AND "
                 "c.population_group IS NOT DISTINCT FROM a.population_group "
                 f"WHERE {where} AND a.population_group = '{GROUP}' "
                 f"ORDER BY a.ind DESC NULLS LAST, a.admin2_pcode LIMIT {TOP_AREAS}", params)
    return (["admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name", "ind", "hh",
             "records", "ind_change"], rows)


# ---- map -----------------------------------------------------------------------------------
def map_view(ws: Workspace, operation: str, assessment_type: str | None = None,
             round_number: int | None = None, admin1: str | None = None,
             level: int = 2) -> dict[str, Any]:
    """IDPs per admin area (boundaries where the gazetteer has them, simplified to about
    50 m for drawing, else the centroid) and the sites with their IDPs in the round."""
    if level not in (1, 2, 3):
        raise PantauError("invalid", message=f"parameter 'level': {level} is not an admin "
                          "level the map shows (1, 2 or 3)")
    data = _view(ws, operation, assessment_type, round_number, admin1,
                 lambda con, s: _map(ws, con, s, level))
    data["level"] = level
    return data


def _map(ws: Workspace, con: duckdb.DuckDBPyConnection, s: Source, level: int
         ) -> dict[str, Any]:
    where, params = _area(s)
    where = where.replace("admin_level = $lv", f"admin_level = {level}")
    params.pop("lv")
    pcode, name = f"admin{level}_pcode", f"admin{level}_name"
    areas = _rows(con, f"SELECT {pcode} AS pcode, {name} AS name, ind, hh, records FROM "
                  f"area_totals WHERE {where} AND population_group = '{GROUP}' AND "
                  f"{pcode} IS NOT NULL ORDER BY ind DESC NULLS LAST, {pcode}", params)
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
    sites = _sites(ws, con, s)
    located = sum(1 for x in sites if x["lat"] is not None)
    return {
        "areas": {"type": "FeatureCollection", "features": features},
        "sites": sites,
        "counts": {"areas": len(areas), "with_boundary": sum(f["geometry"] is not None
                                                             for f in features),
                   "sites": len(sites), "sites_located": located,
                   "sites_assessed": sum(1 for x in sites if x["ind"] is not None)},
        "idps": next(iter(_rows(con, f"SELECT ind, hh, records FROM area_totals WHERE "
                                f"{_area(s)[0]} AND population_group = '{GROUP}'",
                                _area(s)[1])), None),
        "tables": {"areas": _table([pcode, name, "ind", "hh", "records"],
                                   [{pcode: a["pcode"], name: a["name"], **a} for a in areas])},
    }


_SITE_FIGURES = (
    "SELECT f.site_code, sum(r.ind) AS ind, sum(r.hh) AS hh FROM record_figures r JOIN "
    "(SELECT DISTINCT site_code, version_id FROM facts WHERE operation = $op AND "
    "assessment_type = $t AND round_number = $n AND site_code IS NOT NULL) f "
    "ON f.version_id = r.version_id WHERE r.operation = $op AND r.assessment_type = $t AND "
    f"r.round_number = $n AND r.population_group = '{GROUP}' GROUP BY f.site_code")


def _sites(ws: Workspace, con: duckdb.DuckDBPyConnection, s: Source) -> list[dict[str, Any]]:
    """The operation's sites (code, name, type, point, admin codes) with the IDPs the round
    counted there; sites without a count in the round have `ind: null`."""
    figures = {r["site_code"]: r for r in _rows(con, _SITE_FIGURES, {
        "op": s.operation, "t": s.assessment_type, "n": s.round_number})}
    q = (select(Site.code, Site.name, Site.site_type, Site.latitude, Site.longitude,
                Site.admin1_pcode, Site.admin2_pcode, Site.closed_on)
         .join(Operation, Operation.id == Site.operation_id)
         .where(Operation.slug == s.operation).order_by(Site.code))
    if s.admin1_pcode:
        q = q.where(Site.admin1_pcode == s.admin1_pcode)
    with ws.engine.connect() as connection:  # plain rows, no ORM session: 5,000 sites
        rows = connection.execute(q).all()
    out = []
    for code, name, kind, lat, lon, a1, a2, closed in rows:
        f = figures.get(code, {})
        out.append({"code": code, "name": name, "type": kind,
                    "lat": None if lat is None else round(lat, 5),
                    "lon": None if lon is None else round(lon, 5),
                    "admin1_pcode": a1, "admin2_pcode": a2,
                    "closed_on": closed.isoformat() if closed else None,
                    "ind": _plain(f.get("ind")), "hh": _plain(f.get("hh"))})
    return out


def site_profile(ws: Workspace, operation: str, code: str) -> dict[str, Any]:
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
    if not state["refreshed"]:
        return {"status": state, "site": info, "rounds": [], "needs": [],
                "last_assessment": None}
    params = {"op": state["operation"], "code": code}
    with ws.analytics.reader(state["operation"]) as con:
        rounds = _rows(con, "SELECT r.assessment_type, r.round_number, r.reporting_date, "
                       "r.population_group, sum(r.ind) AS ind, sum(r.hh) AS hh FROM "
                       "record_figures r WHERE r.operation = $op AND r.version_id IN (SELECT "
                       "version_id FROM facts WHERE operation = $op AND site_code = $code) "
                       "GROUP BY ALL ORDER BY r.assessment_type, r.round_number, "
                       "r.population_group", params)
        last = _rows(con, "SELECT assessment_type, round_number, reporting_date, "
                     "max(obs_date) AS assessed_on FROM facts WHERE operation = $op AND "
                     "site_code = $code GROUP BY ALL ORDER BY max(obs_date) DESC NULLS LAST, "
                     "round_number DESC LIMIT 1", params)
        needs = _rows(con, "SELECT DISTINCT sector FROM facts WHERE operation = $op AND "
                      "site_code = $code AND sector IS NOT NULL AND measure = 'need' AND "
                      "value > 0 AND assessment_type = $t AND round_number = $n ORDER BY "
                      "sector", {**params, "t": last[0]["assessment_type"],
                                 "n": last[0]["round_number"]}) if last else []
    return {"status": state, "site": info, "rounds": rounds,
            "needs": [n["sector"] for n in needs],
            "last_assessment": last[0] if last else None}


# ---- movements and needs -------------------------------------------------------------------
def movements(ws: Workspace, operation: str, assessment_type: str | None = None,
              round_number: int | None = None, admin1: str | None = None) -> dict[str, Any]:
    """Origin (admin 2) → current place (admin 2) in the round, from `origin_matrix`."""
    return _view(ws, operation, assessment_type, round_number, admin1, _movements)


def _movements(con: duckdb.DuckDBPyConnection, s: Source) -> dict[str, Any]:
    params: dict[str, Any] = {"op": s.operation, "t": s.assessment_type, "n": s.round_number}
    where = "operation = $op AND assessment_type = $t AND round_number = $n"
    if s.admin1_pcode:
        where += " AND admin1_pcode = $a1"
        params["a1"] = s.admin1_pcode
    columns = ["population_group", "origin_admin1_pcode", "origin_admin1_name",
               "origin_admin2_pcode", "origin_admin2_name", "admin1_pcode", "admin1_name",
               "admin2_pcode", "admin2_name", "ind", "hh", "records"]
    rows = _rows(con, f"SELECT {', '.join(columns)} FROM origin_matrix WHERE {where} "
                 "ORDER BY ind DESC NULLS LAST, origin_admin2_pcode, admin2_pcode", params)
    return {"available": bool(rows), "tables": {"movements": _table(columns, rows)}}


def needs(ws: Workspace, operation: str, assessment_type: str | None = None,
          round_number: int | None = None, admin1: str | None = None) -> dict[str, Any]:
    """Priority needs by sector: overall (the source's area) and per admin-2 area."""
    return _view(ws, operation, assessment_type, round_number, admin1, _needs)


def _needs(con: duckdb.DuckDBPyConnection, s: Source) -> dict[str, Any]:
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
