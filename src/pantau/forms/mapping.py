"""Build a form version's mapping: which fields are counted and which give dimensions.

The mapping is JSON stored on the FormVersion and read by `observations.observations_for`
for every submission, so it is pre-digested into one *scope* per repeat:

    {"format": 1, "estimate_individuals": bool, "overrides": {field: tag | dict | None},
     "roles": {field path: role dict (see roles.py) + "tag"},
     "root": {"path": "", "dimensions": [...], "values": [...], "estimates": [...],
              "repeats": [scope, ...]}}

A repeat item's observations take the item's dimensions first, then its parents'.
"""

from __future__ import annotations

from typing import Any

from pantau.forms.hxl import TagError, parse_tag
from pantau.forms.roles import indicator_for, role_of
from pantau.forms.vocab import NOT_DATA, NUMERIC_TYPES

FORMAT = 1
Issue = tuple[str, str, str]  # (field path, message, "error" | "warning")


def build_mapping(fields: list[dict[str, Any]], overrides: dict[str, Any] | None = None,
                  estimate_individuals: bool = False) -> tuple[dict[str, Any], list[Issue]]:
    """The mapping of `fields` (FormVersion.fields) with a mapping file's `overrides`."""
    overrides = overrides or {}
    issues: list[Issue] = []
    roles: dict[str, dict[str, Any]] = {}
    for f in fields:
        role = _field_role(f, overrides, issues)
        if role is not None:
            roles[f["path"]] = role
    root = _scopes(fields, roles)
    if estimate_individuals:
        _add_estimates(root)
    elif _households_only(root):
        issues.append(("", "the form counts households without individuals; set "
                       "estimate_individuals (settings sheet or mapping file) to estimate "
                       "individuals from the operation's average household size", "warning"))
    mapping = {"format": FORMAT, "estimate_individuals": estimate_individuals,
               "overrides": overrides, "roles": roles, "root": root}
    return mapping, issues


def describe(fields: list[dict[str, Any]], mapping: dict[str, Any]) -> dict[str, Any]:
    """Per field: type, tag, role and dimensions; then what is unmapped (for `inspect`)."""
    roles = mapping.get("roles", {})
    estimated = {e["field"]: e for e in _all(mapping.get("root"), "estimates")}
    rows, unmapped, unmapped_values = [], [], []
    for f in fields:
        role = roles.get(f["path"])
        row = {"path": f["path"], "type": f["type"], "hxl": f.get("hxl"),
               "role": role["role"] if role else None, "tag": role.get("tag") if role else None,
               "dimensions": _dimensions_text(role), "repeat": f.get("repeat")}
        if f["path"] in estimated:
            row["dimensions"] += "; individuals estimated ×household size"
        rows.append(row)
        if role is None and f["type"] not in NOT_DATA and f["path"] != "meta":
            unmapped.append(f["path"])
        if f["type"] in NUMERIC_TYPES - {"calculate"} and (
                role is None or role["role"] != "value"):
            unmapped_values.append(f["path"])
    return {"fields": rows, "unmapped": unmapped, "unmapped_values": unmapped_values,
            "estimate_individuals": mapping.get("estimate_individuals", False)}


def _field_role(f: dict[str, Any], overrides: dict[str, Any],
                issues: list[Issue]) -> dict[str, Any] | None:
    path = f["path"]
    if f["type"] in ("group", "repeat"):
        return None
    if path in overrides:
        given = overrides[path]
        if given is None:
            return {"role": "ignored", "tag": None, "note": "ignored by the mapping file"}
        if isinstance(given, dict):
            return _explicit_role(given)
        text = given
    elif f.get("hxl"):
        text = f["hxl"]
    else:
        return None
    try:
        tag = parse_tag(text)
        role, warnings = role_of(tag, f)
    except TagError as exc:
        issues.append((path, str(exc), "error"))
        return None
    issues.extend((path, w, "warning") for w in warnings)
    role["tag"] = str(tag)
    return role


