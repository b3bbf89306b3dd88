"""Add P-codes to a user's table of place names, level by level, with a report to review.

Admin 1 is matched first; each admin 2 name is then looked for among the children of its
row's admin 1, and admin 3 among the children of admin 2. When the level above is empty,
unmatched or ambiguous, the name is looked for in the whole country instead, and the report
says so: a district name is often unique in the country even when its province is misspelt.

The user's file comes back with every row and column as read, in order, plus
`admN_pcode`, `admN_name` (the gazetteer's name), `admN_match` (exact | fuzzy | ambiguous |
not_found) and `admN_score` per level. The report has one line per row and level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pantau.errors import PantauError, Problems
from pantau.gazetteer.match import Match, Matcher
from pantau.tabular import Table, read_table, write_table

Progress = Callable[[str, int, int], None]

KINDS = ("exact", "fuzzy", "ambiguous", "not_found")
REPORT_COLUMNS = ["row", "level", "column", "input name", "searched in", "matched P-code",
                  "matched name", "kind", "score", "alternatives"]

# Headers (compared case-insensitively) and HXL tags that name each level's column.
CANDIDATES: dict[int, tuple[str, ...]] = {
    1: ("#adm1+name", "adm1_en", "adm1_name", "adm1name", "admin1name_en", "admin1name",
        "admin1_name", "admin1", "adm1", "admin 1", "province", "provinsi", "propinsi",
        "province name", "region", "state", "governorate", "department", "departement",
        "departamento", "oblast", "wilayah"),
    2: ("#adm2+name", "adm2_en", "adm2_name", "adm2name", "admin2name_en", "admin2name",
        "admin2_name", "admin2", "adm2", "admin 2", "district", "kabupaten", "kabupaten/kota",
        "kab/kota", "regency", "regency/city", "county", "municipality", "municipio",
        "district name", "woreda", "lga", "shahrestan"),
    3: ("#adm3+name", "adm3_en", "adm3_name", "adm3name", "admin3name_en", "admin3name",
        "admin3_name", "admin3", "adm3", "admin 3", "kecamatan", "sub-district",
        "subdistrict", "sub district", "commune", "upazila", "nahiya", "tehsil"),
}


@dataclass
class LevelSummary:
    column: str
    counts: Counter[str] = field(default_factory=Counter)
    country_wide: int = 0  # names searched in the whole country: no parent to narrow them


@dataclass
class FileMatchResult:
    source: str
    out: Path
    report: Path
    rows: int
    levels: dict[int, LevelSummary]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_columns(table: Table, given: dict[int, str | None]) -> dict[int, str]:
    """Each level's name column: as given (must exist), else recognised from the header."""
    columns: dict[int, str] = {}
    for level, name in given.items():
        if not name:
            continue
        found = table.column_for(name)
        if found is None:
            raise PantauError("invalid", message=(
                f"{table.source}: no column '{name}' for admin {level} names; the columns "
                f"are: {', '.join(table.columns)}"))
        columns[level] = found
    if not columns:
        for level, candidates in CANDIDATES.items():
            found = table.column_for(*candidates)
            if found is not None and found not in columns.values():
                columns[level] = found
    if not columns:
        raise PantauError("invalid", message=(
            f"{table.source}: no column of admin names recognised; name them with --adm1, "
            f"--adm2 or --adm3 (the columns are: {', '.join(table.columns)})"))
    return dict(sorted(columns.items()))


def match_file(matcher: Matcher, path: str | Path, columns: dict[int, str | None],
               out: str | Path | None = None, report: str | Path | None = None,
               progress: Progress | None = None) -> FileMatchResult:
    """Match every name of the file; write the file with P-codes added, and the report."""
    path = Path(path)
    problems = Problems(path.name)
    table = read_table(path, problems)
    problems.raise_if_errors()
    found = find_columns(table, columns)
    out = Path(out) if out else path.with_name(f"{path.stem}.pcoded.csv")
    report = Path(report) if report else out.with_name(f"{path.stem}.match-report.csv")
    added = _added_columns(table.columns, found)
    levels = {lvl: LevelSummary(col) for lvl, col in found.items()}
    report_rows: list[list[Any]] = []
    out_rows: list[list[Any]] = []
    total = len(table.rows)
    seen: dict[tuple[str, int, str | None], Match] = {}  # files repeat their names a lot
    for done, row in enumerate(table.rows, 1):
        parent: str | None = None
        extra: list[Any] = []
        for level, column in found.items():
            value = row.get(column)
            text = "" if value is None else str(value)
            m = seen.get((text, level, parent))
            if m is None:
                m = seen[(text, level, parent)] = matcher.match(text, level=level, parent=parent)
            summary = levels[level]
            summary.counts[m.kind] += 1
            if m.scope == "country" and level > 1:
                summary.country_wide += 1
            extra += [m.pcode or "", m.name or "", m.kind, m.score]
            report_rows.append(_report_row(row.number, level, column, text, m))
            parent = m.pcode
        out_rows.append([row.values.get(c) for c in table.columns] + extra)
        if progress and (done % 500 == 0 or done == total):
            progress("matching", done, total)
    hxl = None
    if table.hxl:
        hxl = [table.hxl.get(c, "") for c in table.columns]
        for level in found:
            hxl += [f"#adm{level}+code", f"#adm{level}+name+matched", "", ""]
    write_table(out, table.columns + added, out_rows, hxl=hxl)
    write_table(report, REPORT_COLUMNS, report_rows)
    return FileMatchResult(path.name, out, report, total, levels, table.notes,
                           [str(p) for p in problems.warnings])


def _added_columns(existing: list[str], found: dict[int, str]) -> list[str]:
    """`admN_pcode` … per level; prefixed `pantau_` where the file has such a column."""
    taken = {c.lower() for c in existing}
    out = []
    for level in found:
        for suffix in ("pcode", "name", "match", "score"):
            name = f"adm{level}_{suffix}"
            out.append(f"pantau_{name}" if name in taken else name)
    return out


def _report_row(number: int, level: int, column: str, text: str, m: Match) -> list[Any]:
    where = f"children of {m.parent}" if m.scope == "parent" else "whole country"
    alternatives = "; ".join(f"{p} {n} ({s:.2f})" for p, n, s in m.alternatives)
    return [number, level, column, text, where, m.pcode or "", m.name or "", m.kind, m.score,
            alternatives]
