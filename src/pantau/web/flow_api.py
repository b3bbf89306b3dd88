"""Flow monitoring as JSON: FMPs, flows over time, shares, O–D matrices, generated statements,
and the HXL CSV of flows — `/api/flow/{operation}/…`.

Everything served is an aggregate of FMR groups (sums of individuals per FMP, day/week/month,
direction and country), never a single record. Routes are thin: parse the query, one call
into `ws.flow`, return. The router declares `aggregates:read`: anonymous visitors may read
the figures of a public operation, signed-in users those of their operations.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pantau.errors import PantauError
from pantau.flow import Filter
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
    return {"operation": operation, "period": period, "by": list(_dims(by)), "rows": rows}


@router.get("/{operation}/shares")
def shares(request: Request, operation: str, by: str = "previous_country",
           start: str | None = Start, end: str | None = End,
           point: list[str] | None = Points, direction: str | None = Direction
           ) -> dict[str, Any]:
    """Each value's share of the individuals whose `by` is known: base, unknown, period."""
    rows = request.app.state.ws.flow.shares(operation, by,
                                            _filter(start, end, point, direction))
    return {"operation": operation, "by": by, "rows": [
        {**r, "individuals": int(r["individuals"]), "base": int(r["base"]),
         "unknown": int(r["unknown"]), "share": float(r["share"]),
         "first_day": r["first_day"].isoformat(), "last_day": r["last_day"].isoformat()}
        for r in rows]}


@router.get("/{operation}/od")
def od_matrix(request: Request, operation: str, origin: str = "previous_country",
              dest: str = "final_country", start: str | None = Start,
              end: str | None = End, point: list[str] | None = Points,
              direction: str | None = Direction) -> dict[str, Any]:
    """Origin–destination matrix: individuals per origin × destination, with each cell's
    share of its origin."""
    rows = request.app.state.ws.flow.od_matrix(operation, origin, dest,
                                               _filter(start, end, point, direction))
    return {"operation": operation, "origin": origin, "dest": dest, "rows": rows}


@router.get("/{operation}/statements")
def statements(request: Request, operation: str, by: str = "previous_country,nationality",
               top: int = 3, start: str | None = Start, end: str | None = End,
               point: list[str] | None = Points, direction: str | None = Direction
               ) -> dict[str, Any]:
    """Sentences computed from the data ("X% … departed from Y"), each with n and period."""
    rows = request.app.state.ws.flow.statements(
        operation, _dims(by), _filter(start, end, point, direction), top)
    return {"operation": operation, "statements": rows}


@router.get("/{operation}/flows.csv")
def flows_csv(request: Request, operation: str, period: str = "month",
              start: str | None = Start, end: str | None = End,
              point: list[str] | None = Points) -> Response:
    """The HXL-tagged CSV of flows (`pantau flow export`): #country+code+origin,
    #country+code+dest, #affected+ind+incoming/outgoing/transit."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{operation}-flows-{period}.csv"
        request.app.state.ws.flow.export(operation, path, period,
                                         _filter(start, end, point, None))
        body = path.read_bytes()
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{operation}-flows-{period}.csv"'})


@router.get("/{operation}/survey/shares")
def survey_shares(request: Request, operation: str, by: str = "departure_country",
                  start: str | None = Start, end: str | None = End,
                  point: list[str] | None = Points) -> dict[str, Any]:
    """FMS: shares of respondents (with consent) with Wilson 95% intervals; `note` says
    they are not representative of everyone who passed."""
    return {"operation": operation, **request.app.state.ws.flow.survey_shares(
        operation, by, _filter(start, end, point, None))}


@router.get("/{operation}/survey/routes")
def survey_routes(request: Request, operation: str, transit: bool = False,
                  start: str | None = Start, end: str | None = End,
                  point: list[str] | None = Points) -> dict[str, Any]:
    """FMS: respondents per route (or per transit country) with Wilson 95% intervals."""
    return {"operation": operation, **request.app.state.ws.flow.survey_routes(
        operation, _filter(start, end, point, None), transit)}


@router.get("/{operation}/survey/statements")
def survey_statements(request: Request, operation: str,
                      by: str = "departure_country,nationality", top: int = 3,
                      start: str | None = Start, end: str | None = End,
                      point: list[str] | None = Points) -> dict[str, Any]:
    """FMS: sentences about respondents with their interval, n and period."""
    return {"operation": operation, "statements": request.app.state.ws.flow.survey_statements(
        operation, _dims(by), _filter(start, end, point, None), top)}
