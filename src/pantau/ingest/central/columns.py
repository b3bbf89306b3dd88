"""Which form field each column of an ODK Central CSV holds.

Central names a column by the field's path relative to the table (the root, or the innermost
repeat for a repeat table) with `-` between group names (`location-site_id`); with "group
names" switched off in the export it is the bare field name. A geopoint becomes four columns
(`…-Latitude`, `-Longitude`, `-Altitude`, `-Accuracy`); with "split select multiples" a
select_multiple gets one extra 0/1 column per choice (`…/choice`) after its own column.
Names are matched as whole strings, never split on `-`, because XML names may hold a `-`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Columns Central adds; they describe the submission, they are not answers.
META = frozenset({
    "SubmissionDate", "KEY", "PARENT_KEY", "SubmitterID", "SubmitterName",
    "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
    "FormVersion", "instanceID", "deprecatedID", "instanceName",
})
GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
CONTAINERS = frozenset({"group", "begin_group", "begin group", "repeat", "begin_repeat",
                        "begin repeat"})


@dataclass(frozen=True)
class Column:
    """What one column holds: a whole value, a geopoint part or one choice of a select."""

    index: int
    path: str
    kind: str  # value | geo | choice
    part: int = 0  # geopoint part 0..3
    choice: str = ""


@dataclass
class Plan:
    """The columns of one table resolved against the form; `meta` maps Central's own names."""

    columns: list[Column]
    meta: dict[str, int]
    unknown: list[str]


def is_container(field: dict[str, Any]) -> bool:
    return str(field.get("type", "")).lower() in CONTAINERS


def plan_columns(header: list[str], fields: list[dict[str, Any]],
                 repeat: str | None) -> Plan:
    """Resolve a table's header: `repeat` is the path of the repeat the table holds, or None
    for the main table."""
    names = _names(fields, repeat)
    columns: list[Column] = []
    meta: dict[str, int] = {}
    unknown: list[str] = []
    for i, raw in enumerate(header):
        name = raw.strip()
        base = name.rsplit("-", 1)[-1] if "-" in name else name
        if name.startswith("meta-") or name in META or base in ("instanceID", "deprecatedID"):
            meta.setdefault(base if name.startswith("meta-") else name, i)
        elif name in names:
            columns.append(Column(i, *names[name]))
        elif name:
            unknown.append(name)
    return Plan(columns, meta, unknown)


def _names(fields: list[dict[str, Any]], repeat: str | None
           ) -> dict[str, tuple[str, str, int, str]]:
    """Every spelling a column of this table may have → (path, kind, part, choice)."""
    mine = [f for f in fields if f.get("repeat") == repeat and not is_container(f)
            and f.get("path")]
    counts: dict[str, int] = {}
    for f in mine:
        counts[f["name"]] = counts.get(f["name"], 0) + 1
    out: dict[str, tuple[str, str, int, str]] = {}
    for f in mine:
        path: str = f["path"]
        rel = path[len(repeat) + 1:] if repeat and path.startswith(repeat + "/") else path
        spellings = {rel.replace("/", "-"), rel, rel.replace("/", "."), path,
                     path.replace("/", "-")}
        if counts[f["name"]] == 1:
            spellings.add(f["name"])
        kind = str(f.get("type", "")).lower()
        for s in spellings:
            out.setdefault(s, (path, "value", 0, ""))
            if kind == "geopoint":
                for n, part in enumerate(GEO_PARTS):
                    out.setdefault(f"{s}-{part}", (path, "geo", n, ""))
            if kind in ("select_multiple", "select_multiple_from_file"):
                for c in f.get("choices") or []:
                    out.setdefault(f"{s}/{c['name']}", (path, "choice", 0, str(c["name"])))
    return out


SELECTED = frozenset({"1", "true", "yes"})


def row_values(plan: Plan, cells: list[str]) -> dict[str, str]:
    """The answers of one row, as the submission XML holds them: text, empty left out,
    geopoints joined back to "lat lon alt acc", split choices joined with spaces."""
    out: dict[str, str] = {}
    geo: dict[str, list[str]] = {}
    picked: dict[str, list[str]] = {}
    for col in plan.columns:
        cell = cells[col.index] if col.index < len(cells) else ""
        if col.kind == "value":
            if cell != "":
                out[col.path] = cell
        elif col.kind == "geo":
            geo.setdefault(col.path, ["", "", "", ""])[col.part] = cell.strip()
        elif cell.strip().lower() in SELECTED:
            picked.setdefault(col.path, []).append(col.choice)
        else:
            picked.setdefault(col.path, [])
    for path, parts in geo.items():
        if path not in out and any(parts):
            out[path] = " ".join(p for p in parts if p)
    for path, choices in picked.items():
        if path not in out and choices:
            out[path] = " ".join(choices)
    return out
