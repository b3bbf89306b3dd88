"""The Centre for Humanitarian Data's global files: the P-code list and the P-code length table.

Both are HXL-tagged CSVs. Columns are found by hashtag first (`#adm+code`), then by the header
the HDX files use (`P-Code`), so a copy saved without the hashtag row still reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from pantau.errors import Problems
from pantau.gazetteer.countries import country, is_country
from pantau.gazetteer.pcodes import parse_lengths
from pantau.gazetteer.records import UnitRecord, clean_name
from pantau.tabular import Table, parse_date, parse_int
from pantau.tabular.values import ValueProblem

GLOBAL_COLUMNS = {
    "country": ("#country+code", "Location"),
    "level": ("#geo+admin_level", "Admin Level"),
    "pcode": ("#adm+code", "P-Code"),
    "name": ("#adm+name", "Name"),
    "parent": ("#adm+code+parent", "Parent P-Code"),
    "date": ("#date+start", "Valid from date"),
}
LENGTH_COLUMNS = ("#country+len", "Country Length")


def is_global_list(table: Table) -> bool:
    return all(table.column_for(*GLOBAL_COLUMNS[k]) for k in ("country", "level", "pcode"))


def is_length_table(table: Table) -> bool:
    return bool(table.column_for(*LENGTH_COLUMNS)) and bool(table.column_for("#country+code",
                                                                              "Location"))


def read_global(table: Table, problems: Problems, only: str | None) -> list[UnitRecord]:
    """Rows of the global list as records; `only` (ISO3) skips the other countries' rows."""
    col = {k: table.column_for(*names) for k, names in GLOBAL_COLUMNS.items()}
    out: list[UnitRecord] = []
    for row in table.rows:
        code = str(row.get(col["country"]) or "").strip()
        if not is_country(code):
            problems.add(f"'{code}' is not a country code" if code else "the country is empty",
                         row.number, col["country"])
            continue
        home = country(code)
        if only and home.iso3 != only:
            continue
        try:
            level = parse_int(row.get(col["level"]), minimum=0, maximum=5)
        except ValueProblem as exc:
            problems.add(f"admin level {exc}", row.number, col["level"])
            continue
        if level is None:
            problems.add("the admin level is empty", row.number, col["level"])
            continue
        try:
            valid_from = parse_date(row.get(col["date"]))
        except ValueProblem as exc:
            problems.add(str(exc), row.number, col["date"])
            valid_from = None
        parent = _code(row.get(col["parent"])) or None
        if level <= 1 and parent in (home.iso3, home.iso2):
            parent = None
        out.append(UnitRecord(home.iso3, level, _code(row.get(col["pcode"])),
                              clean_name(row.get(col["name"])), parent, row.number,
                              table.source, col["pcode"], col["name"], {}, valid_from))
    return out


def _code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class LengthRow:
    country_iso3: str
    prefix_len: int
    lengths: tuple[int | None, ...]


def read_lengths(table: Table, problems: Problems) -> list[LengthRow]:
    """Rows of the length table; `3|7` (either length occurs) is kept as "varies"."""
    c_country = table.column_for("#country+code", "Location")
    c_prefix = table.column_for(*LENGTH_COLUMNS)
    c_levels = [table.column_for(f"#adm{n}+len", f"Admin {n} Length") for n in range(1, 6)]
    out: list[LengthRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        code = str(row.get(c_country) or "").strip()
        if not is_country(code):
            problems.add(f"'{code}' is not a country code", row.number, c_country)
            continue
        iso3 = country(code).iso3
        if iso3 in seen:
            problems.add(f"{iso3} appears twice (rows {seen[iso3]} and {row.number})",
                         row.number, c_country)
            continue
        seen[iso3] = row.number
        try:
            prefix, lengths = parse_lengths(row.get(c_prefix), [row.get(c) for c in c_levels])
        except ValueError as exc:
            problems.add(str(exc), row.number, c_prefix)
            continue
        out.append(LengthRow(iso3, prefix, lengths))
    return out
