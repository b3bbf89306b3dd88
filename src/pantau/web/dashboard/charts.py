"""Chart specifications for the page scripts, built from a view's tables in the page's language.

The scripts (static/dashboard.js) only draw: categories, series and labels arrive here
translated, and numbers are formatted in the browser with the same locale
(`Intl.NumberFormat`), so a chart and the table under it always agree.
"""

from __future__ import annotations

from typing import Any

from pantau.web.dashboard.i18n import INTL, day, translate


def _value_label(lang: str, value: Any) -> str:
    if value is None:
        return translate(lang, "notplaced")
    key = f"v.{value}"
    text = translate(lang, key)
    return str(value) if text == key else text


def _idps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("population_group") == "idps"]


def overview(data: dict[str, Any], lang: str) -> dict[str, Any]:
    t = data["tables"]
    trend = _idps(t["trend"]["rows"])
    reasons = _idps(t["reasons"]["rows"])
    pyramid = _idps(t["pyramid"]["rows"])
    ages: list[str] = []
    for r in pyramid:
        if r["age_group"] not in ages:
            ages.append(r["age_group"])
    by = {(r["sex"], r["age_group"]): r["value"] for r in pyramid}
    return {"locale": INTL[lang], "charts": [
        {"id": "chart-trend", "kind": "line",
         "axis": translate(lang, "col.round_number"),
         "categories": [str(r["round_number"]) for r in trend],
         "dates": [day(r["reporting_date"], lang) for r in trend],
         "series": [{"name": translate(lang, "col.ind"), "data": [r["ind"] for r in trend]}],
         "selected": next((i for i, r in enumerate(trend)
                           if r["round_number"] == data["source"]["round_number"]), None)},
        {"id": "chart-reasons", "kind": "bar",
         "categories": [_value_label(lang, r["reason"]) for r in reasons],
         "series": [{"name": translate(lang, "col.ind"), "data": [r["ind"] for r in reasons]}]},
        {"id": "chart-pyramid", "kind": "pyramid",
         "categories": [_value_label(lang, a) for a in ages],
         "series": [{"name": _value_label(lang, sex),
                     "data": [by.get((sex, a)) for a in ages]} for sex in ("f", "m")]},
    ]}


def movements(data: dict[str, Any], lang: str) -> dict[str, Any]:
    rows = [r for r in data["tables"]["movements"]["rows"] if r["ind"]]
    origin = translate(lang, "col.origin_admin2_name")
    nodes: dict[str, dict[str, Any]] = {}
    links = []
    for r in rows:
        place = r["origin_admin2_name"] or r["origin_admin2_pcode"] or _value_label(lang, None)
        src = f"{origin}: {place}"
        dst = r["admin2_name"] or r["admin2_pcode"] or _value_label(lang, None)
        nodes.setdefault(src, {"name": src})
        nodes.setdefault(dst, {"name": dst})
        links.append({"source": src, "target": dst, "value": r["ind"]})
    return {"locale": INTL[lang], "charts": [
        {"id": "chart-sankey", "kind": "sankey", "nodes": list(nodes.values()),
         "links": links}]} if rows else {"locale": INTL[lang], "charts": []}


def needs(data: dict[str, Any], lang: str) -> dict[str, Any]:
    rows = data["tables"]["sectors"]["rows"]
    return {"locale": INTL[lang], "charts": [
        {"id": "chart-needs", "kind": "share",
         "categories": [_value_label(lang, r["sector"]) for r in rows],
         "series": [{"name": translate(lang, "col.share"),
                     "data": [None if r["share"] is None else round(100 * r["share"], 1)
                              for r in rows]}]}]} if rows else {"locale": INTL[lang],
                                                                 "charts": []}
