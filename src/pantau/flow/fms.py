"""Import of FMS interviews (a KoboToolbox/ODK export of the shipped `dtm_fms` form): the
interviews on the first sheet, their routes on a sheet named `route` (Kobo's sheet of the
repeat, linked by `_submission__uuid`) or in a second CSV.

Consent comes first. An interview without consent is kept as the fact that it happened —
point, date, record id — with every answer dropped (its route too), flagged in the result and
left out of every figure. Everything else follows the FMR rules: all or nothing, every problem
with file, row and field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

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
from pantau.store.flows import VULNERABILITIES, FlowSurvey, FlowSurveyLeg
from pantau.tabular import Row, Table, parse_date, parse_int, read_table
from pantau.tabular.values import ValueProblem

if TYPE_CHECKING:
    from pantau.workspace import Workspace

COLUMNS: dict[str, tuple[str, ...]] = {
    "point": ("fmp_id", "fmp", "#loc+code"),
    "date": ("survey_date", "date", "#date+survey"),
    "consent": ("consent", "#meta+consent"),
    "sex": ("sex", "#respondee+sex"),
    "age_group": ("age_group", "#respondee+age"),
    "nationality": ("nationality", "#country+code+nationality"),
    "education": ("education", "#respondee+education"),
    "employment": ("employment_before", "employment", "#respondee+employment"),
    "origin_country": ("origin_country", "#country+code+origin"),
    "origin_area": ("origin_area", "#adm1+name+origin"),
    "departure_country": ("departure_country", "#country+code+departure"),
    "destination_country": ("destination_country", "#country+code+dest"),
    "destination_area": ("destination_area", "#adm1+name+dest"),
    "reasons": ("reasons", "#cause+type"),
    **{v: (v, f"#protection+{v}") for v in VULNERABILITIES},
    "key": KEY_ALIASES,
}
REQUIRED = ("point", "date", "consent", "sex", "age_group", "nationality")
LEG_COLUMNS: dict[str, tuple[str, ...]] = {
    "country": ("route_country", "country", "#country+code+transit"),
    "place": ("route_place", "place", "#loc+name+transit"),
    "days": ("route_days", "days", "#meta+days"),
    "parent": ("_submission__uuid", "record_id", "_parent_uuid"),
}
ROUTE_SHEET = "route"
_CHOICES = {"age_group": (vocab.AGE_GROUPS, "known age group"),
            "education": (vocab.EDUCATION, "level of education"),
            "employment": (vocab.EMPLOYMENT, "employment status")}
Progress = Callable[[str, int, int], None]


@dataclass
class FmsImportResult:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    without_consent: int = 0  # of the rows read: kept without answers, in no figure
    legs: int = 0  # route stops stored
    matched: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def import_fms(ws: Workspace, operation: str, path: str | Path,
               route: str | Path | None = None) -> FmsImportResult:
    """Store the interviews of a file (and their routes): all, or none when any is wrong."""
    path = Path(path)
    problems = Problems(path.name)
    with ws.session() as s:
        op = get_operation(s, operation)
        table = read_table(path, problems, expect=["fmp_id", "survey_date", "consent"])
        cols = find_columns(table, COLUMNS, REQUIRED, problems)
        legs_table, route_problems = _route_table(path, route)
        problems.raise_if_errors()
        points = points_of(s, op.id)
        reader = _Reader(cols, points, problems, path.name)
        records = [r for row in table.rows if (r := reader.read(row)) is not None]
        if legs_table is not None:
            _attach_routes(legs_table, records, reader.countries, route_problems)
            problems.items.extend(route_problems.items)
        problems.raise_if_errors()
        result = FmsImportResult(path.name, matched=reader.countries.report(),
                                 warnings=problems.warnings)
        result.without_consent = sum(not r["consent"] for r in records)
        _store(s, op.id, records, result)
    return result


def _route_table(path: Path, route: str | Path | None) -> tuple[Table | None, Problems]:
    """The route stops: a second file, or the workbook's `route` sheet (none: no routes)."""
    if route is not None:
        problems = Problems(Path(route).name)
        return read_table(route, problems, expect=["route_country"]), problems
    problems = Problems(f"{path.name} [{ROUTE_SHEET}]")
    if path.suffix.lower() != ".xlsx":
        return None, problems
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    has = ROUTE_SHEET in wb.sheetnames
    wb.close()
    return (read_table(path, problems, expect=["route_country"], sheet=ROUTE_SHEET)
            if has else None), problems


class _Reader:
    """One interview row → the values of a `flow_survey` row."""

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
        out: dict[str, Any] = {"source": f"{self.source}, row {row.number}", "legs": []}
        point = self._cell(row, "point", self.point)
        out["date"] = self._cell(row, "date", required(parse_date, "date"))
        out["consent"] = self._cell(row, "consent", lambda v: _consent(v))
        if point is not None:
            out["point_id"] = point.id
            check_day(point, out["date"], self.problems, row.number, self.cols["date"])
        if out["consent"]:
            self._answers(row, out)
        elif out["consent"] is False:
            self.problems.warn("no consent: the interview is kept without its answers and "
                               "left out of every figure", row.number, self.cols["consent"])
        out["link"] = self.keys.given(row).removeprefix("uuid:")
        if len(self.problems.errors) > before:
            if self.keys.given(row):
                self.keys.key(row, out)
            return None
        out["record_key"] = self.keys.key(row, {k: v for k, v in out.items() if k != "legs"})
        return out if out["record_key"] else None

    def _answers(self, row: Row, out: dict[str, Any]) -> None:
        out["sex"] = self._cell(row, "sex", lambda v: vocab.sex(given(v, "sex")))
        for f, (allowed, what) in _CHOICES.items():
            must = f == "age_group"
            out[f] = self._cell(row, f, lambda v, a=allowed, w=what, m=must: vocab.choice(
                given(v, w), a, w) if m or text(v) else None)
        out["nationality"] = self._cell(row, "nationality",
                                        lambda v: self.countries.read(given(v, "nationality")))
        for f in ("origin_country", "departure_country", "destination_country"):
            out[f] = self._cell(row, f, lambda v: self.countries.read(v) if text(v) else None)
        for f in ("origin_area", "destination_area"):
            out[f] = self._cell(row, f, lambda v: text(v)[:200] or None)
        out["reasons"] = self._cell(row, "reasons", _reasons)
        for v in VULNERABILITIES:
            out[v] = self._cell(row, v, vocab.yes_no)


