"""Which form field each column of an ODK Central CSV holds.

Central names a column by the field's path relative to the table (the root, or the innermost
repeat for a repeat table) with `-` between group names (`location-site_id`); with "group
names" switched off in the export it is the bare field name. A geopoint becomes four columns
(`…-Latitude`, `-Longitude`, `-Altitude`, `-Accuracy`); with "split select multiples" a
select_multiple gets one extra 0/1 column per choice (`…/choice`) after its own column.

The spellings are resolved by `pantau.ingest.headers`, shared with the Kobo reader. Two things
are Central's own: its columns (`KEY`, `SubmissionDate`, `meta-instanceID` …) are taken out
first, so a form field such as `deviceid` can never claim Central's `DeviceID`; and the
resolver is given the fields without their labels, as Central writes names, never labels — a
column that matches only a label is another form's and must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pantau.ingest.headers import Column, HeaderResolver, is_selected

# Columns Central adds; they describe the submission, they are not answers.
META = frozenset({
    "SubmissionDate", "KEY", "PARENT_KEY", "SubmitterID", "SubmitterName",
    "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
    "FormVersion", "instanceID", "deprecatedID", "instanceName",
})


@dataclass
class Plan:
    """The columns of one table resolved against the form; `meta` maps Central's own names."""

    columns: list[Column]
    meta: dict[str, int]
    unknown: list[str]


def plan_columns(header: list[str], fields: list[dict[str, Any]],
                 repeat: str | None) -> Plan:
    """Resolve a table's header: `repeat` is the path of the repeat the table holds, or None
    for the main table."""
    meta: dict[str, int] = {}
    answers: list[str] = []
    for i, raw in enumerate(header):
        name = "" if raw is None else str(raw).strip()
        key = _meta_key(name)
        if key is not None:
            meta.setdefault(key, i)
            name = ""  # the resolver skips empty headers and keeps the indexes
        answers.append(name)
    resolved = HeaderResolver(_unlabelled(fields), repeat, meta_names=(),
                              meta_prefixes=()).resolve(answers)
    return Plan(resolved.columns, meta, [name for name, _ in resolved.unknown])


def _meta_key(name: str) -> str | None:
    """Central's name for one of its own columns (`meta-instanceID` → `instanceID`)."""
    base = name.rsplit("-", 1)[-1]
    if name.startswith("meta-"):
        return base
    return name if name in META or base in ("instanceID", "deprecatedID") else None


def _unlabelled(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields with neither their labels nor their choices' labels."""
    return [{**f, "label": None,
             "choices": [{**c, "label": None} for c in f.get("choices") or []] or None}
            for f in fields]


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
        elif is_selected(cell, col.choice):
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
