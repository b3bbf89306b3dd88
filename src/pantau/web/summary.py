"""Workspace summary shared by `pantau demo`, the home page and /api/home."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from pantau.store.models import AdminUnit, GazetteerVersion, Operation, Round, Site

if TYPE_CHECKING:
    from pantau.workspace import Workspace


def workspace_summary(ws: Workspace) -> dict[str, Any]:
    with ws.session() as s:
        ops = []
        for op in s.scalars(select(Operation).order_by(Operation.slug)):
            rounds = s.scalars(select(Round).where(Round.operation_id == op.id)
                               .order_by(Round.assessment_type, Round.number)).all()
            sites = s.scalar(select(func.count(Site.id)).where(Site.operation_id == op.id))
            open_sites = s.scalar(select(func.count(Site.id)).where(
                Site.operation_id == op.id, Site.closed_on.is_(None)))
            ops.append({
                "slug": op.slug, "name": op.name, "country": op.country_iso3,
                "status": op.status, "description": op.description,
                "avg_household_size": None if op.avg_household_size is None
                else float(op.avg_household_size),
                "sites": sites, "open_sites": open_sites,
                "rounds": [{"type": r.assessment_type, "number": r.number,
                            "period_start": r.period_start and r.period_start.isoformat(),
                            "period_end": r.period_end and r.period_end.isoformat(),
                            "reporting_date": r.reporting_date and r.reporting_date.isoformat()}
                           for r in rounds],
            })
        gaz = [
            {"country": v.country_iso3, "label": v.label, "valid_from": v.valid_from.isoformat(),
             "source": v.source, "units": n}
            for v, n in s.execute(
                select(GazetteerVersion, func.count(AdminUnit.id))
                .join(AdminUnit, AdminUnit.version_id == GazetteerVersion.id, isouter=True)
                .group_by(GazetteerVersion.id)
                .order_by(GazetteerVersion.country_iso3, GazetteerVersion.valid_from))
        ]
    return {"operations": ops, "gazetteers": gaz}
