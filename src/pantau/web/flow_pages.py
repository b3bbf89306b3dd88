"""Flow monitoring pages: flows over time, the FMP map, origins/destinations and breakdowns.

The pages draw what the flow JSON API (`pantau.web.flow_api`) serves: every figure is fetched
by calling that module's route functions, so a page and `/api/flow/{operation}/…` can never
disagree, and whatever the API withholds (small cells) the pages withhold too. Filters are
the API's own GET parameters (`period`, `from`, `to`, `point`, `direction`), so a filtered
page has an address that can be shared and works without JavaScript; the charts and the map
(static/flows.js) are drawn from the same numbers, embedded as JSON.

Every figure is shown with its operation, period and base (individuals counted, or
respondents for survey shares), and survey shares are labelled as not representative.
The router declares "aggregates:read": anonymous visitors see public operations only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import URL

from pantau import __version__
from pantau.flow.analytics import PERIODS
from pantau.flow.countries import name_of
from pantau.store.flows import DIRECTIONS
from pantau.web import flow_api
from pantau.web.access import allow
from pantau.web.dashboard import i18n
from pantau.web.dashboard.routes import _tiles

router = APIRouter(dependencies=[allow("aggregates:read")])

PAGES = ("flows", "map", "origins")
COUNTRY_DIMS = ("nationality", "previous_country", "final_country", "departure_country",
                "destination_country", "origin_country")
# FMS indicators shown as "share answering yes" (the counter-trafficking module)
VULNERABILITIES = ("unpaid_work", "forced_work", "held_against_will", "violence",
                   "marriage_offer")

Period = Annotated[str, Query(description="day, week (from Monday) or month")]
Start = Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD.")]
End = Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD.")]
Point = Annotated[str | None, Query(max_length=60, description="one FMP id (default all)")]
Direction = Annotated[str | None, Query(description="incoming, outgoing or transit")]


def label(dimension: str, value: Any, lang: str) -> str:
    """A value as people read it: a country's name, a translated reason, else the code."""
    if value is None:
        return "—"
    if dimension in COUNTRY_DIMS:
        return name_of(str(value))
    key = f"flow.v.{value}"
    text = i18n.translate(lang, key)
    return str(value) if text == key else text


class FlowQuery:
    """The page's filters, as given (empty strings are "not chosen")."""

    def __init__(self, period: str, start: str | None, end: str | None, point: str | None,
                 direction: str | None) -> None:
        self.period = period
        self.start, self.end = start or None, end or None
        self.point, self.direction = point or None, direction or None

    def api(self) -> dict[str, Any]:
        """Keyword arguments for the flow API functions (every one given: they are called
        directly, not through FastAPI, so no default may stay a `Query` object)."""
        return {"start": self.start, "end": self.end,
                "point": [self.point] if self.point else None}


def _base(request: Request, slug: str, q: FlowQuery) -> dict[str, Any]:
    """What every flow page shows: operation, its FMPs, the filters, the base and period."""
    ws = request.app.state.ws
    op = ws.operations.get(slug)
    points = flow_api.points(request, slug)["points"]
    per_point = flow_api.shares(request, slug, by="point", direction=q.direction, **q.api())
    rows = per_point["rows"]
    base = rows[0]["base"] if rows else 0
    period = (rows[0]["first_day"], rows[0]["last_day"]) if rows else (None, None)
    return {"operation": slug, "operation_name": op.name, "fmps": points,
            "per_point": rows, "base": base, "has_counts": bool(rows),
            "first_day": period[0], "last_day": period[1],
            "chosen": {"period": q.period, "from": q.start, "to": q.end, "point": q.point,
                        "direction": q.direction},
            "periods": PERIODS, "directions": DIRECTIONS}