def _explicit_role(given: dict[str, Any]) -> dict[str, Any]:
    """A mapping-file dict (already validated by mapfile.py) as a role."""
    if "dimension" in given:
        kind = "pcode" if given["dimension"].endswith("_pcode") else \
            "date" if given["dimension"] == "date" else "text"
        return {"role": "dimension", "dimension": given["dimension"], "priority": 5,
                "kind": kind, "tag": None}
    dims = {k: v for k, v in given.items() if k != "indicator" and v is not None}
    dims.setdefault("unit", "individuals")
    indicator = given.get("indicator") or indicator_for(dims)
    return {"role": "value", "indicator": indicator, "type": "decimal", "dims": dims,
            "tag": indicator}


def _scopes(fields: list[dict[str, Any]], roles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    scopes = {"": _scope("")}
    for f in fields:
        if f["type"] == "repeat":
            scopes[f["path"]] = _scope(f["path"])
    for f in fields:
        if f["type"] == "repeat":
            scopes[f.get("repeat") or ""]["repeats"].append(scopes[f["path"]])
        role = roles.get(f["path"])
        if role is None:
            continue
        scope = scopes[f.get("repeat") or ""]
        if role["role"] == "dimension":
            scope["dimensions"].append({"field": f["path"], "dimension": role["dimension"],
                                        "priority": role["priority"], "kind": role["kind"]})
        elif role["role"] in ("value", "choices", "flag"):
            scope["values"].append({"field": f["path"], "kind": role["role"],
                                    "indicator": role["indicator"],
                                    "type": role.get("type", f["type"]), "dims": role["dims"]})
    for scope in scopes.values():
        scope["dimensions"].sort(key=lambda d: -d["priority"])
    return scopes[""]


def _scope(path: str) -> dict[str, Any]:
    return {"path": path, "dimensions": [], "values": [], "estimates": [], "repeats": []}


def _add_estimates(scope: dict[str, Any]) -> None:
    """For each households count, individuals = households × size where no individuals answer
    (no such field, or that field left empty in the submission)."""
    for v in scope["values"]:
        dims = v["dims"]
        if v["kind"] != "value" or dims.get("unit") != "households" \
                or dims.get("sex") or dims.get("age_group"):
            continue
        twin = {**dims, "unit": "individuals"}
        same = next((w["field"] for w in scope["values"] if w["kind"] == "value"
                     and w["dims"] == twin and _hashtag(w) == _hashtag(v)), None)
        scope["estimates"].append({"field": v["field"], "unless": same, "dims": twin,
                                   "indicator": _individuals_tag(v["indicator"])})
    for child in scope["repeats"]:
        _add_estimates(child)


def _households_only(scope: dict[str, Any]) -> bool:
    units = {v["dims"].get("unit") for v in _all(scope, "values") if v["kind"] == "value"}
    return "households" in units and "individuals" not in units


def _individuals_tag(indicator: str) -> str:
    parts = indicator.split("+")
    out = ["ind" if p in ("hh", "households") else p for p in parts]
    if out == parts:
        out.append("ind")
    return "+".join(out)


def _hashtag(value: dict[str, Any]) -> str:
    return value["indicator"].split("+")[0]


def _all(scope: dict[str, Any] | None, key: str) -> list[dict[str, Any]]:
    if not scope:
        return []
    out = list(scope[key])
    for child in scope["repeats"]:
        out.extend(_all(child, key))
    return out


def _dimensions_text(role: dict[str, Any] | None) -> str:
    if role is None:
        return ""
    if role["role"] == "dimension":
        return role["dimension"]
    if role["role"] in ("value", "choices", "flag"):
        dims = ", ".join(f"{k}={v}" for k, v in role["dims"].items())
        extra = {"choices": "; sector = each chosen answer", "flag": "; yes=1, no=0"}
        return dims + extra.get(role["role"], "")
    return role.get("note", "")