def _consent(value: Any) -> bool:
    answer = vocab.yes_no(value)
    if answer is None:
        raise ValueProblem("no consent answer: every interview starts by asking for consent "
                           "(yes or no)")
    return answer


def _reasons(value: Any) -> str | None:
    """Kobo writes a select_multiple as space-separated choice names."""
    names = [vocab.choice(p, vocab.REASONS, "reason for leaving")
             for p in str(value or "").replace(",", " ").split()]
    return " ".join(dict.fromkeys(names)) or None


def _attach_routes(table: Table, records: list[dict[str, Any]], countries: CountryReader,
                   problems: Problems) -> None:
    """Each stop to its interview, in sheet order; a route that loops is refused."""
    cols = find_columns(table, LEG_COLUMNS, ("country", "parent"), problems)
    if problems.errors:
        return
    by_link = {r["link"]: r for r in records if r["link"]}
    for row in table.rows:
        link = text(row.get(cols["parent"])).removeprefix("uuid:")
        record = by_link.get(link)
        if record is None:
            problems.add(f"no interview with the id '{link}' for this route stop", row.number,
                         cols["parent"])
            continue
        leg = {"country": cell(row, cols, "country",
                               lambda v: countries.read(given(v, "country")), problems),
               "place": cell(row, cols, "place", lambda v: text(v)[:200] or None, problems),
               "days": cell(row, cols, "days", lambda v: parse_int(v), problems),
               "row": row.number}
        if record["consent"]:
            record["legs"].append(leg)
    for record in records:
        _check_loop(record["legs"], problems, cols["country"])


def _check_loop(legs: list[dict[str, Any]], problems: Problems, column: str) -> None:
    """A route loops when it comes back to a country it had left, or to the same place."""
    seen_country: dict[str, int] = {}
    seen_place: dict[tuple[str, str], int] = {}
    previous = None
    for i, leg in enumerate(legs, 1):
        c = leg["country"]
        if c is None:
            continue
        place = (c, (leg["place"] or "").lower())
        if leg["place"] and place in seen_place:
            problems.add(f"the route loops: {leg['place']} ({c}) is stop {seen_place[place]} "
                         f"and stop {i}", leg["row"], column)
        elif c != previous and c in seen_country:
            problems.add(f"the route loops: it comes back to {c} (stop {seen_country[c]}) at "
                         f"stop {i}, after {previous}", leg["row"], column)
        seen_country.setdefault(c, i)
        if leg["place"]:
            seen_place.setdefault(place, i)
        previous = c


_FIELDS = ("point_id", "date", "consent", "sex", "age_group", "nationality", "education",
           "employment", "origin_country", "origin_area", "departure_country",
           "destination_country", "destination_area", "reasons", *VULNERABILITIES)


def _store(s: Any, operation_id: int, records: list[dict[str, Any]],
           result: FmsImportResult) -> None:
    existing = {v.record_key: v for v in s.scalars(
        select(FlowSurvey).where(FlowSurvey.operation_id == operation_id))}
    fresh, legs_of = [], {}
    for r in records:
        values = {f: r.get(f) for f in _FIELDS}
        legs = [(leg["country"], leg["place"], leg["days"]) for leg in r["legs"]]
        old = existing.get(r["record_key"])
        if old is None:
            fresh.append({"operation_id": operation_id, "record_key": r["record_key"],
                          "source": r["source"], **values})
            legs_of[r["record_key"]] = legs
            result.created += 1
            continue
        old_legs = [(x.country, x.place, x.days) for x in s.scalars(
            select(FlowSurveyLeg).where(FlowSurveyLeg.survey_id == old.id)
            .order_by(FlowSurveyLeg.seq))]
        if all(getattr(old, f) == v for f, v in values.items()) and old_legs == legs:
            result.unchanged += 1
            continue
        for f, v in values.items():
            setattr(old, f, v)
        s.execute(delete(FlowSurveyLeg).where(FlowSurveyLeg.survey_id == old.id))
        s.flush()
        _insert_legs(s, old.id, legs, result)
        result.updated += 1
    if fresh:
        ids = s.scalars(insert(FlowSurvey).returning(FlowSurvey.id,
                                                     sort_by_parameter_order=True),
                        fresh).all()
        for sid, r in zip(ids, fresh, strict=True):
            _insert_legs(s, sid, legs_of[r["record_key"]], result)


def _insert_legs(s: Any, survey_id: int, legs: list[tuple[Any, ...]],
                 result: FmsImportResult) -> None:
    if legs:
        s.execute(insert(FlowSurveyLeg), [
            {"survey_id": survey_id, "seq": i, "country": c, "place": p, "days": d}
            for i, (c, p, d) in enumerate(legs, 1)])
        result.legs += len(legs)
