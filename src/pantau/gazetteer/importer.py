"""`import_file`: read, check everything, then store in one transaction — or store nothing.

Each country in a file becomes a gazetteer version (label = its valid-from date unless given).
Boundaries for a version that exists already are attached to its units; units the version lacks
are added. A table whose units equal those of the version with the same default label changes
nothing, so importing the same file twice is harmless.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from pantau.errors import Problem, Problems
from pantau.gazetteer import checks
from pantau.gazetteer.bulk import insert_units
from pantau.gazetteer.countries import country
from pantau.gazetteer.pcodes import CodeFormat
from pantau.gazetteer.reading import Parsed, read_file
from pantau.gazetteer.records import UnitRecord
from pantau.store.models import AdminUnit, GazetteerVersion, PcodeFormat

Progress = Callable[[str, int, int], None]
CHUNK = 5000


@dataclass
class CountryResult:
    country_iso3: str
    label: str
    valid_from: dt.date
    action: str  # created | added to | unchanged
    added: dict[int, int] = field(default_factory=dict)  # level -> units added
    with_geometry: int = 0  # units that received a boundary


@dataclass
class ImportResult:
    source: str
    kind: str  # hdx-global | pcode-lengths | cod-ab | boundaries
    countries: list[CountryResult] = field(default_factory=list)
    formats: int = 0  # length-table rows stored
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    iso3: str
    label: str
    valid_from: dt.date
    version: GazetteerVersion | None  # None: create one
    units: dict[str, UnitRecord]
    known: dict[str, checks.Known] = field(default_factory=dict)
    unchanged: bool = False


def import_file(ws, path: str | Path, country_code: str | None = None,  # type: ignore[no-untyped-def]
                label: str | None = None, valid_from: dt.date | None = None,
                progress: Progress | None = None) -> ImportResult:
    path = Path(path)
    problems = Problems(path.name)
    where = country(country_code) if country_code else None
    parsed = read_file(path, problems, where)
    result = ImportResult(path.name, parsed.kind, notes=parsed.notes)
    with ws.session() as s:
        if parsed.kind == "pcode-lengths":
            problems.raise_if_errors()
            result.formats = _store_lengths(s, parsed)
        else:
            plans = _plans(s, parsed, path.name, label, valid_from, problems)
            problems.raise_if_errors()
            result.countries = _store(s, parsed.kind, path.name, plans, progress)
    result.warnings = problems.warnings
    return result


def formats_for(s: Session, countries: list[str] | None = None) -> dict[str, CodeFormat]:
    q = select(PcodeFormat)
    if countries is not None:
        q = q.where(PcodeFormat.country_iso3.in_(countries))
    return {f.country_iso3: CodeFormat(f.country_iso3, f.prefix_len, _lengths(f))
            for f in s.scalars(q)}


def _lengths(f: PcodeFormat) -> tuple[int | None, ...]:
    values = [f.adm1_len, f.adm2_len, f.adm3_len, f.adm4_len, f.adm5_len]
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


def _store_lengths(s: Session, parsed: Parsed) -> int:
    rows = [{"country_iso3": r.country_iso3, "prefix_len": r.prefix_len,
             "source": "lengths-table",
             **{f"adm{n}_len": (r.lengths[n - 1] if n <= len(r.lengths) else None)
                for n in range(1, 6)}} for r in parsed.lengths]
    s.execute(delete(PcodeFormat).where(
        PcodeFormat.country_iso3.in_([r["country_iso3"] for r in rows])))
    if rows:
        s.execute(insert(PcodeFormat), rows)
    return len(rows)


# planning and checking -------------------------------------------------------------------
def _plans(s: Session, parsed: Parsed, source: str, label: str | None,
           valid_from: dt.date | None, problems: Problems) -> list[_Plan]:
    by_country: dict[str, list[UnitRecord]] = defaultdict(list)
    for rec in parsed.records:
        by_country[rec.country_iso3].append(rec)
    if not by_country and not problems.errors:
        problems.add("the file holds no admin units")
    formats = formats_for(s, list(by_country))
    severity = "warning" if parsed.kind == "hdx-global" else "error"
    plans = []
    for iso3, records in sorted(by_country.items()):
        units = checks.merge(records, problems)
        plan = _plan(s, iso3, parsed.kind, units, records, label, valid_from, problems)
        if plan is None:
            continue
        if not plan.unchanged:
            checks.check(iso3, units, plan.known, formats.get(iso3), severity, problems)
        plans.append(plan)
    return plans


def _plan(s: Session, iso3: str, kind: str, units: dict[str, UnitRecord],
          records: list[UnitRecord], label: str | None, valid_from: dt.date | None,
          problems: Problems) -> _Plan | None:
    dates = [r.valid_from for r in records if r.valid_from]
    when = valid_from or (max(dates) if dates else None)
    existing = {v.label: v for v in s.scalars(
        select(GazetteerVersion).where(GazetteerVersion.country_iso3 == iso3))}
    if kind == "boundaries":
        target = existing.get(label) if label else existing.get(when.isoformat()) if when \
            else max(existing.values(), key=lambda v: (v.valid_from, v.id), default=None)
        if target is not None:
            return _Plan(iso3, target.label, target.valid_from, target, units,
                         _known(s, target.id))
    elif label and label in existing:
        problems.add(f"{iso3} already has a gazetteer version '{label}': choose another "
                     "--label")
        return None
    if when is None and label:
        when = dt.date.today()
        problems.warn(f"no valid-from date for {iso3} in the file: version '{label}' counts as "
                      f"valid from today, {when} (give --valid-from to set it)")
    if when is None:
        problems.add(f"no valid-from date for {iso3} in the file: give --valid-from")
        return None
    name = label or when.isoformat()
    if label is None and name in existing:
        if kind != "boundaries" and _same(s, existing[name].id, units):
            return _Plan(iso3, name, existing[name].valid_from, existing[name], units,
                         unchanged=True)
        n = 2
        while f"{name}.{n}" in existing:
            n += 1
        name = f"{name}.{n}"
    return _Plan(iso3, name, when, None, units)


def _known(s: Session, version_id: int) -> dict[str, checks.Known]:
    rows = s.execute(select(AdminUnit.id, AdminUnit.pcode, AdminUnit.level, AdminUnit.name,
                            AdminUnit.parent_pcode, AdminUnit.geometry.is_not(None))
                     .where(AdminUnit.version_id == version_id))
    return {p: checks.Known(i, lv, n, par, bool(g)) for i, p, lv, n, par, g in rows}


def _same(s: Session, version_id: int, units: dict[str, UnitRecord]) -> bool:
    stored = {(p, k.level, k.name, k.parent if k.level >= 2 else None)
              for p, k in _known(s, version_id).items()}
    new = {(p, u.level, u.name, u.parent) for p, u in units.items()}
    return stored == new


# storing -------------------------------------------------------------------------------
def _store(s: Session, kind: str, source: str, plans: list[_Plan],
           progress: Progress | None) -> list[CountryResult]:
    total = sum(len(p.units) for p in plans if not p.unchanged)
    done = 0
    out = []
    for plan in plans:
        if plan.unchanged:
            out.append(CountryResult(plan.iso3, plan.label, plan.valid_from, "unchanged"))
            continue
        version = plan.version
        action = "added to"
        if version is None:
            version = GazetteerVersion(country_iso3=plan.iso3, label=plan.label,
                                       valid_from=plan.valid_from, source=kind,
                                       source_file=source[:400])
            s.add(version)
            s.flush()
            action = "created"
        result = CountryResult(plan.iso3, plan.label, plan.valid_from, action)
        new = [u for p, u in plan.units.items() if p not in plan.known]
        rows = [_row(version.id, plan, u) for u in new]
        insert_units(s, rows)
        for u in new:
            result.added[u.level] = result.added.get(u.level, 0) + 1
        result.added = dict(sorted(result.added.items()))
        updates = [{"id": plan.known[p].id, **_geometry(u)} for p, u in plan.units.items()
                   if p in plan.known and u.geometry is not None]
        for start in range(0, len(updates), CHUNK):
            s.execute(update(AdminUnit), updates[start:start + CHUNK])
        result.with_geometry = len(updates) + sum(1 for u in new if u.geometry is not None)
        _link_country_outline(s, version.id)
        done += len(plan.units)
        if progress:
            progress(f"Storing {plan.iso3}", done, total)
        out.append(result)
    return out


def _row(version_id: int, plan: _Plan, u: UnitRecord) -> dict:
    return {"version_id": version_id, "country_iso3": plan.iso3, "level": u.level,
            "pcode": u.pcode, "name": u.name, "names": u.names, "parent_pcode": u.parent,
            "valid_from": u.valid_from or plan.valid_from, **_geometry(u)}


def _geometry(u: UnitRecord) -> dict:
    g = u.geometry
    if g is None:
        return {"geometry": None, "min_lon": None, "min_lat": None, "max_lon": None,
                "max_lat": None, "centroid_lon": None, "centroid_lat": None}
    return {"geometry": g.wkb, "min_lon": g.min_lon, "min_lat": g.min_lat,
            "max_lon": g.max_lon, "max_lat": g.max_lat, "centroid_lon": g.point_lon,
            "centroid_lat": g.point_lat}


def _link_country_outline(s: Session, version_id: int) -> None:
    """With an admin-0 outline in the version, admin-1 units name it as their parent."""
    top = s.scalar(select(AdminUnit.pcode).where(AdminUnit.version_id == version_id,
                                                 AdminUnit.level == 0).limit(1))
    if top is not None:
        s.execute(update(AdminUnit).where(AdminUnit.version_id == version_id,
                                          AdminUnit.level == 1)
                  .values(parent_pcode=top).execution_options(synchronize_session=False))
