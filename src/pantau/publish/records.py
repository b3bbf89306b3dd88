"""Record-level export: one row per current submission of a form, for analysts.

Unlike the aggregated tables, records can single people out, so

- personal fields (`pantau.forms.personal`) are left out unless `include_personal` is given
  (a right the access layer grants by role and writes to the audit log), and the
  submitter (an account name) goes with them;
- before anything is written, the release is checked for k-anonymity and re-identification
  risk on its quasi-identifiers (`pantau.publish.disclosure.risk`) and blocked above the
  operation's threshold; the figures are in the result and the metadata sheet.

Only approved records are exported by default (`states`), the same rule as the figures.
Answers inside repeat groups are not written (one row per record): the row holds how many
items each repeat has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pantau import __version__
from pantau.errors import PantauError
from pantau.forms.personal import personal_paths, quasi_paths, redact
from pantau.forms.store import forms_of, get_form
from pantau.ingest.review import REVIEW_STATES
from pantau.operations import get_operation
from pantau.publish.disclosure import Risk, check_release, risk
from pantau.publish.writers import write_xlsx
from pantau.store.models import FormVersion, Round, Submission, SubmissionVersion
from pantau.tabular import write_table

if TYPE_CHECKING:
    from pantau.workspace import Workspace

_SKIP = {"group", "note", "start", "end", "today"}
_FIXED = [("instance_id", "#meta+id"), ("form_version", "#meta+version"),
          ("round_number", "#round+code"), ("review_state", "#status+review")]


@dataclass(frozen=True)
class RecordsResult:
    path: Path
    form: str
    rows: int
    columns: list[str]
    left_out: list[str]  # personal fields not written
    risk: Risk
    include_personal: bool


def export_records(ws: Workspace, operation: str, out: Path, form: str | None = None, *,
                   include_personal: bool = False, keys: list[str] | None = None,
                   k: int = 3, max_risk: float = 0.03,
                   states: tuple[str, ...] = ("approved",)) -> RecordsResult:
    """Write the records (see the module's docstring); nothing is written when the release
    is blocked or an argument is wrong."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise PantauError("invalid", message=f"unknown export format '{out.suffix}' for "
                          "records (use .csv or .xlsx)")
    bad = [s for s in states if s not in REVIEW_STATES]
    if bad:
        raise PantauError("invalid", message=f"unknown review state(s) {', '.join(bad)} (use "
                          f"{', '.join(REVIEW_STATES)})")
    with ws.session() as s:
        op = get_operation(s, operation)
        if form is None:
            forms = forms_of(s, op.id)
            if len(forms) != 1:
                names = ", ".join(x.xml_form_id for x in forms) or "none"
                raise PantauError("invalid", message=f"operation '{operation}' has "
                                  f"{len(forms)} forms ({names}): name one with --form")
            f = forms[0]
        else:
            f = get_form(s, operation, form)
        versions = list(s.scalars(select(FormVersion).where(FormVersion.form_id == f.id)
                                  .order_by(FormVersion.current.desc(), FormVersion.id.desc())))
        rows = s.execute(
            select(Submission.instance_id, Submission.review_state, Round.number,
                   SubmissionVersion.form_version_id, SubmissionVersion.data)
            .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
            .outerjoin(Round, Round.id == Submission.round_id)
            .where(Submission.form_id == f.id, SubmissionVersion.current.is_(True),
                   Submission.deleted_at.is_(None), Submission.review_state.in_(states))
            .order_by(Submission.id)).all()
        form_id = f.xml_form_id
    fields, personal, quasi = _columns(versions)
    version_names = {v.id: v.version for v in versions}
    written = [p for p in fields if include_personal or p["path"] not in personal]
    left_out = [] if include_personal else [p["path"] for p in fields if p["path"] in personal]
    if keys is None:
        keys = [q for q in quasi if include_personal or q not in personal]
    unknown = [key for key in keys if key not in {p["path"] for p in written}
               and key not in {p["name"] for p in written}]
    if unknown:
        raise PantauError("invalid", message=f"--key {', '.join(unknown)}: no such field in "
                          f"the exported records of form '{form_id}'")
    keys = [_path_of(key, written) for key in keys]
    records = []
    for instance_id, state, number, fv_id, data in rows:
        data = (data or {}) if include_personal else redact(data or {}, personal, None)
        records.append((instance_id, version_names.get(fv_id), number, state, data))
    r = risk([tuple(rec[4].get(key) for key in keys) for rec in records], keys, k)
    check_release(r, max_risk)
    columns = [c for c, _ in _FIXED] + [_column(p) for p in written]
    tags = [t for _, t in _FIXED] + [p.get("hxl") or "" for p in written]
    table = [[iid, ver, number, state, *(_cell(data, p) for p in written)]
             for iid, ver, number, state, data in records]
    if suffix == ".xlsx":
        write_xlsx(out, columns, tags, table, _metadata(operation, form_id, r, max_risk,
                                                        left_out, include_personal, states))
    else:
        write_table(out, columns, table, hxl=tags)
    return RecordsResult(out, form_id, len(table), columns, left_out, r, include_personal)


def _columns(versions: list[FormVersion]) -> tuple[list[dict[str, Any]], set[str], list[str]]:
    """The fields of every version (the current version's order first), the personal ones
    (personal in any version) and the quasi-identifiers."""
    seen: dict[str, dict[str, Any]] = {}
    personal: set[str] = set()
    quasi: list[str] = []
    for v in versions:
        fields = v.fields or []
        personal |= personal_paths(fields)
        quasi += [q for q in quasi_paths(fields) if q not in quasi]
        for f in fields:
            if f["type"] in _SKIP or f.get("repeat"):  # inside a repeat: not one value
                continue
            seen.setdefault(f["path"], f)
    return list(seen.values()), personal, quasi


def _path_of(key: str, fields: list[dict[str, Any]]) -> str:
    paths = [f["path"] for f in fields if key in (f["path"], f["name"])]
    return paths[0]


def _column(f: dict[str, Any]) -> str:
    return f"{f['path']} (items)" if f["type"] == "repeat" else f["path"]


def _cell(data: dict[str, Any], f: dict[str, Any]) -> Any:
    value = data.get(f["path"])
    if f["type"] == "repeat":
        return len(value) if isinstance(value, list) else 0
    return value


def _metadata(operation: str, form: str, r: Risk, max_risk: float, left_out: list[str],
              include_personal: bool, states: tuple[str, ...]) -> dict[str, Any]:
    return {
        "title": f"{operation} — records of form {form}",
        "operation": operation, "form": form, "rows": r.records,
        "review_states": ", ".join(states),
        "personal_fields": "INCLUDED (not for publication)" if include_personal else
        ("left out: " + ", ".join(left_out) if left_out else "none in the form"),
        "quasi_identifiers": ", ".join(r.keys) or "none",
        "k_anonymity": f"{r.below_k} records share their quasi-identifiers with fewer than "
                       f"{r.k - 1} others (k={r.k})",
        "global_risk": f"{r.global_risk:.2%} (expected re-identifications {r.expected:.1f}; "
                       f"individual risk 1/f_k; threshold {max_risk:.1%})",
        "repeats": "answers inside repeat groups are not written; '(items)' columns count them",
        "hxl": "the second row holds HXL hashtags (https://hxlstandard.org)",
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
        "generated_by": f"pantau {__version__}",
    }