def flows_data(request: Request, slug: str, q: FlowQuery, lang: str) -> dict[str, Any]:
    data = _base(request, slug, q)
    rows = flow_api.flows(request, slug, period=q.period, by="point,direction",
                          direction=q.direction, **q.api())["rows"]
    names = {p["code"]: p["name"] for p in data["fmps"]}
    periods = sorted({r["period"] for r in rows})
    keys = sorted({(r["point"], r["direction"]) for r in rows})
    cell = {(r["period"], r["point"], r["direction"]): r["individuals"] for r in rows}
    series = [{"key": f"{p}|{d}",
               "name": f"{names.get(p, p)} · {i18n.translate(lang, 'flow.dir.' + d)}",
               "data": [cell.get((t, p, d)) for t in periods]} for p, d in keys]
    data["statements"] = flow_api.statements(
        request, slug, by="previous_country,nationality", top=3, direction=q.direction,
        **q.api())["statements"]
    data["series"], data["periods_shown"] = series, periods
    # a period's total only when none of its cells is withheld (small-cell suppression by
    # the API): total minus the cells shown would give the hidden one back
    hidden = {r["period"] for r in rows if r["individuals"] is None}
    data["table"] = [{"period": t, "cells": [cell.get((t, p, d)) for p, d in keys],
                      "total": None if t in hidden else sum(
                          cell.get((t, p, d)) or 0 for p, d in keys)} for t in periods]
    data["groups"] = sum(r.get("groups") or 0 for r in rows)
    data["chart"] = {"locale": i18n.INTL[lang], "charts": [
        {"id": "chart-flows", "kind": "lines", "categories": [
            i18n.day(t, lang) for t in periods], "series": [
            {"name": s["name"], "data": s["data"]} for s in series]}]}
    return data


def map_data(request: Request, slug: str, q: FlowQuery, lang: str) -> dict[str, Any]:
    data = _base(request, slug, q)
    counted = {r["value"]: r for r in data["per_point"]}
    table = []
    for p in data["fmps"]:
        r = counted.get(p["code"])
        table.append({**p, "individuals": r["individuals"] if r else None,
                      "share": r["share"] if r else None,
                      "withheld": bool(r) and r["individuals"] is None})
    data["table"] = table
    data["map"] = {
        "locale": i18n.INTL[lang], "tiles": _tiles(),
        "points": [[p["code"], p["name"], p["latitude"], p["longitude"], p["individuals"],
                    i18n.translate(lang, "flow.type." + p["point_type"]), p["withheld"]]
                   for p in table if p["latitude"] is not None and p["longitude"] is not None],
        "labels": {"ind": i18n.translate(lang, "flow.individuals"),
                   "legend": i18n.translate(lang, "flow.map.legend"),
                   "none": i18n.translate(lang, "flow.map.none"),
                   "largest": i18n.translate(lang, "flow.map.largest"),
                   "withheld": i18n.translate(lang, "flow.withheld")}}
    return data


def _shares(request: Request, slug: str, q: FlowQuery, by: str, lang: str) -> dict[str, Any]:
    rows = flow_api.shares(request, slug, by=by, direction=q.direction, **q.api())["rows"]
    return {"by": by, "rows": [{**r, "label": label(by, r["value"], lang)} for r in rows],
            "base": rows[0]["base"] if rows else 0,
            "unknown": rows[0]["unknown"] if rows else 0}


def _survey(request: Request, slug: str, q: FlowQuery, by: str, lang: str) -> dict[str, Any]:
    got = flow_api.survey_shares(request, slug, by=by, **q.api())
    rows = [{**r, "label": label(by, r["value"], lang)} for r in got["rows"]]
    if by in VULNERABILITIES:
        rows = [{**r, "label": i18n.translate(lang, "flow.fms." + by)}
                for r in rows if r["value"] == "yes"]
    return {"by": by, "rows": rows,
            "n": max((r["n"] for r in got["rows"] if r["n"] is not None), default=None),
            "first_day": min((r["first_day"] for r in got["rows"]), default=None),
            "last_day": max((r["last_day"] for r in got["rows"]), default=None)}


def _percent(share: float | None) -> float | None:
    """A share for the charts, in percent (None: withheld by the API, drawn as nothing)."""
    return None if share is None else round(100 * share, 1)


