"""What the FMR and FMS importers share: finding columns by field name or HXL tag, the
operation's FMPs, the checks of a date against an FMP, record keys, and cell parsers.

One copy, so that a sheet of counts and a sheet of interviews are read by the same rules and
report problems in the same words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import Problems
from pantau.flow import vocab
from pantau.sites.columns import normalise
from pantau.store.flows import FlowPoint
from pantau.store.models import Site
from pantau.tabular import Row, Table
from pantau.tabular.values import ValueProblem

KEY_ALIASES = ("instanceid", "meta/instanceid", "_uuid", "uuid", "record_id", "#meta+id")


@dataclass(frozen=True)
class Point:
    """An FMP as the importers need it: id, code, what it watches and when it was open."""

    id: int
    code: str
    days: int
    directions: tuple[str, ...]
    opened_on: dt.date | None
    closed_on: dt.date | None


def points_of(s: Session, operation_id: int) -> dict[str, Point]:
    """The operation's FMPs by lower-case code."""
    rows = s.execute(select(FlowPoint, Site).join(Site, Site.id == FlowPoint.site_id)
                     .where(FlowPoint.operation_id == operation_id)).all()
    return {site.code.lower(): Point(
        p.id, site.code, p.days,
        tuple(d for d in vocab.DIRECTIONS if getattr(p, f"watch_{d}")),
        site.opened_on, site.closed_on) for p, site in rows}


def find_columns(table: Table, aliases: dict[str, tuple[str, ...]],
                 required: tuple[str, ...], problems: Problems) -> dict[str, str]:
    """Field → column, by header (`group/field` too) or HXL tag; `aliases[f][0]` is the form's
    field name and `aliases[f][-1]` its tag."""
    lookup = {normalise(a): f for f, names in aliases.items() for a in names}
    found: dict[str, str] = {}
    for column in table.columns:
        keys = [normalise(column), normalise(column.rsplit("/", 1)[-1])]
        if column in table.hxl:
            keys.append(normalise(table.hxl[column]))
        fld = next((lookup[k] for k in keys if k in lookup), None)
        if fld is None or (fld == "key" and "key" in found):
            continue
        if fld in found:
            problems.add(f"columns '{found[fld]}' and '{column}' are both the {fld}; keep "
                         "one of them", None, column)
        found[fld] = column
    missing = [f for f in required if f not in found]
    if missing:
        problems.add("no column for " + ", ".join(f"the {f} ('{aliases[f][0]}' or "
                                                  f"{aliases[f][-1]})" for f in missing))
    return found


def cell(row: Row, cols: dict[str, str], fld: str, parse: Any, problems: Problems) -> Any:
    """Parse one field's cell (None without its column); a bad value is reported with its
    row and column and read as None."""
    column = cols.get(fld)
    if column is None:
        return None
    try:
        return parse(row.get(column))
    except ValueProblem as exc:
        problems.add(str(exc), row.number, column)
        return None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def given(value: Any, what: str) -> str:
    out = text(value)
    if not out:
        raise ValueProblem(f"no {what} given")
    return out


def required(parse: Any, what: str) -> Any:
    """`parse`, but an empty cell is an error."""
    def read(value: Any) -> Any:
        got = parse(value)
        if got is None:
            raise ValueProblem(f"no {what} given")
        return got
    return read


def point_in(points: dict[str, Point]) -> Any:
    """A parser: an FMP id of the operation → its Point."""
    def read(value: Any) -> Point:
        code = given(value, "flow monitoring point id")
        point = points.get(code.lower())
        if point is None:
            known = ", ".join(sorted(p.code for p in points.values())[:10])
            raise ValueProblem(f"'{code}' is not a flow monitoring point of this operation "
                               f"(known: {known})")
        return point
    return read


def check_day(point: Point, day: dt.date | None, problems: Problems, row: int,
              column: str) -> None:
    """The date is a day the FMP observes, on or after it opened and before it closed."""
    if day is None:
        return
    if not point.days & (1 << day.weekday()):
        problems.add(f"{day} is a {day:%A}: FMP {point.code} observes "
                     f"{vocab.days_text(point.days)} only", row, column)
    if point.opened_on and day < point.opened_on:
        problems.add(f"{day} is before FMP {point.code} opened ({point.opened_on})", row,
                     column)
    if point.closed_on and day >= point.closed_on:
        problems.add(f"{day} is after FMP {point.code} closed ({point.closed_on})", row,
                     column)


@dataclass
class Keys:
    """Record keys of one file: the record's instance id, else a hash of its content and its
    occurrence in the file, so that the same file imported twice gives the same keys."""

    column: str | None
    problems: Problems
    seen: dict[str, int] = field(default_factory=dict)
    content: dict[str, int] = field(default_factory=dict)

    def given(self, row: Row) -> str:
        return text(row.get(self.column)) if self.column else ""

    def key(self, row: Row, values: dict[str, Any]) -> str | None:
        key = self.given(row)
        if not key:
            digest = hashlib.sha256(repr(sorted((k, str(v)) for k, v in values.items()
                                                if k != "source")).encode()).hexdigest()[:32]
            n = self.content[digest] = self.content.get(digest, 0) + 1
            key = f"sha:{digest}:{n}"
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            self.problems.add(f"record id '{key}' appears twice: on row {first} and on row "
                              f"{row.number}", row.number, self.column)
            return None
        return key[:200]
