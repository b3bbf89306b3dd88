"""Figures from FMS interviews: shares of respondents with Wilson 95% intervals, route
frequencies, and statements — always labelled as what they are: shares of the people
interviewed, not of everyone who passed (an FMS is not a random sample).

Only interviews with consent are loaded, so an interview without consent is in no figure.
Like `pantau.flow.analytics`: pure `*_sql` builders, the one executor, DuckDB in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
from sqlalchemy import select

from pantau.analytics.duck import run
from pantau.errors import PantauError
from pantau.flow.analytics import Filter, fetch
from pantau.flow.countries import name_of
from pantau.operations import get_operation
from pantau.store.flows import VULNERABILITIES, FlowPoint, FlowSurvey, FlowSurveyLeg
from pantau.store.models import Site

if TYPE_CHECKING:
    from pantau.workspace import Workspace

Z95 = 1.959963984540054
NOT_REPRESENTATIVE = ("Shares of respondents: the people interviewed are not a random sample "
                      "and do not represent everyone who passed.")
CATEGORIES = ("sex", "age_group", "nationality", "education", "employment", "origin_country",
              "departure_country", "destination_country", "point")
MULTI = ("reasons",)
FMS_COLUMNS = [("id", "BIGINT"), ("point", "VARCHAR"), ("date", "DATE"), ("sex", "VARCHAR"),
               ("age_group", "VARCHAR"), ("nationality", "VARCHAR"), ("education", "VARCHAR"),
               ("employment", "VARCHAR"), ("origin_country", "VARCHAR"),
               ("departure_country", "VARCHAR"), ("destination_country", "VARCHAR"),
               ("reasons", "VARCHAR"), *((v, "BOOLEAN") for v in VULNERABILITIES)]
LEG_COLUMNS = [("survey_id", "BIGINT"), ("seq", "BIGINT"), ("country", "VARCHAR")]


def wilson_sql(k: str, n: str, z: float = Z95) -> tuple[str, str]:
    """SQL for the lower and upper bounds of the Wilson score interval of k successes in n."""
    p = f"(CAST({k} AS DOUBLE) / {n})"
    centre = f"({p} + {z * z} / (2.0 * {n}))"
    half = f"({z} * sqrt({p} * (1 - {p}) / {n} + {z * z} / (4.0 * {n} * {n})))"
    denom = f"(1 + {z * z} / {n})"
    return f"({centre} - {half}) / {denom}", f"({centre} + {half}) / {denom}"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The same interval in Python (the tests check one against the other)."""
    p = k / n
    centre, denom = p + z * z / (2 * n), 1 + z * z / n
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return (centre - half) / denom, (centre + half) / denom


def _check(dimension: str) -> str:
    """Only known words reach the SQL (they are column names, not parameters)."""
    if dimension in (*CATEGORIES, *MULTI, *VULNERABILITIES):
        return dimension
    raise PantauError("invalid", message=f"'{dimension}' is not a survey dimension (use one "
                      f"of: {', '.join((*CATEGORIES, *MULTI, *VULNERABILITIES))})")


def shares_sql(dimension: str, where: str = "TRUE") -> str:
    """Respondents per answer of `dimension`, n = respondents who answered it, share and its
    Wilson 95% interval. Reasons (several per respondent) are shared per respondent, so they
    add up to more than 100%; a vulnerability indicator gives yes and no."""
    _check(dimension)
    if dimension in MULTI:
        answers = (f"SELECT id, unnest(string_split({dimension}, ' ')) AS value FROM s "
                   f"WHERE {dimension} IS NOT NULL")
    elif dimension in VULNERABILITIES:
        answers = (f"SELECT id, CASE WHEN {dimension} THEN 'yes' ELSE 'no' END AS value "
                   f"FROM s WHERE {dimension} IS NOT NULL")
    else:
        answers = f"SELECT id, CAST({dimension} AS VARCHAR) AS value FROM s " \
            f"WHERE {dimension} IS NOT NULL"
    lo, hi = wilson_sql("k", "n")
    # An answer is counted once per respondent: the import keeps each reason once.
    return (f"WITH s AS (SELECT * FROM fms WHERE {where}), a AS ({answers}), "
            f"t AS (SELECT COUNT({dimension}) AS n, COUNT(*) - COUNT({dimension}) AS "
            "not_answered, MIN(date) AS first_day, MAX(date) AS last_day FROM s), "
            "c AS (SELECT value, COUNT(*) AS k FROM a GROUP BY value) "
            f"SELECT value, k AS respondents, n, CAST(k AS DOUBLE) / n AS share, {lo} AS ci_low, "
            f"{hi} AS ci_high, not_answered, first_day, last_day "
            "FROM c, t ORDER BY k DESC, value")


