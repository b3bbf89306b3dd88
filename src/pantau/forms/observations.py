"""Turn one submission's data into observations through its form version's mapping.

Runs for every submission received (from files, servers and OpenRosa), so the mapping is
pre-digested (see mapping.py) and this module only walks it: the record's dimensions, then
its counted values, then each repeat item with the item's dimensions over its parents'.
Empty or non-numeric answers give no observation; the raw answer stays in the submission
for the quality checks.
"""

from __future__ import annotations

from typing import Any

from pantau.forms.values import parse_count, parse_day
from pantau.forms.vocab import MAX_LENGTH, NO, OBSERVATION_KEYS, SECTORS, YES

_EMPTY = dict.fromkeys(OBSERVATION_KEYS)
_ADMIN = frozenset({"admin1_pcode", "admin2_pcode", "admin3_pcode", "admin4_pcode"})


def observations_for(mapping: dict[str, Any], data: dict[str, Any],
                     avg_household_size: float | None) -> list[dict[str, Any]]:
    """Rows with the Observation columns other than version, operation, round and type."""
    root = mapping.get("root") if mapping else None
    if not root:
        return []
    out: list[dict[str, Any]] = []
    estimate = avg_household_size if mapping.get("estimate_individuals") else None
    _walk(root, data, _EMPTY, estimate, out)
    return out


def _walk(scope: dict[str, Any], item: dict[str, Any], parent: dict[str, Any],
          household_size: float | None, out: list[dict[str, Any]]) -> None:
    context = _context(scope["dimensions"], item, parent)
    for v in scope["values"]:
        _emit(v, item.get(v["field"]), context, out)
    if household_size is not None:
        for e in scope["estimates"]:
            _estimate(e, item, context, household_size, out)
    for child in scope["repeats"]:
        items = item.get(child["path"])
        if isinstance(items, list):
            for sub in items:
                if isinstance(sub, dict):
                    _walk(child, sub, context, household_size, out)


def _context(dimensions: list[dict[str, Any]], item: dict[str, Any],
             parent: dict[str, Any]) -> dict[str, Any]:
    """The parent's dimensions, overridden by the first answered field per dimension here
    (fields come sorted best first: assessment date before reported date, adm3 before adm2
    origin). Admin P-codes go together: a repeat item that names another place than its
    parent's does not keep the parent's other levels."""
    if not dimensions:
        return parent
    context = dict(parent)
    done: set[str] = set()
    for d in dimensions:
        name = d["dimension"]
        if name in done:
            continue
        raw = item.get(d["field"])
        if raw is None:
            continue
        value = _dimension_value(d, raw)
        if value is not None:
            context[name] = value
            done.add(name)
    given = done & _ADMIN
    if given and any(context[k] != parent[k] for k in given):
        for level in _ADMIN - done:  # another place: the parent's other levels do not apply
            context[level] = None
    return context


def _dimension_value(d: dict[str, Any], raw: Any) -> Any:
    if raw is None or isinstance(raw, list | dict):
        return None
    kind = d["kind"]
    if kind == "date":
        return parse_day(raw)
    text = str(raw).strip()
    if kind == "choice":
        text = text.split(" ", 1)[0] if text else text
    elif kind == "pcode":
        text = text.upper()
    if not text or len(text) > MAX_LENGTH.get(d["dimension"], 60):
        return None
    return text


def _emit(v: dict[str, Any], raw: Any, context: dict[str, Any],
          out: list[dict[str, Any]]) -> None:
    kind = v["kind"]
    if kind == "value":
        if raw.__class__ is str and raw.isdigit():  # the common case, fast
            value: float | None = float(raw)
        else:
            value = parse_count(raw, v.get("type") == "integer")
        if value is not None:
            out.append(_row(context, v["dims"], v["indicator"], v["field"], value))
    elif kind == "flag":
        answer = str(raw).strip().lower() if raw is not None else ""
        if answer in YES or answer in NO:
            out.append(_row(context, v["dims"], v["indicator"], v["field"],
                            1.0 if answer in YES else 0.0))
    elif raw is not None:  # choices: each chosen answer counts once
        for choice in dict.fromkeys(str(raw).split()):
            sector = SECTORS.get(choice.lower(), choice)[: MAX_LENGTH["sector"]]
            out.append(_row(context, {**v["dims"], "sector": sector}, v["indicator"],
                            v["field"], 1.0))


def _estimate(e: dict[str, Any], item: dict[str, Any], context: dict[str, Any],
              household_size: float, out: list[dict[str, Any]]) -> None:
    if e["unless"] is not None and parse_count(item.get(e["unless"]), False) is not None:
        return
    households = parse_count(item.get(e["field"]), True)
    if households is None:
        return
    row = _row(context, e["dims"], e["indicator"], e["field"], households * household_size)
    row["estimated"] = True
    out.append(row)


def _row(context: dict[str, Any], dims: dict[str, Any], indicator: str, field: str,
         value: float) -> dict[str, Any]:
    row = {**context, **dims}
    row["indicator"] = indicator
    row["field"] = field
    row["value"] = value
    row["estimated"] = False
    return row
