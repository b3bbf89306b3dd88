"""COD-AB attribute columns (tables and boundary properties) → unit records.

COD-AB files carry one row per lowest-level unit with the codes and names of every level above
it: `ADM0_PCODE, ADM1_PCODE, ADM1_EN, ADM1_ID, ADM2_PCODE, ADM2_EN, ADM2_REF, ADM2ALT1EN …,
validOn, validTo, date`. Older files spell them `admin1Pcode, admin1Name_en, admin1RefName,
admin1AltName1_en`. Both are read; names in other languages go into `names` by language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pantau.errors import Problem, Problems
from pantau.gazetteer.countries import Country, country, is_country
from pantau.gazetteer.records import UnitRecord, clean_name
from pantau.tabular import parse_date
from pantau.tabular.values import ValueProblem

_PCODE = re.compile(r"^(?:adm|admin)([0-5])_?pcode$", re.I)
_NAME = re.compile(r"^(?:adm([0-5])_([a-z]{2}|name)|admin([0-5])name_([a-z]{2}))$", re.I)
_REF = re.compile(r"^(?:adm([0-5])_ref|admin([0-5])refname)$", re.I)
_ALT = re.compile(r"^(?:adm([0-5])alt(\d)([a-z]{2})|admin([0-5])altname(\d)_([a-z]{2}))$", re.I)
_PREFERRED = ("en", "name", "fr", "es", "pt")


@dataclass
class Columns:
    """Which column holds what, by admin level."""

    pcode: dict[int, str] = field(default_factory=dict)
    names: dict[int, dict[str, str]] = field(default_factory=dict)  # level -> language -> column
    ref: dict[int, str] = field(default_factory=dict)
    alt: dict[int, list[str]] = field(default_factory=dict)
    valid_on: str | None = None
    valid_to: str | None = None
    date: str | None = None

    @property
    def deepest(self) -> int | None:
        return max(self.pcode) if self.pcode else None

    def name_column(self, level: int) -> str | None:
        langs = self.names.get(level, {})
        for lang in _PREFERRED:
            if lang in langs:
                return langs[lang]
        return next(iter(langs.values()), None)


def columns_of(headers: list[str]) -> Columns:
    """Recognise COD-AB columns in a header or in a layer's property names."""
    cols = Columns()
    for h in headers:
        key = h.strip()
        if m := _PCODE.match(key):
            cols.pcode[int(m[1])] = h
        elif m := _REF.match(key):
            cols.ref[int(m[1] or m[2])] = h
        elif m := _ALT.match(key):
            cols.alt.setdefault(int(m[1] or m[4]), []).append(h)
        elif m := _NAME.match(key):
            level, lang = (m[1], m[2]) if m[1] else (m[3], m[4])
            cols.names.setdefault(int(level), {})[lang.lower()] = h
        elif key.lower() == "validon":
            cols.valid_on = h
        elif key.lower() == "validto":
            cols.valid_to = h
        elif key.lower() == "date":
            cols.date = h
    return cols


def _text(values: dict[str, Any], column: str | None) -> str:
    if not column:
        return ""
    value = values.get(column)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def records_from(values: dict[str, Any], row: int | None, source: str, cols: Columns,
                 where: Country | None, problems: Problems) -> list[UnitRecord]:
    """The unit a row describes (its deepest level) and the parents it names."""
    deepest = cols.deepest
    if deepest is None:
        return []
    home = _country_of_row(values, row, source, cols, where, problems)
    if home is None:
        return []
    valid_from = _date(values, row, source, cols, problems)
    out: list[UnitRecord] = []
    parent: str | None = None
    for level in sorted(cols.pcode):
        if level == 0 and deepest > 0:
            continue
        column = cols.pcode[level]
        pcode = _text(values, column)
        name_col = cols.name_column(level)
        rec = UnitRecord(home.iso3, level, pcode, clean_name(values.get(name_col)) if name_col
                         else "", parent if level >= 2 else None, row, source, column,
                         name_col, _other_names(values, cols, level), valid_from,
                         derived=level != deepest)
        if not pcode:
            _add(problems, source, "the P-code is empty", row, column)
            return []
        out.append(rec)
        parent = pcode
    return out


def _country_of_row(values: dict[str, Any], row: int | None, source: str, cols: Columns,
                    where: Country | None, problems: Problems) -> Country | None:
    column = cols.pcode.get(0)
    stated = _text(values, column)
    if stated:
        if not is_country(stated):
            _add(problems, source, f"'{stated}' is not a country code", row, column)
            return None
        found = country(stated)
        if where is not None and found.iso3 != where.iso3:
            _add(problems, source, f"row is for {found.iso3}, not {where.iso3}", row, column)
            return None
        return found
    if where is not None:
        return where
    from pantau.gazetteer.pcodes import country_of

    for level in sorted(cols.pcode):
        found = country_of(_text(values, cols.pcode[level]))
        if found:
            return found
    _add(problems, source, "cannot tell the country: give --country", row, cols.pcode.get(0))
    return None


def _date(values: dict[str, Any], row: int | None, source: str, cols: Columns,
          problems: Problems) -> Any:
    for column in (cols.valid_on, cols.date):
        if column and values.get(column) not in (None, ""):
            try:
                return parse_date(values.get(column))
            except ValueProblem as exc:
                _add(problems, source, str(exc), row, column)
                return None
    return None


def _other_names(values: dict[str, Any], cols: Columns, level: int) -> dict[str, object]:
    names: dict[str, object] = {}
    for lang, column in cols.names.get(level, {}).items():
        text = clean_name(values.get(column))
        if text:
            names[lang] = text
    ref = clean_name(values.get(cols.ref[level])) if level in cols.ref else ""
    if ref:
        names["ref"] = ref
    alts = [clean_name(values.get(c)) for c in cols.alt.get(level, [])]
    if any(alts):
        names["alt"] = [a for a in alts if a]
    return names


def _add(problems: Problems, source: str, message: str, row: int | None,
         column: str | None, severity: str = "error") -> None:
    problems.items.append(Problem(source, message, row, column, severity))