def routes_sql(where: str = "TRUE", transit: bool = False) -> str:
    """Respondents per route (countries in order, a country repeated in a row once) — or,
    with `transit`, per country passed through — with the share of respondents who gave a
    route and its Wilson interval."""
    lo, hi = wilson_sql("k", "n")
    if transit:
        per = "SELECT survey_id AS id, country AS value FROM legs"
    else:
        per = ("SELECT survey_id AS id, string_agg(country, ' → ' ORDER BY seq) AS value "
               "FROM (SELECT *, lag(country) OVER (PARTITION BY survey_id ORDER BY seq) AS prev "
               "FROM legs) WHERE prev IS NULL OR prev <> country GROUP BY survey_id")
    return (f"WITH s AS (SELECT id FROM fms WHERE {where}), "
            "legs AS (SELECT l.* FROM fms_leg l JOIN s ON s.id = l.survey_id), "
            f"a AS ({per}), t AS (SELECT COUNT(DISTINCT id) AS n FROM a), "
            "c AS (SELECT value, COUNT(DISTINCT id) AS k FROM a GROUP BY value) "
            f"SELECT value, k AS respondents, n, CAST(k AS DOUBLE) / n AS share, "
            f"{lo} AS ci_low, {hi} AS ci_high FROM c, t ORDER BY k DESC, value")


@contextmanager
def loaded(ws: Workspace, operation: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The operation's interviews **with consent** as `fms`, their stops as `fms_leg`."""
    cols = [FlowSurvey.id, Site.code, FlowSurvey.date, FlowSurvey.sex, FlowSurvey.age_group,
            FlowSurvey.nationality, FlowSurvey.education, FlowSurvey.employment,
            FlowSurvey.origin_country, FlowSurvey.departure_country,
            FlowSurvey.destination_country, FlowSurvey.reasons,
            *(getattr(FlowSurvey, v) for v in VULNERABILITIES)]
    with ws.session() as s:
        op = get_operation(s, operation)
        mine = (FlowSurvey.operation_id == op.id) & FlowSurvey.consent
        rows = s.execute(select(*cols).join(FlowPoint, FlowPoint.id == FlowSurvey.point_id)
                         .join(Site, Site.id == FlowPoint.site_id).where(mine)).all()
        legs = s.execute(select(FlowSurveyLeg.survey_id, FlowSurveyLeg.seq,
                                FlowSurveyLeg.country)
                         .join(FlowSurvey, FlowSurvey.id == FlowSurveyLeg.survey_id)
                         .where(mine)).all()
    con = duckdb.connect()
    try:
        _fill(con, "fms", FMS_COLUMNS, rows)
        _fill(con, "fms_leg", LEG_COLUMNS, legs)
        yield con
    finally:
        con.close()


def _fill(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]],
          rows: list[Any]) -> None:
    run(con, f"CREATE TABLE {table} (" + ", ".join(f"{n} {t}" for n, t in columns) + ")")
    if not rows:
        return
    data = {n: np.array(c, dtype=np.int64 if t == "BIGINT" else object)
            for (n, t), c in zip(columns, zip(*rows, strict=True), strict=True)}
    con.register("batch", data)
    run(con, f"INSERT INTO {table} SELECT " + ", ".join(f"CAST({n} AS {t})" for n, t in columns)
        + " FROM batch")
    con.unregister("batch")


def shares(ws: Workspace, operation: str, dimension: str, where: Filter | None = None
           ) -> dict[str, Any]:
    sql_where, params = (where or Filter()).sql()
    with loaded(ws, operation) as con:
        rows = fetch(con, shares_sql(dimension, sql_where), params)
    return {"dimension": dimension, "note": NOT_REPRESENTATIVE, "rows": _plain(rows)}


def routes(ws: Workspace, operation: str, where: Filter | None = None, transit: bool = False
           ) -> dict[str, Any]:
    sql_where, params = (where or Filter()).sql()
    with loaded(ws, operation) as con:
        rows = fetch(con, routes_sql(sql_where, transit), params)
    return {"transit": transit, "note": NOT_REPRESENTATIVE, "rows": _plain(rows)}


VERBS = {"departure_country": "departed from {}", "nationality": "were nationals of {}",
         "origin_country": "came from {}", "destination_country": "intended to reach {}"}


def statements(figures: dict[str, Any], place: str, top: int = 3) -> list[dict[str, Any]]:
    """'62.0% of respondents interviewed at … departed from Libya (95% CI 57.1–66.7%; n = 350
    respondents; period …). Shares of respondents: …'"""
    dim, out = figures["dimension"], []
    for r in figures["rows"][:top]:
        label = name_of(r["value"]) if dim in VERBS else str(r["value"])
        verb = VERBS.get(dim, f"answered {dim.replace('_', ' ')} '{{}}'").format(label)
        first, last = (dt.date.fromisoformat(r[k]) for k in ("first_day", "last_day"))
        text = (f"{r['share']:.1%} of respondents interviewed at {place} {verb} (95% CI "
                f"{r['ci_low']:.1%}–{r['ci_high']:.1%}; n = {r['n']:,} respondents; period "
                f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}). {NOT_REPRESENTATIVE}")
        out.append({"text": text, **r, "dimension": dim})
    return out


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        for k, v in r.items():
            if isinstance(v, dt.date):
                r[k] = v.isoformat()
            elif isinstance(v, float):
                r[k] = round(v, 6)
    return rows
