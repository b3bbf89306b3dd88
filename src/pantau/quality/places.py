"""Where and when a record is: the master list, the gazetteer and the round's period.

- `site_unknown` / `site_closed`: the record's site code against the operation's master list
  (skipped when the operation has no master list yet);
- `pcode_location`: the record's admin P-codes against the areas that hold its coordinates (the
  form's first GPS question, else the master list's coordinates of the site), through the
  gazetteer's point-in-polygon locator, level by level where boundaries exist. Coordinates are
  never written into a message;
- `round_period`: the assessment date against the period of the record's round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.gazetteer.locate import Locator
from pantau.quality.config import QualityConfig
from pantau.quality.formrules import Found
from pantau.quality.records import Record, RoundRow
from pantau.store.models import Site


@dataclass(frozen=True)
class SiteRow:
    code: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    lon: float | None
    lat: float | None


def sites_of(s: Session, operation_id: int) -> dict[str, SiteRow]:
    return {r.code: SiteRow(r.code, r.opened_on, r.closed_on, r.longitude, r.latitude)
            for r in s.scalars(select(Site).where(Site.operation_id == operation_id))}


def check_site(rec: Record, sites: dict[str, SiteRow], config: QualityConfig) -> list[Found]:
    if not sites or not rec.site_code:
        return []
    site = sites.get(rec.site_code)
    if site is None:
        if config.on("site_unknown"):
            return [Found("site_unknown", None,
                          f"site {rec.site_code} is not in the operation's master list")]
        return []
    if not config.on("site_closed") or rec.date is None:
        return []
    if site.closed_on is not None and rec.date >= site.closed_on:
        return [Found("site_closed", None, f"site {rec.site_code} was closed on "
                      f"{site.closed_on.isoformat()}, before the assessment date")]
    if site.opened_on is not None and rec.date < site.opened_on:
        return [Found("site_closed", None, f"site {rec.site_code} opened only on "
                      f"{site.opened_on.isoformat()}, after the assessment date")]
    return []


def check_period(rec: Record, rounds: dict[int, RoundRow], config: QualityConfig
                 ) -> list[Found]:
    if not config.on("round_period") or rec.date is None:
        return []
    r = rounds.get(rec.round_id) if rec.round_id is not None else None
    if r is None:
        return [Found("round_period", None, f"the assessment date {rec.date.isoformat()} "
                      "lies in no round's period (or in more than one)")]
    if (r.start and rec.date < r.start) or (r.end and rec.date > r.end):
        period = f"{r.start.isoformat() if r.start else '…'}–{r.end.isoformat() if r.end else '…'}"
        return [Found("round_period", None, f"the assessment date {rec.date.isoformat()} lies "
                      f"outside round {r.number}'s period {period}")]
    return []


def check_locations(recs: list[tuple[Record, tuple[float, float] | None]],
                    locator: Locator | None, sites: dict[str, SiteRow],
                    config: QualityConfig) -> dict[int, list[Found]]:
    """P-codes against coordinates for many records at once (one tree query per level)."""
    out: dict[int, list[Found]] = {}
    if not config.on("pcode_location") or not locator:
        return out
    todo: list[tuple[Record, float, float]] = []
    for rec, point in recs:
        if not rec.admin:
            continue
        if point is None:
            site = sites.get(rec.site_code or "")
            if site is None or site.lon is None or site.lat is None:
                continue
            point = (site.lon, site.lat)
        todo.append((rec, point[0], point[1]))
    if not todo:
        return out
    found = locator.locate_many([t[1] for t in todo], [t[2] for t in todo])
    for (rec, _, _), where in zip(todo, found, strict=True):
        if not where.pcodes:
            out.setdefault(rec.version_id, []).append(Found(
                "pcode_location", None, "the coordinates lie outside the country's boundaries"))
            continue
        for level in sorted(where.pcodes):
            given = rec.admin.get(level)
            if given and given != where.pcodes[level]:
                out.setdefault(rec.version_id, []).append(Found(
                    "pcode_location", None, f"admin-{level} P-code {given} does not hold the "
                    f"site's coordinates (they lie in {where.pcodes[level]})"))
                break
    return out
