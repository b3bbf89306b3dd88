"""Flow monitoring as JSON: FMPs, flows over time, shares, O–D matrices, generated statements,
and the HXL CSV of flows — `/api/flow/{operation}/…`.

Everything served is an aggregate of FMR groups (sums of individuals per FMP, day/week/month,
direction and country), never a single record. Routes are thin: parse the query, one call
into `ws.flow`, return. The router declares `aggregates:read`: anonymous visitors may read
the figures of a public operation, signed-in users those of their operations.

Small cells (docs/data-protection.md): for everyone but those who may read the operation's
records, counts of people below the operation's threshold (`min_cell`, default 5) are null
and named in the row's `suppressed` list, with complements: within each row (individuals =
men + women + boys + girls; this period = previous + change) and along every dimension of
`by`, since the rows that differ only in one dimension add up to a row another `by` serves
(so nationalities within an FMP × week × direction). Shares and statements whose base is
below the threshold are not shown; survey shares whose n (respondents) is below it neither.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pantau.analytics.views import hide_in_groups
from pantau.errors import PantauError
from pantau.flow import Filter, analytics
from pantau.flow import export as flow_export
from pantau.flow import statements as flow_statements
from pantau.publish.disclosure import MARK_COLUMN, suppress
from pantau.tabular import parse_date
from pantau.tabular.values import ValueProblem
from pantau.web.access import allow

# Aggregates only: readable by anyone when the operation is public (pantau.web.access).
router = APIRouter(prefix="/api/flow", tags=["flow monitoring"],
                   dependencies=[allow("aggregates:read")])


def _filter(start: str | None, end: str | None, point: list[str] | None,
            direction: str | None) -> Filter:
    try:
        first, last = parse_date(start), parse_date(end)
    except ValueProblem as exc:
        raise PantauError("invalid", message=f"from/to: {exc}") from None
    return Filter(first, last, tuple(point or ()), direction)


def _dims(text: str) -> tuple[str, ...]:
    return tuple(d.strip() for d in text.split(",") if d.strip())


def _threshold(request: Request, operation: str) -> int:
    """0 (every figure) for who may read the operation's records anyway (analysts,
    managers, admins); else the operation's small-cell threshold."""
    who = request.state.principal
    if who.can("aggregates:read", operation) and who.can("records:read", operation):
        return 0
    return int(request.app.state.ws.publish.policy(operation).min_cell)


PEOPLE = ("individuals", "men", "women", "boys", "girls", "unaccompanied")
SEX_AGE = ("individuals", ("men", "women", "boys", "girls"))


def _margins(by: tuple[str, ...], time: str = "period"):  # type: ignore[no-untyped-def]
    """One group per dimension of `by`: the rows that differ only in it add up to a row of
    the same period served without it; and all the rows of a period, to its total."""
    return [*(lambda r, d=d: (r.get(time), *(r.get(k) for k in by if k != d)) for d in by),
            lambda r: r.get(time)]


def protect_flows(rows: list[dict[str, Any]], by: tuple[str, ...], threshold: int
                  ) -> list[dict[str, Any]]:
    """Suppress small counts of people in rows of `ws.flow.flows` (in place)."""
    if threshold > 0:
        for r in rows:
            r[MARK_COLUMN] = []
        hide_in_groups(rows, PEOPLE, _margins(by), threshold, [SEX_AGE])
    return rows


def protect_compare(rows: list[dict[str, Any]], by: tuple[str, ...], threshold: int
                    ) -> list[dict[str, Any]]:
    """`ws.flow.compare` rows: individuals and previous are counts; the change is hidden
    as their complement, the relative change with either."""
    if threshold > 0:
        for r in rows:
            r[MARK_COLUMN] = []
        hide_in_groups(rows, ("individuals", "previous", "change"), _margins(by), threshold,
                       [("individuals", ("previous", "change"))], derived=("change",))
        for r in rows:
            if r[MARK_COLUMN] and r.get("change_share") is not None:
                r["change_share"] = None
                r[MARK_COLUMN].append("change_share")
    return rows


def protect_od(rows: list[dict[str, Any]], threshold: int) -> list[dict[str, Any]]:
    """O–D cells: an origin's (a destination's) cells add up to a figure served by shares."""
    if threshold > 0:
        for r in rows:
            r[MARK_COLUMN] = []
        hide_in_groups(rows, ("individuals",), [lambda r: r["origin"], lambda r: r["dest"]],
                       threshold)
        for r in rows:
            if r[MARK_COLUMN]:
                r["share_of_origin"] = None
                r[MARK_COLUMN].append("share_of_origin")
    return rows


