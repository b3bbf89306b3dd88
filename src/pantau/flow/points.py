"""Flow monitoring points: one file gives both the site (master list) and its FMP details.

The site columns (id, name, coordinates, P-codes, dates) are read, checked and placed by the
master-list machinery of `pantau.sites` — the same rules, messages and history — and the FMP
columns (kind, directions, observation days and hours) by this module, in the same
transaction: the whole file applies, or nothing does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import Problem, Problems
from pantau.flow import vocab
from pantau.operations import get_operation
from pantau.sites import changes
from pantau.sites.columns import ColumnMap, map_columns, normalise
from pantau.sites.info import SiteImportResult, admin_pcodes
from pantau.sites.places import GazetteerView, Placer
from pantau.sites.rows import read_rows
from pantau.sites.values import SiteTypes
from pantau.store.flows import FlowPoint
from pantau.store.models import Site, SiteType
from pantau.tabular import Table, read_table
from pantau.tabular.values import ValueProblem

if TYPE_CHECKING:
    from pantau.workspace import Workspace

FMP_COLUMNS: dict[str, tuple[str, ...]] = {
    "point_type": ("fmp type", "point type", "flow point type", "fmp kind", "#loc+type+fmp"),
    "directions": ("directions", "directions monitored", "direction", "#meta+directions"),
    "days": ("observation days", "days", "days observed", "#date+days"),
    "hours": ("observation hours", "hours", "hours observed", "#date+hours"),
}
_LOOKUP = {normalise(a): f for f, aliases in FMP_COLUMNS.items() for a in aliases}


@dataclass(frozen=True)
class PointInfo:
    """An FMP as the API and the CLI show it: the site's place and the FMP's watch."""

    code: str
    name: str
    point_type: str
    directions: tuple[str, ...]
    days: str
    hours: str
    latitude: float | None
    longitude: float | None
    admin_pcodes: dict[int, str]
    opened_on: dt.date | None
    closed_on: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["directions"] = list(self.directions)
        d["admin_pcodes"] = {f"admin{k}": v for k, v in self.admin_pcodes.items()}
        for k in ("opened_on", "closed_on"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass
class PointImportResult:
    sites: SiteImportResult
    points_created: int = 0
    points_updated: int = 0
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class _Watch:
    row: int
    point_type: str | None = None
    directions: tuple[str, ...] = ()
    days: int = 127
    hours: tuple[str | None, str | None] = (None, None)


def import_points(ws: Workspace, operation: str, path: str | Path, changed_by: str = ""
                  ) -> PointImportResult:
    """Create or update FMPs from one CSV/XLSX: all rows, or nothing when any is wrong."""
    path = Path(path)
    problems = Problems(path.name)
    with ws.session() as s:
        op = get_operation(s, operation)
        table = read_table(path, problems, expect=["site id", "fmp type", "point type"])
        fmp_cols = _fmp_columns(table, problems)
        cmap = map_columns(table, problems)
        cmap.extra = [c for c in cmap.extra if c not in fmp_cols.values()]
        problems.raise_if_errors()
        records = read_rows(table, cmap, _site_types(s), problems)
        by_row = {r.number: _watch(r, fmp_cols, problems) for r in table.rows}
        watches = {rec.code: by_row[rec.row] for rec in records}
        for rec in records:
            w = watches[rec.code]
            if rec.site_type is None and w.point_type:
                rec.site_type = ("transit_centre" if w.point_type == "transit_centre"
                                 else "flow_monitoring_point")
        if not cmap.has("site_type"):
            cmap.fields["site_type"] = fmp_cols["point_type"]
        view = GazetteerView.load(s, op.country_iso3)
        locator = ws.sites._locator(s, view) if view else None  # noqa: SLF001 — cached per ws
        Placer(op.country_iso3, cmap, view, locator, problems).place(records)
        existing = changes.existing_sites(s, op.id)
        changes.check_new_sites(records, existing, cmap, problems)
        problems.items.sort(key=lambda p: p.row or 0)
        problems.raise_if_errors()
        result = PointImportResult(SiteImportResult(path.name, warnings=problems.warnings,
                                                    notes=list(table.notes)))
        changes.apply(s, op.id, records, cmap, existing, result.sites, path.name, changed_by)
        s.flush()
        _apply_watches(s, op.id, watches, result)
        result.warnings = problems.warnings
    return result


def list_points(ws: Workspace, operation: str) -> list[PointInfo]:
    with ws.session() as s:
        op = get_operation(s, operation)
        rows = s.execute(select(FlowPoint, Site).join(Site, Site.id == FlowPoint.site_id)
                         .where(FlowPoint.operation_id == op.id).order_by(Site.code)).all()
        return [point_info(p, site) for p, site in rows]


def point_info(p: FlowPoint, site: Site) -> PointInfo:
    dirs = tuple(d for d in vocab.DIRECTIONS if getattr(p, f"watch_{d}"))
    hours = f"{p.opens_at}-{p.closes_at}" if p.opens_at else "24h"
    return PointInfo(site.code, site.name, p.point_type, dirs, vocab.days_text(p.days), hours,
                     site.latitude, site.longitude, admin_pcodes(site), site.opened_on,
                     site.closed_on)


def _fmp_columns(table: Table, problems: Problems) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in table.columns:
        keys = [normalise(column)] + ([normalise(table.hxl[column])] if column in table.hxl
                                      else [])
        fld = next((_LOOKUP[k] for k in keys if k in _LOOKUP), None)
        if fld is None:
            continue
        if fld in found:
            problems.add(f"columns '{found[fld]}' and '{column}' both look like the FMP "
                         f"{fld.replace('_', ' ')}; rename one of them", None, column)
        found[fld] = column
    for required in ("point_type", "directions"):
        if required not in found:
            problems.add(f"no column for the FMP {required.replace('_', ' ')} (expected a "
                         f"header such as '{FMP_COLUMNS[required][0]}')")
    return found


def _watch(row: Any, cols: dict[str, str], problems: Problems) -> _Watch:
    w = _Watch(row.number)
    parsers = {"point_type": lambda v: vocab.choice(v, vocab.POINT_TYPES, "flow monitoring "
                                                     "point type"),
               "directions": vocab.directions, "days": vocab.days_mask, "hours": vocab.hours}
    for fld, column in cols.items():
        try:
            setattr(w, fld, parsers[fld](row.get(column)))
        except ValueProblem as exc:
            problems.add(str(exc), row.number, column)
    return w


def _apply_watches(s: Session, operation_id: int, watches: dict[str, _Watch],
                   result: PointImportResult) -> None:
    sites = {site.code: site for site in s.scalars(
        select(Site).where(Site.operation_id == operation_id, Site.code.in_(list(watches))))}
    points = {p.site_id: p for p in s.scalars(
        select(FlowPoint).where(FlowPoint.operation_id == operation_id))}
    for code, w in watches.items():
        site = sites[code]
        values = {"point_type": w.point_type, "days": w.days, "opens_at": w.hours[0],
                  "closes_at": w.hours[1],
                  **{f"watch_{d}": d in w.directions for d in vocab.DIRECTIONS}}
        point = points.get(site.id)
        if point is None:
            s.add(FlowPoint(site_id=site.id, operation_id=operation_id, **values))
            result.points_created += 1
        elif any(getattr(point, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(point, k, v)
            point.updated_at = dt.datetime.now(dt.UTC)
            result.points_updated += 1


def _site_types(s: Session) -> SiteTypes:
    return SiteTypes([(t.code, t.label) for t in s.scalars(select(SiteType))])


__all__ = ["ColumnMap", "PointImportResult", "PointInfo", "import_points", "list_points"]
