"""The workspace at a glance: one plain dict for the home page, /api/home and `pantau demo`.

One view, two faces: the page renders this dict and the API returns it unchanged, so the two
can never disagree. Everything in it is JSON-ready (strings, numbers, lists, dicts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.gazetteer.countries import country
from pantau.store.flows import FlowPoint
from pantau.store.models import AssessmentType, Operation, Round, Site, SiteChange

if TYPE_CHECKING:
    from pantau.workspace import Workspace


def workspace_summary(ws: Workspace) -> dict[str, Any]:
    from pantau.demo.guard import NOTICE, is_demo

    with ws.session() as s:
        types = {t.code: t.name for t in s.scalars(select(AssessmentType))}
        operations = [_operation(s, op, types)
                      for op in s.scalars(select(Operation).order_by(Operation.slug))]
    names: dict[str, dict[str, str]] = {}
    for op in operations:
        iso3 = op["country"]
        if iso3 not in names:
            names[iso3] = _unit_names(ws, iso3)
        for row in op["sites_by_admin2"]:
            row["name"] = names[iso3].get(row["pcode"] or "", "")
            row["admin1_name"] = names[iso3].get(row["admin1_pcode"] or "", "")
    return {
        "notice": NOTICE if is_demo(ws.path) else None,
        "operations": operations,
        "gazetteers": _gazetteers(ws),
    }


def _operation(s: Session, op: Operation, types: dict[str, str]) -> dict[str, Any]:
    rounds = s.scalars(select(Round).where(Round.operation_id == op.id)
                       .order_by(Round.assessment_type, Round.number)).all()
    by_admin2 = _sites_by_admin2(s, op.id)
    total = sum(r["total"] for r in by_admin2)
    still_open = sum(r["open"] for r in by_admin2)
    return {
        "slug": op.slug, "name": op.name, "country": op.country_iso3,
        "country_name": _country_name(op.country_iso3), "status": op.status,
        "description": op.description,
        "avg_household_size": None if op.avg_household_size is None
        else float(op.avg_household_size),
        "sites": {"total": total, "open": still_open, "closed": total - still_open},
        "flow_points": s.scalar(select(func.count()).select_from(FlowPoint)
                                .where(FlowPoint.operation_id == op.id)) or 0,
        "sites_by_admin2": by_admin2,
        "recent_changes": _recent_changes(s, op.id),
        "rounds": [{
            "assessment_type": r.assessment_type,
            "assessment_name": types.get(r.assessment_type, r.assessment_type),
            "number": r.number,
            "period_start": r.period_start and r.period_start.isoformat(),
            "period_end": r.period_end and r.period_end.isoformat(),
            "reporting_date": r.reporting_date and r.reporting_date.isoformat(),
        } for r in rounds],
    }


def _sites_by_admin2(s: Session, operation_id: int) -> list[dict[str, Any]]:
    """Open and closed sites per admin-2 area, most sites first; names are added later."""
    is_open = func.sum(case((Site.closed_on.is_(None), 1), else_=0))
    rows = s.execute(
        select(Site.admin1_pcode, Site.admin2_pcode, func.count(Site.id), is_open)
        .where(Site.operation_id == operation_id)
        .group_by(Site.admin1_pcode, Site.admin2_pcode))
    out = [{"pcode": a2, "admin1_pcode": a1, "total": int(n), "open": int(o or 0),
            "closed": int(n) - int(o or 0)} for a1, a2, n, o in rows]
    return sorted(out, key=lambda r: (-r["total"], r["pcode"] or ""))


def _recent_changes(s: Session, operation_id: int, limit: int = 8) -> list[dict[str, Any]]:
    """The latest changes to the master list, newest first: what happened to which site."""
    rows = s.execute(
        select(SiteChange, Site.code, Site.name)
        .join(Site, Site.id == SiteChange.site_id)
        .where(Site.operation_id == operation_id)
        .order_by(SiteChange.id.desc()).limit(limit))
    return [{"site": code, "name": name, "action": c.action, "version": c.version,
             "fields": sorted(k.removeprefix("attributes.") for k in (c.changes or {})),
             "source": c.source, "changed_by": c.changed_by,
             "changed_at": c.changed_at.isoformat() if c.changed_at else None}
            for c, code, name in rows]


def _unit_names(ws: Workspace, iso3: str) -> dict[str, str]:
    """P-code → name in the country's current gazetteer version (empty without one)."""
    try:
        return {u.pcode: u.name for u in ws.gazetteer.units(iso3)}
    except PantauError:
        return {}


def _gazetteers(ws: Workspace) -> list[dict[str, Any]]:
    return [{
        "country": v.country_iso3, "country_name": _country_name(v.country_iso3),
        "label": v.label, "valid_from": v.valid_from.isoformat(), "source": v.source,
        "source_file": v.source_file,
        "units": sum(v.units.values()),
        "units_by_level": {str(level): n for level, n in sorted(v.units.items())},
        "with_boundaries": v.with_geometry,
    } for v in ws.gazetteer.versions()]


def _country_name(iso3: str) -> str:
    try:
        return country(iso3).name
    except PantauError:
        return iso3