def origins_data(request: Request, slug: str, q: FlowQuery, lang: str) -> dict[str, Any]:
    data = _base(request, slug, q)
    od = flow_api.od_matrix(request, slug, origin="previous_country", dest="final_country",
                            direction=q.direction, **q.api())["rows"]
    data["od"] = [{**r, "origin_name": label("previous_country", r["origin"], lang),
                   "dest_name": label("final_country", r["dest"], lang)} for r in od]
    data["breakdowns"] = {by: _shares(request, slug, q, by, lang)
                          for by in ("nationality", "reason")}
    # interviews have no direction: with a direction chosen the survey part says so instead
    survey: dict[str, Any] = {}
    if not q.direction:
        survey = {"departure_country": _survey(request, slug, q, "departure_country", lang),
                  "reasons": _survey(request, slug, q, "reasons", lang)}
        vulner = [_survey(request, slug, q, v, lang) for v in VULNERABILITIES]
        survey["vulnerability"] = {
            "by": "vulnerability", "rows": [r for v in vulner for r in v["rows"]],
            "n": max((v["n"] for v in vulner if v["n"] is not None), default=None),
            "first_day": min((v["first_day"] for v in vulner if v["first_day"]), default=None),
            "last_day": max((v["last_day"] for v in vulner if v["last_day"]), default=None)}
    data["survey"] = survey
    # the base of the O–D figure: unknown when a cell is withheld (it would give it back)
    data["od_base"] = (None if any(r["individuals"] is None for r in od)
                       else sum(r["individuals"] for r in od))
    from_ = i18n.translate(lang, "flow.od.from")
    to = i18n.translate(lang, "flow.od.to")
    charts: list[dict[str, Any]] = []
    links = [r for r in data["od"] if r["individuals"]]
    if links:
        nodes = {f"{from_} {r['origin_name']}" for r in links} | {
            f"{to} {r['dest_name']}" for r in links}
        charts.append({"id": "chart-od", "kind": "sankey",
                       "nodes": [{"name": n} for n in sorted(nodes)],
                       "links": [{"source": f"{from_} {r['origin_name']}",
                                  "target": f"{to} {r['dest_name']}",
                                  "value": r["individuals"]} for r in links]})
    for by, b in data["breakdowns"].items():
        if b["rows"]:
            charts.append({"id": f"chart-{by}", "kind": "share",
                           "categories": [r["label"] for r in b["rows"]],
                           "values": [_percent(r["share"]) for r in b["rows"]]})
    for by, s in survey.items():
        if s["rows"]:
            charts.append({"id": f"chart-fms-{by}", "kind": "interval",
                           "categories": [r["label"] for r in s["rows"]],
                           "values": [_percent(r["share"]) for r in s["rows"]],
                           "low": [_percent(r["ci_low"]) for r in s["rows"]],
                           "high": [_percent(r["ci_high"]) for r in s["rows"]],
                           "ci": i18n.translate(lang, "flow.ci")})
    data["chart"] = {"locale": i18n.INTL[lang], "charts": charts}
    return data


VIEWS = {"flows": flows_data, "map": map_data, "origins": origins_data}
API = {"flows": "flows", "map": "points", "origins": "od"}


def _page(request: Request, slug: str, page: str, q: FlowQuery) -> Any:
    from pantau.web.app import templates

    lang = i18n.language(request)
    data = VIEWS[page](request, slug, q, lang)
    query = {k: v for k, v in request.query_params.items() if k != "lang" and v}
    api = URL(f"/api/flow/{slug}/{API[page]}").include_query_params(
        **{k: v for k, v in query.items() if k in ("from", "to", "point", "direction")
           or (k == "period" and page == "flows")})
    csv = URL(f"/api/flow/{slug}/flows.csv").include_query_params(
        period=q.period,
        **{k: v for k, v in query.items() if k in ("from", "to", "point")})
    return templates.TemplateResponse(request, f"flow/{page}.html", {
        **data, "version": __version__, "slug": slug, "page": page, "lang": lang,
        "query": query, "json_url": str(api), "csv_url": str(csv)})


@router.get("/operations/{slug}/flows", response_class=HTMLResponse, include_in_schema=False)
async def flows_page(request: Request, slug: str, period: Period = "week",
                     start: Start = None, end: End = None, point: Point = None,
                     direction: Direction = None) -> HTMLResponse:
    """Flows over time per FMP and direction, with the generated statements."""
    return await run_in_threadpool(_page, request, slug, "flows",
                                   FlowQuery(period, start, end, point, direction))


@router.get("/operations/{slug}/flows/map", response_class=HTMLResponse,
            include_in_schema=False)
async def map_page(request: Request, slug: str, start: Start = None, end: End = None,
                   point: Point = None, direction: Direction = None) -> HTMLResponse:
    """The FMPs on a map, each a circle sized by the individuals counted there."""
    return await run_in_threadpool(_page, request, slug, "map",
                                   FlowQuery("week", start, end, point, direction))


@router.get("/operations/{slug}/flows/origins", response_class=HTMLResponse,
            include_in_schema=False)
async def origins_page(request: Request, slug: str, start: Start = None, end: End = None,
                       point: Point = None, direction: Direction = None) -> HTMLResponse:
    """Departure → final destination (Sankey and table), nationality and reason shares, and
    the survey's shares of respondents with Wilson intervals."""
    return await run_in_threadpool(_page, request, slug, "origins",
                                   FlowQuery("week", start, end, point, direction))
