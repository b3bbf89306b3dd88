"""The master list of sites and locations of an operation (`ws.sites`).

A site keeps its id (`code`) across rounds; every change bumps its version and leaves a
`site_change` row, so a round can always be read against the list as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError, Problems
from pantau.gazetteer.locate import Locator, geometry_key
from pantau.operations import get_operation
from pantau.sites import changes, export
from pantau.sites.columns import ALIASES, map_columns
from pantau.sites.info import ADMIN_LEVELS, ChangeInfo, SiteImportResult, SiteInfo
from pantau.sites.places import GazetteerView, Placer
from pantau.sites.rows import read_rows
from pantau.sites.values import SiteTypes
from pantau.store.models import Site, SiteChange, SiteType
from pantau.tabular import read_table, write_table
from pantau.tabular.values import ValueProblem

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["ChangeInfo", "SiteImportResult", "SiteInfo", "Sites"]

Progress = Callable[[str, int, int], None]
_EXPECT = sorted({v for aliases in ALIASES.values() for a in aliases
                  for v in (a, a.replace(" ", "_"))})


class Sites:
    """Import, export, list and close the sites of an operation (`ws.sites`)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._locators: dict[tuple[str, int], tuple[tuple[int, int], Locator]] = {}

    # import / export -----------------------------------------------------------
    def import_file(self, operation_slug: str, path: str | Path, changed_by: str = "",
                    source: str | None = None, progress: Progress | None = None
                    ) -> SiteImportResult:
        """Apply a master-list file (CSV/XLSX): all of it, or nothing when any row is wrong.

        `progress(step, done, total)` is called as rows are checked and saved.
        """
        path = Path(path)
        problems = Problems(path.name)
        with self.ws.session() as s:
            op = get_operation(s, operation_slug)
            table = read_table(path, problems, expect=_EXPECT)
            cmap = map_columns(table, problems)
            problems.raise_if_errors()
            if progress:
                progress("checking", 0, len(table.rows))
            records = read_rows(table, cmap, _site_types(s), problems)
            view = GazetteerView.load(s, op.country_iso3)
            locator = self._locator(s, view) if view else None
            Placer(op.country_iso3, cmap, view, locator, problems).place(records)
            if view is None and cmap.has("latitude"):
                problems.warn(f"no gazetteer is loaded for {op.country_iso3}: P-codes were not "
                              "derived from the coordinates")
            existing = changes.existing_sites(s, op.id)
            changes.check_new_sites(records, existing, cmap, problems)
            problems.items.sort(key=lambda p: (p.row or 0))
            problems.raise_if_errors()
            if progress:
                progress("checking", len(table.rows), len(table.rows))
            result = SiteImportResult(path.name, warnings=problems.warnings,
                                      notes=list(table.notes))
            changes.apply(s, op.id, records, cmap, existing, result, source or path.name,
                          changed_by, progress)
        return result

    def export(self, operation_slug: str, path: str | Path) -> Path:
        """Write the master list as CSV or XLSX (by suffix) with an HXL hashtag row."""
        with self.ws.session() as s:
            op = get_operation(s, operation_slug)
            sites = list(s.scalars(select(Site).where(Site.operation_id == op.id)))
            columns, hxl, rows = export.table(sites, GazetteerView.load(s, op.country_iso3))
        return write_table(path, columns, rows, hxl=hxl, sheet="sites")

    # reading -------------------------------------------------------------------
    def list(self, operation_slug: str, admin_pcode: str | None = None,
             open_on: dt.date | None = None, site_type: str | None = None) -> list[SiteInfo]:
        """Sites by code; filter by an admin area of any level, a day they were open, a type."""
        with self.ws.session() as s:
            op = get_operation(s, operation_slug)
            q = select(Site).where(Site.operation_id == op.id)
            if admin_pcode:
                code = admin_pcode.strip().upper()
                q = q.where(or_(*(getattr(Site, f"admin{n}_pcode") == code
                                  for n in ADMIN_LEVELS)))
            if open_on:
                q = q.where(or_(Site.opened_on.is_(None), Site.opened_on <= open_on),
                            or_(Site.closed_on.is_(None), Site.closed_on > open_on))
            if site_type:
                try:
                    q = q.where(Site.site_type == _site_types(s).code(site_type))
                except ValueProblem as exc:
                    raise PantauError("invalid", message=str(exc)) from None
            return [SiteInfo.of(site) for site in s.scalars(q.order_by(Site.code))]

    def get(self, operation_slug: str, code: str) -> SiteInfo:
        with self.ws.session() as s:
            return SiteInfo.of(_site(s, operation_slug, code))

    def history(self, operation_slug: str, code: str) -> list[ChangeInfo]:
        """Every change of a site, oldest first."""
        with self.ws.session() as s:
            site = _site(s, operation_slug, code)
            rows = s.scalars(select(SiteChange).where(SiteChange.site_id == site.id)
                             .order_by(SiteChange.version))
            return [ChangeInfo.of(c) for c in rows]

    # closing -------------------------------------------------------------------
    def close(self, operation_slug: str, code: str, on: dt.date, reason: str = "",
              changed_by: str = "") -> SiteInfo:
        """Close a site from a date; the reason is kept as its `closed_reason` attribute."""
        with self.ws.session() as s:
            site = _site(s, operation_slug, code)
            if site.closed_on is not None:
                raise PantauError("invalid", message=f"site '{code}' is already closed (on "
                                  f"{site.closed_on}); reopen it first to change the date")
            if site.opened_on and on < site.opened_on:
                raise PantauError("invalid", message=f"site '{code}' opened on "
                                  f"{site.opened_on}; it cannot close before, on {on}")
            attributes = {"closed_reason": reason.strip() or None}
            changes.record_change(s, site, "closed", {"closed_on": on}, attributes,
                                  "pantau sites close", changed_by)
            return SiteInfo.of(site)

    def reopen(self, operation_slug: str, code: str, changed_by: str = "") -> SiteInfo:
        """Undo a closure: the site is open again and its closing reason is cleared."""
        with self.ws.session() as s:
            site = _site(s, operation_slug, code)
            if site.closed_on is None:
                raise PantauError("invalid", message=f"site '{code}' is not closed")
            changes.record_change(s, site, "reopened", {"closed_on": None},
                                  {"closed_reason": None}, "pantau sites reopen", changed_by)
            return SiteInfo.of(site)

    # internals -----------------------------------------------------------------
    def _locator(self, s: Session, view: GazetteerView) -> Locator | None:
        """One locator per (country, version), rebuilt only when its boundaries change."""
        key = (view.country, view.version_id)
        stamp = geometry_key(s, view.version_id)
        cached = self._locators.get(key)
        if cached is None or cached[0] != stamp:
            locator = Locator.load(s, view.country, view.version_id) if stamp[0] else None
            cached = (stamp, locator)  # type: ignore[assignment]
            self._locators[key] = cached  # type: ignore[assignment]
        return cached[1] or None


def _site(s: Session, operation_slug: str, code: str) -> Site:
    op = get_operation(s, operation_slug)
    site = s.scalar(select(Site).where(Site.operation_id == op.id, Site.code == code.strip()))
    if site is None:
        raise PantauError("not_found", what=f"site in {operation_slug} with id", key=code)
    return site


def _site_types(s: Session) -> SiteTypes:
    return SiteTypes([(t.code, t.label) for t in s.scalars(select(SiteType))])
