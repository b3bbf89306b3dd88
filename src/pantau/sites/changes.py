"""Apply site records to the master list: update in place, bump the version, keep the history.

A field is only compared when the file has its column, so a partial file (say, names and
coordinates only) leaves the other fields alone. Sites missing from the file are left as they
are: a master-list file may cover one district; closing a site is always explicit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pantau.errors import Problems
from pantau.sites.columns import ColumnMap
from pantau.sites.info import ADMIN_LEVELS, SiteImportResult
from pantau.sites.rows import SiteRecord
from pantau.store.models import Site, SiteChange

Progress = Callable[[str, int, int], None]
TRACKED = ("name", "alt_names", "site_type", "latitude", "longitude",
           *(f"admin{n}_pcode" for n in ADMIN_LEVELS), "pcode_source", "opened_on", "closed_on")


def new_values(rec: SiteRecord, cmap: ColumnMap) -> dict[str, Any]:
    """Field → value for the fields this file speaks about."""
    out: dict[str, Any] = {"name": rec.name}
    if cmap.has("alt_names"):
        out["alt_names"] = rec.alt_names
    if cmap.has("site_type"):
        out["site_type"] = rec.site_type
    if cmap.has_location:
        out["latitude"] = rec.latitude
        out["longitude"] = rec.longitude
        for level in ADMIN_LEVELS:
            out[f"admin{level}_pcode"] = rec.admin.get(level)
        out["pcode_source"] = rec.pcode_source
    for fld in ("opened_on", "closed_on"):
        if cmap.has(fld):
            out[fld] = getattr(rec, fld)
    return out


def check_new_sites(records: list[SiteRecord], existing: dict[str, Site], cmap: ColumnMap,
                    problems: Problems) -> None:
    """What a site needs before it can be created: a type and somewhere to be."""
    rows_in_error = {p.row for p in problems.errors}
    for rec in records:
        if rec.code in existing:
            continue
        if rec.site_type is None and not cmap.has("site_type"):
            problems.add(f"new site '{rec.code}' needs a site type: the file has no type "
                         "column", rec.row)
        if not rec.admin and rec.latitude is None and not rec.bad_point \
                and rec.row not in rows_in_error:
            problems.add(f"new site '{rec.code}' needs coordinates or an admin P-code",
                         rec.row)


def existing_sites(s: Session, operation_id: int) -> dict[str, Site]:
    return {site.code: site for site in s.scalars(
        select(Site).where(Site.operation_id == operation_id))}


def apply(s: Session, operation_id: int, records: list[SiteRecord], cmap: ColumnMap,
          existing: dict[str, Site], result: SiteImportResult, source: str, changed_by: str,
          progress: Progress | None = None) -> None:
    """Create, update, close or reopen; unchanged sites write nothing.

    New sites and all history rows go in as bulk inserts: a first import of a 10,000-site
    list is mostly inserts, and the ORM's per-object bookkeeping would dominate it.
    """
    new_rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    stamp = {"source": source, "changed_by": changed_by}
    for i, rec in enumerate(records, 1):
        values = new_values(rec, cmap)
        site = existing.get(rec.code)
        if site is None:
            attributes = {k: v for k, v in rec.attributes.items() if v is not None}
            new_rows.append({"operation_id": operation_id, "code": rec.code, "version": 1,
                             "attributes": attributes, **values})
            result.created += 1
        else:
            diff = _diff(site, values, rec.attributes)
            if not diff:
                result.unchanged += 1
            else:
                action = _action(diff)
                setattr(result, action, getattr(result, action) + 1)
                _update(site, diff)
                site.version += 1
                history.append({"site_id": site.id, "version": site.version, "action": action,
                                "changes": diff, **stamp})
        if progress and (i % 500 == 0 or i == len(records)):
            progress("saving", i, len(records))
    if new_rows:
        ids = s.scalars(insert(Site).returning(Site.id, sort_by_parameter_order=True),
                        new_rows).all()
        history.extend({"site_id": site_id, "version": 1, "action": "created",
                        "changes": _creation(row), **stamp}
                       for site_id, row in zip(ids, new_rows, strict=True))
    s.flush()
    if history:
        s.execute(insert(SiteChange), history)


def record_change(s: Session, site: Site, action: str, values: dict[str, Any],
                  attributes: dict[str, str | None], source: str, changed_by: str) -> None:
    """One hand-made change (close, reopen) written the same way an import writes it."""
    diff = _diff(site, values, attributes)
    _update(site, diff)
    site.version += 1
    s.add(SiteChange(site_id=site.id, version=site.version, action=action, changes=diff,
                     source=source, changed_by=changed_by))


def _diff(site: Site, values: dict[str, Any], attributes: dict[str, str | None]
          ) -> dict[str, list[Any]]:
    diff: dict[str, list[Any]] = {}
    for fld, new in values.items():
        old = getattr(site, fld)
        if _json(old) != _json(new):
            diff[fld] = [_json(old), _json(new)]
    current = site.attributes or {}
    for key, new in attributes.items():
        old = current.get(key)
        if old != new:
            diff[f"attributes.{key}"] = [old, new]
    return diff


def _update(site: Site, diff: dict[str, list[Any]]) -> None:
    attributes = dict(site.attributes or {})
    for fld, (_, new) in diff.items():
        if fld.startswith("attributes."):
            key = fld.removeprefix("attributes.")
            if new is None:
                attributes.pop(key, None)
            else:
                attributes[key] = new
        elif fld in ("opened_on", "closed_on"):
            setattr(site, fld, dt.date.fromisoformat(new) if new else None)
        else:
            setattr(site, fld, new)
    site.attributes = attributes  # a new dict: JSON columns do not track changes inside


def _action(diff: dict[str, list[Any]]) -> str:
    if "closed_on" in diff:
        old, new = diff["closed_on"]
        if old is None:
            return "closed"
        if new is None:
            return "reopened"
    return "updated"


def _creation(row: dict[str, Any]) -> dict[str, list[Any]]:
    diff = {f: [None, _json(row[f])] for f in TRACKED if row.get(f) not in (None, [], "")}
    diff.update({f"attributes.{k}": [None, v] for k, v in row["attributes"].items()})
    return diff


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
