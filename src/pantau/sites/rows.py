"""Rows of a master-list file → site records, every bad cell reported with its row and column."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pantau.errors import Problems
from pantau.sites import values
from pantau.sites.columns import ColumnMap
from pantau.tabular import Row, Table, parse_date, parse_float
from pantau.tabular.values import ValueProblem


@dataclass
class SiteRecord:
    """One row as read; `admin` and `pcode_source` are filled in when the row is placed."""

    row: int
    code: str
    name: str | None = None
    alt_names: list[str] = field(default_factory=list)
    site_type: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    given: dict[int, str] = field(default_factory=dict)  # admin level -> P-code as written
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    attributes: dict[str, str | None] = field(default_factory=dict)
    admin: dict[int, str] = field(default_factory=dict)
    pcode_source: str = "given"
    bad_point: bool = False  # coordinates unusable: do not place by them

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None and not self.bad_point


class RowReader:
    """Reads the rows of one table with one column map, collecting problems as it goes."""

    def __init__(self, table: Table, cmap: ColumnMap, types: values.SiteTypes,
                 problems: Problems) -> None:
        self.table = table
        self.cmap = cmap
        self.types = types
        self.problems = problems
        self._seen: dict[str, tuple[int, str]] = {}  # lower-case code -> (row, code)

    def read(self, row: Row) -> SiteRecord | None:
        code = self._cell(row, "code", lambda v: values.bounded(v, values.MAX_CODE, "site id"))
        if code is None:
            if self.cmap.has("code") and not self._failed:
                self.problems.add("no site id", row.number, self.cmap.fields["code"])
            return None
        if self._duplicate(code, row.number):
            return None
        rec = SiteRecord(row.number, code)
        rec.name = self._cell(row, "name", lambda v: values.bounded(v, values.MAX_NAME, "name"))
        if rec.name is None and self.cmap.has("name") and not self._failed:
            self.problems.add("no site name", row.number, self.cmap.fields["name"])
        rec.alt_names = self._cell(row, "alt_names", lambda v: values.alt_names(v, rec.name)) \
            or []
        if self.cmap.has("site_type"):
            rec.site_type = self._cell(row, "site_type", self.types.code)
        self._read_point(row, rec)
        for level in self.cmap.admin_levels():
            pcode = self._cell(row, f"admin{level}",
                               lambda v: values.bounded(v, values.MAX_PCODE, "P-code"))
            if pcode:
                rec.given[level] = pcode.upper()
        rec.opened_on = self._cell(row, "opened_on", parse_date)
        rec.closed_on = self._cell(row, "closed_on", parse_date)
        if rec.opened_on and rec.closed_on and rec.closed_on < rec.opened_on:
            self.problems.add(f"closed on {rec.closed_on} before it opened on {rec.opened_on}",
                              row.number, self.cmap.fields["closed_on"])
        rec.attributes = {c: values.attribute(row.get(c)) for c in self.cmap.extra}
        return rec

    def _cell(self, row: Row, fld: str, parse: Any) -> Any:
        """Parse one field's cell; a bad value is reported and read as empty."""
        self._failed = False
        column = self.cmap.fields.get(fld)
        if column is None:
            return None
        try:
            return parse(row.get(column))
        except ValueProblem as exc:
            self._failed = True
            self.problems.add(str(exc), row.number, column)
            return None

    def _duplicate(self, code: str, number: int) -> bool:
        key = code.lower()
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = (number, code)
            return False
        same = "" if first[1] == code else f" ('{first[1]}' differs only in case)"
        self.problems.add(f"site id '{code}' appears twice: on row {first[0]} and on row "
                          f"{number}{same}", number, self.cmap.fields["code"])
        return True

    def _read_point(self, row: Row, rec: SiteRecord) -> None:
        if not self.cmap.has("latitude") or not self.cmap.has("longitude"):
            return
        rec.latitude = self._cell(row, "latitude", parse_float)
        bad = self._failed
        rec.longitude = self._cell(row, "longitude", parse_float)
        bad = bad or self._failed
        if bad:
            rec.bad_point = True
        elif (rec.latitude is None) != (rec.longitude is None):
            missing = "longitude" if rec.longitude is None else "latitude"
            self.problems.add(f"a {missing} is needed too: give both coordinates or neither",
                              row.number, self.cmap.fields[missing])
            rec.bad_point = True

    _failed = False


def read_rows(table: Table, cmap: ColumnMap, types: values.SiteTypes,
              problems: Problems) -> list[SiteRecord]:
    reader = RowReader(table, cmap, types, problems)
    return [rec for row in table.rows if (rec := reader.read(row)) is not None]
