"""Stored crosswalks between versions, and translating an old P-code into a newer version.

A translation walks the versions in valid-from order, one crosswalk per step, so a code recoded
in 2019 and split in 2021 still reaches today's codes. Each step uses the stored crosswalk (a
user's overrides included) and computes and stores it when there is none yet.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError, Problems
from pantau.gazetteer.crosswalk import CrosswalkRow, Unit, apply_overrides, compute, read_overrides
from pantau.gazetteer.versions import require_version
from pantau.store.models import AdminUnit, GazetteerVersion, PcodeCrosswalk


def _units(s: Session, version_id: int) -> dict[str, Unit]:
    rows = s.execute(select(AdminUnit.pcode, AdminUnit.name, AdminUnit.level,
                            AdminUnit.parent_pcode).where(AdminUnit.version_id == version_id))
    return {p: Unit(p, n, lv, par) for p, n, lv, par in rows}


def build(s: Session, iso3: str, from_label: str, to_label: str,
          overrides: str | Path | None = None) -> list[CrosswalkRow]:
    """Compute (and apply overrides to) the crosswalk between two versions; store it."""
    a, b = require_version(s, iso3, from_label), require_version(s, iso3, to_label)
    if a.id == b.id:
        raise PantauError("invalid", message="a crosswalk needs two different versions")
    old, new = _units(s, a.id), _units(s, b.id)
    rows = compute(old, new)
    if overrides is not None:
        problems = Problems(Path(overrides).name)
        extra = read_overrides(overrides, old, new, problems)
        problems.raise_if_errors()
        rows = apply_overrides(rows, extra)
    _save(s, a.id, b.id, rows)
    return rows


def _save(s: Session, from_id: int, to_id: int, rows: list[CrosswalkRow]) -> None:
    s.execute(delete(PcodeCrosswalk).where(PcodeCrosswalk.from_version_id == from_id,
                                           PcodeCrosswalk.to_version_id == to_id))
    if rows:
        s.execute(insert(PcodeCrosswalk), [
            {"from_version_id": from_id, "to_version_id": to_id, "old_pcode": r.old_pcode,
             "new_pcode": r.new_pcode, "change": r.change, "note": r.note} for r in rows])


def _stored(s: Session, from_id: int, to_id: int) -> list[CrosswalkRow] | None:
    rows = list(s.scalars(select(PcodeCrosswalk).where(
        PcodeCrosswalk.from_version_id == from_id, PcodeCrosswalk.to_version_id == to_id)))
    if not rows:
        return None
    return [CrosswalkRow(r.old_pcode, r.new_pcode, r.change, r.note) for r in rows]


def translate(s: Session, pcode: str, iso3: str, to_label: str | None) -> list[str]:
    """The code(s) of the target version (default: the current one) an older code became."""
    target = require_version(s, iso3, to_label)
    chain = list(s.scalars(select(GazetteerVersion)
                           .where(GazetteerVersion.country_iso3 == iso3)
                           .order_by(GazetteerVersion.valid_from, GazetteerVersion.id)))
    chain = chain[:chain.index(target) + 1]
    holders = {vid for (vid,) in s.execute(select(AdminUnit.version_id).where(
        AdminUnit.pcode == pcode, AdminUnit.version_id.in_([v.id for v in chain])))}
    if target.id in holders:
        return [pcode]
    start = max((i for i, v in enumerate(chain) if v.id in holders), default=None)
    if start is None:
        raise PantauError("not_found", what=f"P-code in {iso3}'s versions up to {target.label}",
                          key=pcode)
    codes = {pcode}
    for a, b in zip(chain[start:], chain[start + 1:], strict=False):
        rows = _stored(s, a.id, b.id)
        if rows is None:
            rows = compute(_units(s, a.id), _units(s, b.id))
            _save(s, a.id, b.id, rows)
        codes = {r.new_pcode for r in rows if r.old_pcode in codes and r.new_pcode}
    return sorted(codes)
