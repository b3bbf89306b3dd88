"""Give every site its admin P-codes: from its coordinates where boundaries are loaded, else as
written in the file, checked against the gazetteer (exists, right level, nests in its parent).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import Problems
from pantau.gazetteer.locate import Found, Locator, latest_version_id
from pantau.sites.columns import ColumnMap
from pantau.sites.extent import Extent
from pantau.sites.rows import SiteRecord
from pantau.store.models import AdminUnit, GazetteerVersion


@dataclass(frozen=True)
class Unit:
    level: int
    parent: str | None
    name: str


@dataclass
class GazetteerView:
    """The admin units of the version an import checks against, by P-code."""

    country: str
    version_id: int
    label: str
    units: dict[str, Unit]

    @classmethod
    def load(cls, s: Session, country: str) -> GazetteerView | None:
        version_id = latest_version_id(s, country)
        if version_id is None:
            return None
        label = s.get_one(GazetteerVersion, version_id).label
        rows = s.execute(select(AdminUnit.pcode, AdminUnit.level, AdminUnit.parent_pcode,
                                AdminUnit.name).where(AdminUnit.version_id == version_id))
        units = {p.upper(): Unit(lv, par.upper() if par else None, n) for p, lv, par, n in rows}
        return cls(country, version_id, label, units)

    def describe(self) -> str:
        return f"the {self.country} gazetteer ({self.label})"


_ORIGIN = {"coordinates": "from the coordinates", "given": "as given", "parent": "its parent"}


class Placer:
    """Places the records of one import; problems name the row and the column at fault."""

    def __init__(self, country: str, cmap: ColumnMap, view: GazetteerView | None,
                 locator: Locator | None, problems: Problems) -> None:
        self.country = country
        self.cmap = cmap
        self.view = view
        self.locator = locator if locator else None
        self.extent = Extent(country, self.locator)
        self.problems = problems

    def place(self, records: list[SiteRecord]) -> None:
        self._check_points(records)
        located = [r for r in records if r.has_point]
        found: list[Found] = []
        if self.locator is not None and located:
            found = self.locator.locate_many([r.longitude for r in located],  # type: ignore[misc]
                                             [r.latitude for r in located])  # type: ignore[misc]
        by_row = {r.row: f for r, f in zip(located, found, strict=False)}
        if self.view is None and any(r.given for r in records):
            self.problems.add(f"no gazetteer is loaded for {self.country}, so the P-codes "
                              "cannot be checked: load one first with `pantau gazetteer import`")
            return
        for rec in records:
            self._resolve(rec, by_row.get(rec.row))

    # coordinates -----------------------------------------------------------------
    def _check_points(self, records: list[SiteRecord]) -> None:
        """Range, country and swapped-axis checks for every point, in one bulk query."""
        points = [r for r in records if r.has_point]
        lats = [r.latitude for r in points]
        lons = [r.longitude for r in points]
        in_range = [_in_range(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
        ok = [p for p, good in zip(points, in_range, strict=True) if good]
        inside = dict(zip((p.row for p in ok), self.extent.contains_many(
            [p.longitude for p in ok], [p.latitude for p in ok]), strict=True))  # type: ignore[misc]
        suspects = [p for p, good in zip(points, in_range, strict=True)
                    if not good or not inside[p.row]]
        swapped_ok = [_in_range(p.longitude, p.latitude) for p in suspects]
        check = [p for p, good in zip(suspects, swapped_ok, strict=True) if good]
        swapped_inside = dict(zip((p.row for p in check), self.extent.contains_many(
            [p.latitude for p in check], [p.longitude for p in check]), strict=True))  # type: ignore[misc]
        lat_col = self.cmap.fields.get("latitude")
        for p in suspects:
            p.bad_point = True
            where = f"({p.latitude:g}, {p.longitude:g})"  # type: ignore[str-format]
            if self.extent.known and swapped_inside.get(p.row):
                self.problems.add(f"latitude and longitude look swapped: {where} is not in "
                                  f"{self.country}, ({p.longitude:g}, {p.latitude:g}) is",
                                  p.row, lat_col)
            elif not -90 <= p.latitude <= 90:  # type: ignore[operator]
                self.problems.add(f"latitude {p.latitude:g} is not between -90 and 90",
                                  p.row, lat_col)
            elif not -180 <= p.longitude <= 180:  # type: ignore[operator]
                self.problems.add(f"longitude {p.longitude:g} is not between -180 and 180",
                                  p.row, self.cmap.fields.get("longitude"))
            else:
                self.problems.add(f"the point {where} (latitude, longitude) is outside "
                                  f"{self.country} (checked against {self.extent.how})",
                                  p.row, lat_col)

    # P-codes ---------------------------------------------------------------------
    def _resolve(self, rec: SiteRecord, found: Found | None) -> None:
        origin: dict[int, str] = {}
        if found is not None:
            self._report_found(rec, found)
            rec.admin = dict(found.pcodes)
            origin = dict.fromkeys(found.pcodes, "coordinates")
            if found.pcodes:
                rec.pcode_source = "coordinates"
        for level, code in sorted(rec.given.items()):
            column = self.cmap.fields[f"admin{level}"]
            if level in rec.admin:
                if rec.admin[level] != code:
                    self.problems.warn(f"the file says {code} but the coordinates fall in "
                                       f"{rec.admin[level]}; {rec.admin[level]} is kept",
                                       rec.row, column)
                continue
            unit = self.view.units.get(code) if self.view else None
            if unit is None:
                self.problems.add(f"unknown P-code '{code}': not in {self.view.describe()}"
                                  if self.view else f"unknown P-code '{code}'", rec.row, column)
                continue
            if unit.level != level:
                self.problems.add(f"{code} is an admin-{unit.level} P-code, not admin-{level}",
                                  rec.row, column)
                continue
            rec.admin[level] = code
            origin[level] = "given"
        self._nest(rec, origin)

    def _nest(self, rec: SiteRecord, origin: dict[int, str]) -> None:
        """Each level must lie in the one above; a missing higher level is filled from it."""
        if not rec.admin or self.view is None:
            return
        for level in range(max(rec.admin), 1, -1):
            code = rec.admin.get(level)
            unit = self.view.units.get(code) if code else None
            if unit is None or not unit.parent:
                continue
            upper = rec.admin.get(level - 1)
            if upper is None:
                if unit.parent in self.view.units:
                    rec.admin[level - 1] = unit.parent
                    origin[level - 1] = "parent"
                continue
            if upper != unit.parent and not (origin[level] == origin[level - 1]
                                             == "coordinates"):
                column = self.cmap.fields.get(f"admin{level}") \
                    or self.cmap.fields.get("latitude")
                self.problems.add(
                    f"wrong parent: admin-{level} {code} ({_ORIGIN[origin[level]]}) lies in "
                    f"{unit.parent}, not in admin-{level - 1} {upper} "
                    f"({_ORIGIN[origin[level - 1]]})", rec.row, column)

    def _report_found(self, rec: SiteRecord, found: Found) -> None:
        column = self.cmap.fields.get("latitude")
        for issue in found.issues:
            self.problems.warn(f"the boundaries do not nest here: {issue}", rec.row, column)
        for level, code in found.nearest.items():
            self.problems.warn(f"the point lies just outside every admin-{level} area; "
                               f"placed in the nearest, {code}", rec.row, column)
        if self.locator is not None:
            for level in self.locator.levels:
                if level not in found.pcodes:
                    self.problems.warn(f"no admin-{level} area holds the point", rec.row,
                                       column)


def _in_range(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