def protect_shares(rows: list[dict[str, Any]], threshold: int) -> list[dict[str, Any]]:
    """`ws.flow.shares` rows: the values' individuals add up to the base, base + unknown
    to the individuals counted (served by `flows`). A hidden count takes its share with it;
    a hidden base takes every share (share × base would give the counts back)."""
    if threshold <= 0 or not rows:
        return rows
    total = len(rows)  # a virtual row holding base (column 0) and unknown (column 1)
    values = {(i, 0): float(r["individuals"]) for i, r in enumerate(rows)}
    values[(total, 0)] = float(rows[0]["base"])
    values[(total, 1)] = float(rows[0]["unknown"])
    relations = [((total, 0), [(i, 0) for i in range(total)]),
                 (None, [(total, 0), (total, 1)])]
    primary, secondary = suppress(values, relations, threshold,
                                  lambda c: (str(rows[c[0]]["value"]) if c[0] < total
                                             else "", c[1]))
    hidden = primary | secondary
    for i, r in enumerate(rows):
        r[MARK_COLUMN] = []
        if (i, 0) in hidden or (total, 0) in hidden:
            r["share"] = None
            r[MARK_COLUMN].append("share")
        if (i, 0) in hidden:
            r["individuals"] = None
            r[MARK_COLUMN].append("individuals")
        for column, cell in (("base", (total, 0)), ("unknown", (total, 1))):
            if cell in hidden:
                r[column] = None
                r[MARK_COLUMN].append(column)
    return rows


def protect_survey(figures: dict[str, Any], threshold: int) -> dict[str, Any]:
    """Survey shares (or routes) whose n (respondents who answered) is below the threshold
    are not shown: share, interval, respondents and n are null."""
    if threshold <= 0:
        return figures
    for r in figures.get("rows", []):
        r[MARK_COLUMN] = []
        if r.get("n") is not None and r["n"] < threshold:
            for column in ("respondents", "n", "share", "ci_low", "ci_high"):
                if column in r:
                    r[column] = None
                    r[MARK_COLUMN].append(column)
    return figures


Start = Query(None, alias="from", description="First day, YYYY-MM-DD.")
End = Query(None, alias="to", description="Last day, YYYY-MM-DD.")
Points = Query(None, description="FMP id; repeat for several.")
Direction = Query(None, description="incoming, outgoing or transit.")


@router.get("/{operation}/points")
def points(request: Request, operation: str) -> dict[str, Any]:
    """The operation's flow monitoring points: place, kind, directions, days and hours."""
    ws = request.app.state.ws
    return {"operation": operation,
            "points": [p.as_dict() for p in ws.flow.points(operation)]}


@router.get("/{operation}/flows")
def flows(request: Request, operation: str, period: str = "week",
          by: str = "point,direction,nationality", start: str | None = Start,
          end: str | None = End, point: list[str] | None = Points,
          direction: str | None = Direction) -> dict[str, Any]:
    """Individuals (and men, women, boys, girls, unaccompanied children) per period (day,
    week from Monday, month) and the dimensions in `by`."""
    rows = request.app.state.ws.flow.flows(operation, period, _dims(by),
                                           _filter(start, end, point, direction))
    protect_flows(rows, _dims(by), _threshold(request, operation))
    return {"operation": operation, "period": period, "by": list(_dims(by)), "rows": rows}


@router.get("/{operation}/compare")
def compare(request: Request, operation: str, period: str = "month",
            by: str = "point,direction", start: str | None = Start, end: str | None = End,
            point: list[str] | None = Points, direction: str | None = Direction
            ) -> dict[str, Any]:
    """Each period against the previous one: individuals, previous, change, change_share
    (null where the previous period has no groups counted)."""
    rows = request.app.state.ws.flow.compare(operation, period, _dims(by),
                                             _filter(start, end, point, direction))
    protect_compare(rows, _dims(by), _threshold(request, operation))
    return {"operation": operation, "period": period, "by": list(_dims(by)), "rows": rows}


