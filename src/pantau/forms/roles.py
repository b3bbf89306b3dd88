"""What one field is for, read from its HXL tag: a counted value or a dimension of the record.

`role_of(tag, field)` returns a small dict (stored in the form version's mapping):

- `{"role": "value", "indicator", "dims"}` — a number; each answer is an observation;
- `{"role": "choices", …}` — a select of needs/sectors; each chosen answer counts 1;
- `{"role": "flag", …}` — a yes/no select; yes counts 1, no counts 0;
- `{"role": "dimension", "dimension", "priority"}` — gives every observation of its record
  (or repeat item) e.g. its site code, P-code, date, reason, origin or shelter;
- `{"role": "kept", "note"}` — tagged, kept with the submission, not part of observations.

A tag that contradicts itself (`+idps+returnees`, `+f+m`) raises TagError.
"""

from __future__ import annotations

import re
from typing import Any

from pantau.forms.hxl import Tag, TagError
from pantau.forms.vocab import (
    AGE_GROUPS,
    AGE_RANGE,
    NEUTRAL,
    NO,
    NUMERIC_TYPES,
    OBSERVATION_DATES,
    POPULATION_GROUPS,
    REASONS,
    SECTORS,
    SEXES,
    UNITS,
    VALUE_HASHTAGS,
    YES,
)

_ADMIN = re.compile(r"adm([1-5])")
_TABLES: tuple[tuple[dict[str, str], str], ...] = (
    (POPULATION_GROUPS, "population_group"), (UNITS, "unit"), (SEXES, "sex"),
    (AGE_GROUPS, "age_group"), (SECTORS, "sector"))


def role_of(tag: Tag, field: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The field's role and warnings (attributes pantau does not know)."""
    ftype = field["type"]
    select = ftype.startswith("select_")
    h = tag.hashtag
    if h in ("loc", "site"):
        if tag.has("code", "id", "pcode"):
            return _dim("site_code"), []
        return _kept(f"#{h} without +code/+id: kept, not the site code"), []
    m = _ADMIN.fullmatch(h)
    if m:
        level = int(m[1])
        if not tag.has("code", "pcode", "id"):
            return _kept("admin name: kept; P-codes come from #adm…+code"), []
        if level == 5:
            return _kept("admin level 5 is not an observation dimension"), []
        if tag.has("origin"):
            return _dim("origin_pcode", level), []
        return _dim(f"admin{level}_pcode"), []
    if h == "date":
        return _date_role(tag), []
    if ftype not in NUMERIC_TYPES:
        if h == "cause" or tag.has("reason"):
            return _dim("reason", kind="choice" if select else "text"), []
        if h == "shelter":
            return _dim("shelter", kind="choice" if select else "text"), []
        if h in ("population", "group", "affected") and tag.has("type") and select:
            return _dim("population_group", kind="choice"), []
    if h in VALUE_HASHTAGS or h == "sector":
        return _value_role(tag, field)
    return _kept(f"#{h} is not an observation dimension: kept with the submission"), []


def value_dims(tag: Tag) -> tuple[dict[str, str], list[str]]:
    """Fixed dimensions from a value tag's attributes, and the attributes not understood."""
    dims: dict[str, str] = {}
    unknown: list[str] = []
    for a in tag.attributes:
        key, value = _attribute(a)
        if key is None:
            if a not in NEUTRAL:
                unknown.append(a)
            continue
        if key in dims and dims[key] != value:
            raise TagError(f"'{tag}' gives two values for {key.replace('_', ' ')}: "
                           f"{dims[key]} and {value}")
        dims[key] = value
    return dims, unknown


def indicator_for(dims: dict[str, Any], hashtag: str = "affected") -> str:
    """An HXL tag spelling out fixed dimensions (for mapping-file entries without a tag)."""
    short = {"individuals": "ind", "households": "hh"}
    parts = [dims.get(k) for k in ("population_group", "unit", "sex", "age_group", "reason",
                                   "sector")]
    return "#" + hashtag + "".join("+" + short.get(p, p) for p in parts if p)


def _attribute(a: str) -> tuple[str | None, str]:
    for table, key in _TABLES:
        if a in table:
            return key, table[a]
    if AGE_RANGE.fullmatch(a):
        return "age_group", a
    if a in REASONS:
        return "reason", a
    return None, a


def _value_role(tag: Tag, field: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    dims, unknown = value_dims(tag)
    warnings = [f"attribute +{a} of {tag} is not a dimension pantau knows; it stays in the "
                "indicator" for a in unknown]
    ftype = field["type"]
    if ftype.startswith("select_"):
        names = {str(c.get("name", "")).lower() for c in field.get("choices") or []}
        if ftype == "select_one" and names and names <= (YES | NO | {"dont_know", "dk"}):
            return {"role": "flag", "indicator": str(tag), "dims": _with_unit(dims, "sites")}, \
                warnings
        if "sector" in dims or tag.hashtag not in ("need", "inneed", "sector"):
            return _kept(f"{tag} on a select that is not yes/no: kept"), warnings
        return {"role": "choices", "indicator": str(tag),
                "dims": _with_unit(dims, "sites")}, warnings
    if ftype not in NUMERIC_TYPES:
        warnings.append(f"{tag} tags a '{ftype}' field: only answers that are numbers count")
    return {"role": "value", "indicator": str(tag), "type": ftype,
            "dims": _with_unit(dims, "individuals")}, warnings


def _with_unit(dims: dict[str, str], default: str) -> dict[str, str]:
    return dims if "unit" in dims else {**dims, "unit": default}


def _date_role(tag: Tag) -> dict[str, Any]:
    if not tag.attributes:
        return _dim("date", 1, "date")
    for i, name in enumerate(OBSERVATION_DATES):
        if tag.has(name):
            return _dim("date", 10 - i, "date")
    return _kept(f"{tag} is kept; the observation date comes from #date, #date+assessment "
                 "or #date+reported")


def _dim(name: str, priority: int = 0, kind: str | None = None) -> dict[str, Any]:
    if kind is None:
        kind = "pcode" if name.endswith("_pcode") else "text"
    return {"role": "dimension", "dimension": name, "priority": priority, "kind": kind}


def _kept(note: str) -> dict[str, Any]:
    return {"role": "kept", "note": note}
