"""Gazetteer versions and their units as plain data: which version holds on a date, list units.

A version is one country's set of admin units as valid from a date. The current version is the
one with the latest valid-from date (the latest import on a tie) — the same rule the point
locator uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.gazetteer.countries import country
from pantau.store.models import AdminUnit, GazetteerVersion


@dataclass(frozen=True)
class VersionInfo:
    id: int
    country_iso3: str
    label: str
    valid_from: dt.date
    source: str
    source_file: str
    imported_at: dt.datetime
    units: dict[int, int] = field(default_factory=dict)  # level -> count
    with_geometry: int = 0


@dataclass(frozen=True)
class UnitInfo:
    pcode: str
    name: str
    names: dict
    level: int
    parent_pcode: str | None
    has_geometry: bool
    centroid: tuple[float, float] | None  # (lon, lat) of the representative point
    country_iso3: str = ""
    version: str = ""


def list_versions(s: Session, iso3: str | None = None) -> list[VersionInfo]:
    q = select(GazetteerVersion).order_by(GazetteerVersion.country_iso3,
                                          GazetteerVersion.valid_from, GazetteerVersion.id)
    if iso3:
        q = q.where(GazetteerVersion.country_iso3 == iso3)
    versions = list(s.scalars(q))
    counts: dict[int, dict[int, int]] = {}
    geoms: dict[int, int] = {}
    ids = [v.id for v in versions]
    if ids:
        rows = s.execute(
            select(AdminUnit.version_id, AdminUnit.level, func.count(),
                   func.sum(case((AdminUnit.geometry.is_not(None), 1), else_=0)))
            .where(AdminUnit.version_id.in_(ids))
            .group_by(AdminUnit.version_id, AdminUnit.level))
        for vid, level, n, g in rows:
            counts.setdefault(vid, {})[level] = n
            geoms[vid] = geoms.get(vid, 0) + int(g or 0)
    return [VersionInfo(v.id, v.country_iso3, v.label, v.valid_from, v.source, v.source_file,
                        v.imported_at, dict(sorted(counts.get(v.id, {}).items())),
                        geoms.get(v.id, 0)) for v in versions]


def find_version(s: Session, iso3: str, label: str | None = None,
                 on: dt.date | None = None) -> GazetteerVersion | None:
    """By label; else the version valid on `on`; else the current one."""
    q = select(GazetteerVersion).where(GazetteerVersion.country_iso3 == iso3)
    if label is not None:
        return s.scalar(q.where(GazetteerVersion.label == label))
    if on is not None:
        q = q.where(GazetteerVersion.valid_from <= on)
    return s.scalar(q.order_by(GazetteerVersion.valid_from.desc(),
                               GazetteerVersion.id.desc()).limit(1))


def require_version(s: Session, iso3: str, label: str | None = None) -> GazetteerVersion:
    found = find_version(s, iso3, label)
    if found is None:
        what = f"gazetteer version of {iso3}"
        raise PantauError("not_found", what=what, key=label or "(none imported)")
    return found


def unit_info(u: AdminUnit, label: str = "") -> UnitInfo:
    point = (u.centroid_lon, u.centroid_lat) if u.centroid_lon is not None else None
    return UnitInfo(u.pcode, u.name, dict(u.names or {}), u.level, u.parent_pcode,
                    u.geometry is not None, point, u.country_iso3, label)


def list_units(s: Session, iso3: str, label: str | None = None, level: int | None = None,
               parent: str | None = None) -> list[UnitInfo]:
    v = require_version(s, country(iso3).iso3, label)
    q = select(AdminUnit).where(AdminUnit.version_id == v.id)
    if level is not None:
        q = q.where(AdminUnit.level == level)
    if parent is not None:
        q = q.where(AdminUnit.parent_pcode == parent)
    return [unit_info(u, v.label) for u in s.scalars(q.order_by(AdminUnit.level,
                                                                   AdminUnit.pcode))]


def get_unit(s: Session, pcode: str, iso3: str | None = None,
             label: str | None = None) -> UnitInfo:
    """A unit by P-code: in the named version, else in the most recent version that has it."""
    q = (select(AdminUnit, GazetteerVersion.label)
         .join(GazetteerVersion, GazetteerVersion.id == AdminUnit.version_id)
         .where(AdminUnit.pcode == pcode))
    if iso3:
        q = q.where(GazetteerVersion.country_iso3 == iso3)
    if label is not None:
        q = q.where(GazetteerVersion.label == label)
    q = q.order_by(GazetteerVersion.valid_from.desc(), GazetteerVersion.id.desc()).limit(1)
    row = s.execute(q).first()
    if row is None:
        raise PantauError("not_found", what="admin unit", key=pcode)
    return unit_info(row[0], row[1])


def unit_geometries(s: Session, iso3: str, level: int,
                    label: str | None = None) -> list[tuple[str, bytes]]:
    v = find_version(s, iso3, label)
    if v is None:
        return []
    rows = s.execute(select(AdminUnit.pcode, AdminUnit.geometry)
                     .where(AdminUnit.version_id == v.id, AdminUnit.level == level,
                            AdminUnit.geometry.is_not(None))
                     .order_by(AdminUnit.pcode))
    return [(p, bytes(g)) for p, g in rows]


def unit_codes(s: Session, iso3: str, label: str | None = None) -> list[tuple[int, str]]:
    """(level, P-code) of a version's units (default: the current one), shallowest first."""
    v = find_version(s, iso3, label)
    if v is None:
        return []
    rows = s.execute(select(AdminUnit.level, AdminUnit.pcode)
                     .where(AdminUnit.version_id == v.id)
                     .order_by(AdminUnit.level, AdminUnit.pcode))
    return [(lv, p) for lv, p in rows]