@router.get("/{operation}/shares")
def shares(request: Request, operation: str, by: str = "previous_country",
           start: str | None = Start, end: str | None = End,
           point: list[str] | None = Points, direction: str | None = Direction
           ) -> dict[str, Any]:
    """Each value's share of the individuals whose `by` is known: base, unknown, period."""
    rows = request.app.state.ws.flow.shares(operation, by,
                                            _filter(start, end, point, direction))
    plain = [{**r, "individuals": int(r["individuals"]), "base": int(r["base"]),
              "unknown": int(r["unknown"]), "share": float(r["share"]),
              "first_day": r["first_day"].isoformat(), "last_day": r["last_day"].isoformat()}
             for r in rows]
    return {"operation": operation, "by": by,
            "rows": protect_shares(plain, _threshold(request, operation))}


@router.get("/{operation}/od")
def od_matrix(request: Request, operation: str, origin: str = "previous_country",
              dest: str = "final_country", start: str | None = Start,
              end: str | None = End, point: list[str] | None = Points,
              direction: str | None = Direction) -> dict[str, Any]:
    """Origin–destination matrix: individuals per origin × destination, with each cell's
    share of its origin."""
    rows = request.app.state.ws.flow.od_matrix(operation, origin, dest,
                                               _filter(start, end, point, direction))
    protect_od(rows, _threshold(request, operation))
    return {"operation": operation, "origin": origin, "dest": dest, "rows": rows}


@router.get("/{operation}/statements")
def statements(request: Request, operation: str, by: str = "previous_country,nationality",
               top: int = 3, start: str | None = Start, end: str | None = End,
               point: list[str] | None = Points, direction: str | None = Direction
               ) -> dict[str, Any]:
    """Sentences computed from the data ("X% … departed from Y"), each with n and period."""
    ws, where = request.app.state.ws, _filter(start, end, point, direction)
    rows = ws.flow.statements(operation, _dims(by), where, top)
    threshold = _threshold(request, operation)
    if threshold > 0:  # only statements whose figures the shares show
        shown = {dim: protect_shares(ws.flow.shares(operation, dim, where), threshold)
                 for dim in _dims(by)}
        rows = flow_statements.withhold(rows, shown)
    return {"operation": operation, "statements": rows}


@router.get("/{operation}/flows.csv")
def flows_csv(request: Request, operation: str, period: str = "month",
              start: str | None = Start, end: str | None = End,
              point: list[str] | None = Points) -> Response:
    """The HXL-tagged CSV of flows (`pantau flow export`): #country+code+origin,
    #country+code+dest, #affected+ind+incoming/outgoing/transit."""
    ws = request.app.state.ws
    sql_where, params = _filter(start, end, point, None).sql()
    with analytics.loaded(ws, operation) as con:
        rows = analytics.run(con, flow_export.export_sql(period, sql_where), params).fetchall()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{operation}-flows-{period}.csv"
        flow_export.write(path, operation, period, rows, _threshold(request, operation))
        body = path.read_bytes()
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{operation}-flows-{period}.csv"'})


@router.get("/{operation}/survey/shares")
def survey_shares(request: Request, operation: str, by: str = "departure_country",
                  start: str | None = Start, end: str | None = End,
                  point: list[str] | None = Points) -> dict[str, Any]:
    """FMS: shares of respondents (with consent) with Wilson 95% intervals; `note` says
    they are not representative of everyone who passed."""
    return {"operation": operation, **protect_survey(request.app.state.ws.flow.survey_shares(
        operation, by, _filter(start, end, point, None)), _threshold(request, operation))}


@router.get("/{operation}/survey/routes")
def survey_routes(request: Request, operation: str, transit: bool = False,
                  start: str | None = Start, end: str | None = End,
                  point: list[str] | None = Points) -> dict[str, Any]:
    """FMS: respondents per route (or per transit country) with Wilson 95% intervals."""
    return {"operation": operation, **protect_survey(request.app.state.ws.flow.survey_routes(
        operation, _filter(start, end, point, None), transit), _threshold(request, operation))}


@router.get("/{operation}/survey/statements")
def survey_statements(request: Request, operation: str,
                      by: str = "departure_country,nationality", top: int = 3,
                      start: str | None = Start, end: str | None = End,
                      point: list[str] | None = Points) -> dict[str, Any]:
    """FMS: sentences about respondents with their interval, n and period."""
    rows = request.app.state.ws.flow.survey_statements(
        operation, _dims(by), _filter(start, end, point, None), top)
    threshold = _threshold(request, operation)
    return {"operation": operation, "statements": [
        s for s in rows if threshold <= 0 or (s.get("n") or 0) >= threshold]}
