"""Import of FMR daily counts (a KoboToolbox or ODK export of the shipped FMR form, or any
sheet with the same columns): every row checked, every problem reported with its file, row and
field, and nothing stored unless the whole file is right.

Why not through `pantau ingest`: an FMR group's dimensions — direction, nationality, departure
and destination countries, transport — have no place in the observation model (which knows
admin P-codes, population groups, sex and age), and the checks that matter here (an FMP's
observation days, the groups summing to the total) need the FMP. Columns are found by the
form's field names (Kobo's `group/field` headers too) or by their HXL tags.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from pantau.errors import Problem, Problems
from pantau.flow import vocab
from pantau.flow.countries import CountryReader
from pantau.flow.sheet import (
    KEY_ALIASES,
    Keys,
    Point,
    cell,
    check_day,
    find_columns,
    given,
    point_in,
    points_of,
    required,
    text,
)
from pantau.operations import get_operation
from pantau.store.flows import FlowCount
from pantau.tabular import Row, parse_date, parse_int, read_table
from pantau.tabular.values import ValueProblem

if TYPE_CHECKING:
    from pantau.workspace import Workspace

GROUPS = ("men", "women", "boys", "girls")
# field -> (form field name, other headers …, HXL tag)
COLUMNS: dict[str, tuple[str, ...]] = {
    "point": ("fmp_id", "fmp", "fmp code", "#loc+code"),
    "date": ("count_date", "date", "#date+reported"),
    "direction": ("direction", "#meta+direction"),
    "nationality": ("nationality", "#country+code+nationality"),
    "total": ("total", "total individuals", "#affected+ind"),
    "men": ("men", "adult men", "#affected+adults+ind+m"),
    "women": ("women", "adult women", "#affected+adults+f+ind"),
    "boys": ("boys", "#affected+children+ind+m"),
    "girls": ("girls", "#affected+children+f+ind"),
    "unaccompanied": ("unaccompanied_children", "unaccompanied",
                      "#affected+children+ind+unaccompanied"),
    "transport": ("transport_mode", "transport", "#transport+type"),
    "previous_country": ("previous_country", "departure country", "#country+code+origin"),
    "previous_place": ("previous_place", "#loc+name+origin"),
    "next_country": ("next_country", "#country+code+next"),
    "next_area": ("next_area", "#adm1+name+next"),
    "final_country": ("final_country", "#country+code+dest"),
    "final_area": ("final_area", "#adm1+name+dest"),
    "reason": ("reason", "#cause+type"),
    "key": KEY_ALIASES,
}
REQUIRED = ("point", "date", "direction", "nationality", "total", *GROUPS)
Progress = Callable[[str, int, int], None]  # (step, done, total)


@dataclass
class FmrImportResult:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    people: int = 0  # individuals in the rows created or updated
    matched: list[str] = field(default_factory=list)  # "Tunisie → TUN (Tunisia), by name"
    warnings: list[Problem] = field(default_factory=list)


def import_fmr(ws: Workspace, operation: str, path: str | Path,
               progress: Progress | None = None) -> FmrImportResult:
    """Store the FMR groups of a file: all of them, or none when any row is wrong.
    `progress(step, done, total)` hears the rows checked, then saved."""
    path = Path(path)
    problems = Problems(path.name)
    with ws.session() as s:
        op = get_operation(s, operation)
        table = read_table(path, problems, expect=["fmp_id", "count_date", "direction"])
        cols = find_columns(table, COLUMNS, REQUIRED, problems)
        problems.raise_if_errors()
        points = points_of(s, op.id)
        if not points:
            problems.add(f"operation '{operation}' has no flow monitoring points yet: import "
                         "them first (`pantau flow points import`)")
            problems.raise_if_errors()
        reader = _Reader(cols, points, problems, path.name)
        rows = []
        for i, row in enumerate(table.rows, 1):
            if (r := reader.read(row)) is not None:
                rows.append(r)
            if progress and (i % 1000 == 0 or i == len(table.rows)):
                progress("checking", i, len(table.rows))
        problems.raise_if_errors()
        result = FmrImportResult(path.name, matched=reader.countries.report(),
                                 warnings=problems.warnings)
        _store(s, op.id, rows, result)
        if progress:
            progress("saving", len(rows), len(rows))
    return result


class _Reader:
    """Reads one row into the values of a `flow_count` row, reporting each bad cell."""

    def __init__(self, cols: dict[str, str], points: dict[str, Point], problems: Problems,
                 source: str) -> None:
        self.cols = cols
        self.point = point_in(points)
        self.problems = problems
        self.source = source
        self.countries = CountryReader()
        self.keys = Keys(cols.get("key"), problems)

    def _cell(self, row: Row, fld: str, parse: Any) -> Any:
        return cell(row, self.cols, fld, parse, self.problems)

    def read(self, row: Row) -> dict[str, Any] | None:
        before = len(self.problems.errors)
        out: dict[str, Any] = {"source": f"{self.source}, row {row.number}"}
        point = self._cell(row, "point", self.point)
        out["date"] = self._cell(row, "date", required(parse_date, "date"))
        out["direction"] = self._cell(row, "direction", lambda v: vocab.choice(
            given(v, "direction"), vocab.DIRECTIONS, "direction"))
        out["nationality"] = self._cell(row, "nationality",
                                        lambda v: self.countries.read(given(v, "nationality")))
        for f in ("previous_country", "next_country", "final_country"):
            out[f] = self._cell(row, f, lambda v: self.countries.read(v) if text(v) else None)
        for f in ("previous_place", "next_area", "final_area"):
            out[f] = self._cell(row, f, lambda v: text(v)[:200] or None)
        out["transport"] = self._cell(row, "transport", lambda v: vocab.choice(
            v, vocab.TRANSPORT, "mode of transport") if text(v) else None)
        out["reason"] = self._cell(row, "reason", lambda v: vocab.choice(
            v, vocab.REASONS, "reason for movement") if text(v) else None)
        self._counts(row, out)
        if point is not None:
            out["point_id"] = point.id
            check_day(point, out["date"], self.problems, row.number, self.cols["date"])
            if out["direction"] and out["direction"] not in point.directions:
                self.problems.add(f"FMP {point.code} does not monitor {out['direction']} "
                                  f"flows (it monitors {', '.join(point.directions)})",
                                  row.number, self.cols["direction"])
        if len(self.problems.errors) > before:
            if self.keys.given(row):  # still known, so that a repeated id is reported too
                self.keys.key(row, out)
            return None
        out["record_key"] = self.keys.key(row, out)
        return out if out["record_key"] else None

    def _counts(self, row: Row, out: dict[str, Any]) -> None:
        """Every group given (0 when none), none negative, and the groups make the total."""
        for f in ("total", *GROUPS, "unaccompanied"):
            out[f] = self._cell(row, f, lambda v, f=f: _count(v, f))
        if out["unaccompanied"] is None and "unaccompanied" not in self.cols:
            out["unaccompanied"] = 0
        parts = [out[g] for g in GROUPS]
        if None in parts or out["total"] is None:
            return
        if out["total"] == 0:
            self.problems.add("the total is 0: an FMR group has at least one person",
                              row.number, self.cols["total"])
        elif sum(parts) != out["total"]:
            said = " + ".join(f"{g} {n}" for g, n in zip(GROUPS, parts, strict=True))
            self.problems.add(f"{said} = {sum(parts)}, not the total {out['total']}",
                              row.number, self.cols["total"])
        if out["unaccompanied"] is not None and out["unaccompanied"] > out["boys"] + \
                out["girls"]:
            self.problems.add(f"{out['unaccompanied']} unaccompanied children but only "
                              f"{out['boys'] + out['girls']} children (boys + girls)",
                              row.number, self.cols["unaccompanied"])


def _count(value: Any, what: str) -> int | None:
    """A count of people: missing and negative are errors (0 is written as 0)."""
    if not text(value):
        raise ValueProblem(f"the {what} count is missing: give every group, 0 when none")
    n = parse_int(value, minimum=None)
    if n is not None and n < 0:
        raise ValueProblem(f"{n} {what}: a count of people cannot be negative")
    return n


_FIELDS = ("point_id", "date", "direction", "nationality", "total", *GROUPS, "unaccompanied",
           "transport", "previous_country", "previous_place", "next_country", "next_area",
           "final_country", "final_area", "reason")


def _store(s: Any, operation_id: int, rows: list[dict[str, Any]],
           result: FmrImportResult) -> None:
    """Insert new keys in bulk, update changed ones, leave identical ones alone."""
    existing = {c.record_key: c for c in s.scalars(
        select(FlowCount).where(FlowCount.operation_id == operation_id,
                                FlowCount.record_key.in_([r["record_key"] for r in rows])))
    } if len(rows) < 30_000 else {c.record_key: c for c in s.scalars(
        select(FlowCount).where(FlowCount.operation_id == operation_id))}
    new = []
    for r in rows:
        old = existing.get(r["record_key"])
        if old is None:
            new.append({"operation_id": operation_id, **r})
            result.created += 1
            result.people += r["total"]
        elif any(getattr(old, f) != r[f] for f in _FIELDS):
            for f in (*_FIELDS, "source"):
                setattr(old, f, r[f])
            result.updated += 1
            result.people += r["total"]
        else:
            result.unchanged += 1
    for i in range(0, len(new), 5000):
        s.execute(insert(FlowCount), new[i:i + 5000])
