"""The mapping file: HXL tags for untagged forms, or overrides of the form's own tags.

    estimate_individuals: true          # optional: individuals = households × household size
    fields:
      idp_hh: "#affected+idps+hh"       # field → HXL tag (replaces the hxl column)
      total_people:                     # field → fixed dimensions of a counted value
        population_group: idps
        unit: individuals               # individuals (default) | households
        sex: f                          # f | m
        age_group: children
        sector: shelter
        indicator: "#affected+idps+ind+f+children"   # optional; built from the rest if absent
      kab_code: {dimension: admin2_pcode}   # field → dimension of the whole record
      remarks: null                     # ignore this field's tag
    personal: [respondent_role]         # personal data although the rules say no
    not_personal: [office_phone]        # not personal although the rules say so
    quasi_identifiers: [age, sex]       # replaces the derived list (pantau.forms.personal)

Fields are named by path (`group/field`) or by a name that is unique in the form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pantau.errors import Problems
from pantau.forms.hxl import TagError, parse_tag
from pantau.forms.personal import OVERRIDE_KEYS
from pantau.forms.vocab import (
    AGE_GROUPS,
    AGE_RANGE,
    CONTEXT_DIMENSIONS,
    POPULATION_GROUPS,
    SECTORS,
    VALUE_DIMENSIONS,
)

_ALLOWED = {"population_group": set(POPULATION_GROUPS.values()),
            "unit": {"individuals", "households"}, "sex": {"f", "m"},
            "sector": set(SECTORS.values())}
_TOP = {"fields", "estimate_individuals", *OVERRIDE_KEYS}


def load_mapping(source: str | Path | dict[str, Any], fields: list[dict[str, Any]],
                 problems: Problems) -> tuple[dict[str, Any], bool | None]:
    """(overrides keyed by field path, estimate_individuals or None); problems collected."""
    doc = _read(source, problems)
    if doc is None:
        return {}, None
    for key in doc:
        if key not in _TOP:
            problems.add(f"unknown key '{key}' (expected: fields, estimate_individuals, "
                         f"{', '.join(OVERRIDE_KEYS)})")
    estimate = doc.get("estimate_individuals")
    if estimate is not None and not isinstance(estimate, bool):
        problems.add("estimate_individuals must be true or false", fld="estimate_individuals")
        estimate = None
    given = doc.get("fields") or {}
    if not isinstance(given, dict):
        problems.add("'fields' must map field names to a tag or to dimensions")
        return {}, estimate
    by_path = {f["path"]: f for f in fields}
    by_name: dict[str, list[str]] = {}
    for f in fields:
        by_name.setdefault(f["name"], []).append(f["path"])
    overrides: dict[str, Any] = {}
    for key, spec in given.items():
        path = _resolve(str(key), by_path, by_name, problems)
        if path is not None and _check(str(key), spec, problems):
            overrides[path] = _normal(spec)
    return overrides, estimate


def load_personal(source: str | Path | dict[str, Any], fields: list[dict[str, Any]],
                  problems: Problems) -> dict[str, list[str]]:
    """The file's `personal`, `not_personal` and `quasi_identifiers` lists as field paths
    (only the keys given); problems collected. A file that does not read gives nothing here:
    `load_mapping` has reported it."""
    doc = _read(source, Problems("again"))
    if doc is None:
        return {}
    by_path = {f["path"]: f for f in fields}
    by_name: dict[str, list[str]] = {}
    for f in fields:
        by_name.setdefault(f["name"], []).append(f["path"])
    out: dict[str, list[str]] = {}
    for key in OVERRIDE_KEYS:
        if key not in doc:
            continue
        given = doc[key] or []
        if not isinstance(given, list) or not all(isinstance(g, str) for g in given):
            problems.add(f"'{key}' must be a list of field names", fld=key)
            continue
        paths = [_resolve(g, by_path, by_name, problems) for g in given]
        out[key] = [p for p in paths if p is not None]
    both = set(out.get("personal", [])) & set(out.get("not_personal", []))
    for path in sorted(both):
        problems.add("listed as both personal and not_personal", fld=path)
    return out


def _read(source: str | Path | dict[str, Any], problems: Problems) -> dict[str, Any] | None:
    if isinstance(source, dict):
        return source
    try:
        doc = yaml.safe_load(Path(source).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problems.add("file not found")
        return None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.add(f"not a YAML mapping file: {str(exc).splitlines()[0]}")
        return None
    if not isinstance(doc, dict):
        problems.add("a mapping file is a YAML mapping with a 'fields' key")
        return None
    return doc


def _resolve(key: str, by_path: dict[str, Any], by_name: dict[str, list[str]],
             problems: Problems) -> str | None:
    if key in by_path:
        return key
    paths = by_name.get(key, [])
    if len(paths) == 1:
        return paths[0]
    if paths:
        problems.add(f"'{key}' is the name of several fields ({', '.join(paths)}): use the "
                     "path", fld=key)
    else:
        problems.add("no such field in the form", fld=key)
    return None


def _check(key: str, spec: Any, problems: Problems) -> bool:
    if spec is None:
        return True
    if isinstance(spec, str):
        try:
            parse_tag(spec)
        except TagError as exc:
            problems.add(str(exc), fld=key)
            return False
        return True
    if not isinstance(spec, dict):
        problems.add("expected an HXL tag, a dict of dimensions or null", fld=key)
        return False
    if "dimension" in spec:
        if set(spec) != {"dimension"} or spec["dimension"] not in CONTEXT_DIMENSIONS:
            problems.add(f"dimension must be one of {', '.join(CONTEXT_DIMENSIONS)} "
                         "(and alone)", fld=key)
            return False
        return True
    ok = True
    for dim, value in spec.items():
        if dim == "indicator":
            continue
        if dim not in VALUE_DIMENSIONS:
            problems.add(f"unknown dimension '{dim}' (expected: {', '.join(VALUE_DIMENSIONS)}, "
                         "indicator, or dimension)", fld=key)
            ok = False
        elif not _valid(dim, value):
            problems.add(f"{dim} '{value}' is not allowed", fld=key)
            ok = False
    return ok


def _valid(dim: str, value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if dim in _ALLOWED:
        return value in _ALLOWED[dim]
    if dim == "age_group":
        return value in AGE_GROUPS or bool(AGE_RANGE.fullmatch(value))
    return len(value) <= 40


def _normal(spec: Any) -> Any:
    return str(parse_tag(spec)) if isinstance(spec, str) else spec
