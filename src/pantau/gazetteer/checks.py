"""Check one country's unit records before anything is stored; every problem names its row.

Errors: empty names or codes, codes of the wrong shape, the same P-code twice, a parent that
does not exist or is not above its child, parents in a loop, a unit stated twice with different
names or parents. Warning: a child code that does not start with its parent's code (standard
COD P-codes nest, but Kyrgyzstan's fixed-width codes and some others do not).
"""

from __future__ import annotations

from dataclasses import dataclass

from pantau.errors import Problem, Problems
from pantau.gazetteer.countries import country
from pantau.gazetteer.pcodes import CodeFormat, validate
from pantau.gazetteer.records import UnitRecord

MAX_NAME = 200
MAX_PCODE = 40


@dataclass(frozen=True)
class Known:
    """A unit already stored in the version being added to."""

    id: int
    level: int
    name: str
    parent: str | None
    has_geometry: bool


def _add(problems: Problems, rec: UnitRecord, message: str, fld: str | None = None,
         severity: str = "error") -> None:
    problems.items.append(Problem(rec.source, message, rec.row, fld or rec.field, severity))


def merge(records: list[UnitRecord], problems: Problems) -> dict[str, UnitRecord]:
    """One record per P-code: duplicates of stated units are errors, repeats of parents agree."""
    units: dict[str, UnitRecord] = {}
    for rec in sorted(records, key=lambda r: r.derived):  # stated units first
        seen = units.get(rec.pcode)
        if seen is None:
            units[rec.pcode] = rec
            continue
        if not rec.derived:
            _add(problems, rec, f"P-code {rec.pcode} appears twice ({_where(seen)} and "
                 f"{_where(rec)})")
            continue
        if seen.level != rec.level:
            _add(problems, rec, f"{rec.pcode} is admin-{rec.level} here but admin-{seen.level} "
                 f"on {_where(seen)}")
        elif seen.name != rec.name and rec.name:
            _add(problems, rec, f"{rec.pcode} is named '{rec.name}' here but '{seen.name}' on "
                 f"{_where(seen)}", rec.name_field)
        elif seen.parent != rec.parent:
            _add(problems, rec, f"{rec.pcode} lies in {rec.parent} here but in {seen.parent} on "
                 f"{_where(seen)}")
        if seen.geometry is None and rec.geometry is not None:
            seen.geometry = rec.geometry
    return units


def _where(rec: UnitRecord) -> str:
    return f"row {rec.row}" if rec.row is not None else rec.source


def check(iso3: str, units: dict[str, UnitRecord], known: dict[str, Known],
          fmt: CodeFormat | None, format_severity: str, problems: Problems) -> None:
    """Check codes, names and the tree of one country's units (file and stored together)."""
    home = country(iso3)
    levels = {p: u.level for p, u in units.items()} | {p: k.level for p, k in known.items()}
    for pcode, rec in units.items():
        if not rec.name:
            _add(problems, rec, f"the name of {pcode or 'the unit'} is empty", rec.name_field)
        elif len(rec.name) > MAX_NAME:
            _add(problems, rec, f"the name is {len(rec.name)} characters long (limit {MAX_NAME})",
                 rec.name_field)
        if len(pcode) > MAX_PCODE:
            _add(problems, rec, f"P-code '{pcode[:50]}' is longer than {MAX_PCODE} characters")
            continue
        for message in validate(pcode, iso3, rec.level, fmt):
            _add(problems, rec, f"P-code {message}", severity=format_severity)
        if rec.level == 0 and pcode not in (home.iso2, home.iso3):
            _add(problems, rec, f"the country's code must be {home.iso2} or {home.iso3}, "
                 f"not '{pcode}'", severity=format_severity)
        stored = known.get(pcode)
        if stored is not None:
            _against_stored(rec, stored, problems)
        _parent(rec, levels, problems)
    _cycles(units, problems)


def _against_stored(rec: UnitRecord, stored: Known, problems: Problems) -> None:
    if stored.level != rec.level:
        _add(problems, rec, f"{rec.pcode} is admin-{rec.level} here but admin-{stored.level} in "
             "the gazetteer")
    elif rec.name and stored.name != rec.name and not rec.derived:
        _add(problems, rec, f"{rec.pcode} is named '{rec.name}' here and '{stored.name}' in the "
             "gazetteer; the gazetteer's name is kept", rec.name_field, "warning")
    elif stored.parent != rec.parent and rec.level >= 2:
        _add(problems, rec, f"{rec.pcode} lies in {rec.parent} here and in {stored.parent} in "
             "the gazetteer; the gazetteer's parent is kept", severity="warning")


def _parent(rec: UnitRecord, levels: dict[str, int], problems: Problems) -> None:
    if rec.level <= 1:
        if rec.parent:
            _add(problems, rec, f"an admin-{rec.level} unit lies in the country, not in "
                 f"'{rec.parent}'")
        return
    if not rec.parent:
        _add(problems, rec, f"admin-{rec.level} unit {rec.pcode} has no parent P-code")
        return
    if rec.parent not in levels:
        _add(problems, rec, f"parent {rec.parent} of {rec.pcode} does not exist")
        return
    if rec.parent == rec.pcode:
        return  # reported as a loop
    if levels[rec.parent] >= rec.level:
        _add(problems, rec, f"parent {rec.parent} of {rec.pcode} is admin-{levels[rec.parent]}, "
             f"not above admin-{rec.level}")
    elif not rec.pcode.startswith(rec.parent):
        _add(problems, rec, f"{rec.pcode} does not start with its parent's code {rec.parent}",
             severity="warning")


def _cycles(units: dict[str, UnitRecord], problems: Problems) -> None:
    done: set[str] = set()
    for start in units:
        path: list[str] = []
        here: str | None = start
        while here in units and here not in done:
            if here in path:
                loop = path[path.index(here):] + [here]
                _add(problems, units[here], "parents form a loop: " + " → ".join(loop))
                break
            path.append(here)
            here = units[here].parent
        done.update(path)
