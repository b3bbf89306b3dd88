"""The cleaning log, in the shape REACH/IMPACT use: uuid, field, old value, new value, reason
(who and when are recorded as it is applied).

`export_log` writes the answers to clean (those with flags, or all) with the current value as
both old and new value: the data manager edits `new_value` (and `reason`) offline in Excel.
`apply_log` reads it back through the project's table reader and checks every row before
anything changes; any problem stops it, with every problem listed by file, row and field.
Each changed submission then gets a new version through the storage rules (`receive`, as an
edit of its current version: observations are recomputed, nothing is overwritten), and each
applied row is a `cleaning_log` row. A row whose field is `_delete` (new value `yes`) deletes
the submission softly, with its reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import PantauError, Problems
from pantau.forms.personal import is_personal, personal_by_version
from pantau.forms.store import get_form
from pantau.ingest.incoming import Incoming
from pantau.ingest.receive import receive
from pantau.operations import get_operation
from pantau.quality.cleanvalues import (
    CellProblem,
    answer_text,
    cell_text,
    container,
    same,
    split_path,
)
from pantau.quality.config import QualityConfig, defaults
from pantau.quality.formrules import FormRules
from pantau.quality.run import fields_with_rules, run_checks
from pantau.review.locks import lock_of
from pantau.store.models import (
    CleaningLog,
    Form,
    FormVersion,
    Observation,
    QualityFlag,
    Round,
    Submission,
    SubmissionVersion,
)
from pantau.tabular import read_table, write_table

COLUMNS = ("uuid", "form", "round", "site", "field", "old_value", "new_value", "reason",
           "flags")
DELETE = "_delete"
_NOT_CLEANABLE = frozenset({"group", "repeat", "note"})
_RULE_CHECKS = frozenset({"required", "type", "choice", "constraint"})
_ALIASES = {  # our column → names other cleaning-log templates use
    "uuid": ("uuid", "_uuid", "instanceid", "meta/instanceid"),
    "field": ("field", "question", "question.name", "variable"),
    "old_value": ("old_value", "old value", "old.value"),
    "new_value": ("new_value", "new value", "new.value"),
    "reason": ("reason", "issue", "comment"),
}
Progress = Callable[[int, int], None]


@dataclass
class CleanResult:
    """What an apply did."""

    changed: int = 0  # rows applied as changes
    deleted: int = 0  # submissions deleted
    unchanged: int = 0  # rows whose new value is the old one (skipped)
    versions: list[int] = field(default_factory=list)  # new version ids


@dataclass
class _Current:
    sub: Submission
    version: SubmissionVersion
    form: Form
    fields: dict[str, dict[str, Any]]  # path → field


# export ------------------------------------------------------------------------------------
def export_log(s: Session, operation: str, out: Path, form: str | None = None,
               flagged: bool = False) -> int:
    """Write the cleaning log to edit; returns the number of rows."""
    op = get_operation(s, operation)
    q = (select(Submission, SubmissionVersion, Form.xml_form_id, Round.number)
         .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
         .join(Form, Form.id == Submission.form_id)
         .outerjoin(Round, Round.id == Submission.round_id)
         .where(Form.operation_id == op.id, SubmissionVersion.current.is_(True),
                Submission.deleted_at.is_(None)))
    if form:
        q = q.where(Form.id == get_form(s, operation, form).id)
    rows = s.execute(q.order_by(Submission.id)).all()
    vids = [v.id for _, v, _, _ in rows]
    flags: dict[tuple[int, str], list[str]] = {}
    sites: dict[int, str] = {}
    for i in range(0, len(vids), 1000):
        chunk = vids[i:i + 1000]
        for vid, check, fld, message in s.execute(
                select(QualityFlag.version_id, QualityFlag.check_name, QualityFlag.field,
                       QualityFlag.message).where(QualityFlag.version_id.in_(chunk))
                .order_by(QualityFlag.id)):
            if fld:
                flags.setdefault((vid, fld), []).append(f"{check}: {message}")
        sites.update(s.execute(select(Observation.version_id, Observation.site_code)
                               .where(Observation.version_id.in_(chunk),
                                      Observation.site_code.is_not(None))).all())
    kinds = _field_kinds(s, {v.form_version_id for _, v, _, _ in rows})
    personal = personal_by_version(s, {v.form_version_id for _, v, _, _ in rows})
    out_rows: list[list[Any]] = []
    for sub, v, xml_form_id, number in rows:
        if flagged:
            names = sorted({f for (vid, f) in flags if vid == v.id})
        else:
            names = list(_answered(v.data or {}, kinds.get(v.form_version_id or -1, {})))
        # Personal answers never leave in a cleaning log (they are edited in the store).
        names = [n for n in names if not is_personal(n, personal.get(v.form_version_id or -1))]
        for name in names:
            plain, steps = split_path(name)
            holder = container(v.data or {}, steps)
            old = answer_text(holder.get(plain)) if holder is not None else ""
            out_rows.append([sub.instance_id, xml_form_id, number, sites.get(v.id), name, old,
                             old, "", " | ".join(flags.get((v.id, name), []))])
    write_table(out, COLUMNS, out_rows, sheet="cleaning_log")
    return len(out_rows)


def _field_kinds(s: Session, version_ids: set[int | None]) -> dict[int, dict[str, str]]:
    """Form version → path → type, of the questions a cleaning log may change."""
    out: dict[int, dict[str, str]] = {}
    for fv in s.scalars(select(FormVersion).where(
            FormVersion.id.in_([v for v in version_ids if v is not None]))):
        out[fv.id] = {f["path"]: f.get("type") or "" for f in fv.fields or []
                      if f.get("type") not in _NOT_CLEANABLE}
    return out


def _answered(data: dict[str, Any], kinds: dict[str, str], prefix: str = "",
              index: str = "") -> list[str]:
    """The answered fields of a record (repeat items numbered as the flags name them)."""
    out = []
    for key, value in data.items():
        name = index + key[len(prefix):] if index else key
        if isinstance(value, list):
            for n, item in enumerate(value, 1):
                if isinstance(item, dict):
                    out += _answered(item, kinds, key, f"{name}[{n}]")
        elif key in kinds and value not in (None, ""):
            out.append(name)
    return out


# apply -------------------------------------------------------------------------------------
@dataclass
class _Row:
    number: int
    sub_key: str
    field: str
    old: str
    new: str
    reason: str


def apply_log(s: Session, operation: str, path: Path, by: str, form: str | None = None,
              config: QualityConfig | None = None, progress: Progress | None = None
              ) -> CleanResult:
    """Check every row, then apply them all (or nothing)."""
    path = Path(path)
    problems = Problems(path.name)
    table = read_table(path, problems, expect=("uuid", "field"))
    _xlsx_formulas(path, problems)
    columns = {k: table.column_for(*names) for k, names in _ALIASES.items()}
    missing = [k for k, c in columns.items() if c is None]
    if missing:
        problems.add("missing column(s): " + ", ".join(missing) + " (a cleaning log has uuid, "
                     "field, old_value, new_value and reason)")
        problems.raise_if_errors()
    op = get_operation(s, operation)
    form_ids = [get_form(s, operation, form).id] if form else None
    current: dict[str, _Current | None] = {}
    seen: dict[tuple[str, str], int] = {}
    todo: dict[int, list[_Row]] = {}  # submission id → changed rows
    deletions: dict[int, _Row] = {}
    result = CleanResult()
    for row in table.rows:
        key = str(row.get(columns["uuid"]) or "").strip()
        fld = str(row.get(columns["field"]) or "").strip()
        if not key:
            problems.add("no uuid", row.number, columns["uuid"])
            continue
        if not fld:
            problems.add("no field", row.number, columns["field"])
            continue
        if key not in current:
            current[key] = _find(s, op.id, key, form_ids)
        cur = current[key]
        if cur is None:
            problems.add(f"unknown uuid '{key}': no submission of {operation}"
                         + (f", form {form}" if form else ""), row.number, columns["uuid"])
            continue
        ident = (cur.sub.instance_id, fld)
        if ident in seen:
            problems.add(f"uuid and field again (first on row {seen[ident]})", row.number, fld)
            continue
        seen[ident] = row.number
        parsed = _read_row(row, columns, cur, fld, problems)
        if parsed is None:
            continue
        if parsed == "unchanged":
            result.unchanged += 1
            continue
        where = f"{cur.sub.instance_id}"
        if cur.sub.deleted_at is not None:
            problems.add(f"submission {where} is deleted", row.number, fld)
            continue
        locked = lock_of(s, cur.sub.id)
        if locked:
            problems.add(f"submission {where} is {locked}", row.number, fld)
            continue
        if fld == DELETE:
            deletions[cur.sub.id] = parsed
        else:
            todo.setdefault(cur.sub.id, []).append(parsed)
    by_id = {c.sub.id: c for c in current.values() if c is not None}
    new_data = {sid: _changed(by_id[sid], rows, problems) for sid, rows in todo.items()}
    problems.raise_if_errors()
    _apply(s, op.id, path.name, by, by_id, todo, new_data, deletions, result, progress)
    if result.versions:
        run_checks(s, operation, config or defaults(), version_ids=result.versions)
    return result


def _xlsx_formulas(path: Path, problems: Problems) -> None:
    """The table reader takes an XLSX cell's cached value, and a formula saved by a program
    that does not calculate has none (it would read as empty): formulas are problems."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        for cells in wb.worksheets[0].iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    problems.add("a formula, not a value (paste the values instead)",
                                 cell.row, f"cell {cell.coordinate}")
    finally:
        wb.close()


def _find(s: Session, operation_id: int, key: str, form_ids: list[int] | None
          ) -> _Current | None:
    """The submission a uuid names (its root instance id, with or without `uuid:`)."""
    keys = {key, key.removeprefix("uuid:"), "uuid:" + key.removeprefix("uuid:")}
    q = (select(Submission, SubmissionVersion, Form)
         .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
         .join(Form, Form.id == Submission.form_id)
         .where(Form.operation_id == operation_id, Submission.instance_id.in_(keys),
                SubmissionVersion.current.is_(True)))
    if form_ids is not None:
        q = q.where(Form.id.in_(form_ids))
    found = s.execute(q.limit(1)).first()
    if found is None:
        return None
    sub, version, form = found
    fv = s.get(FormVersion, version.form_version_id) if version.form_version_id else None
    fields = {f["path"]: f for f in (fields_with_rules(fv) if fv else [])}
    return _Current(sub, version, form, fields)


def _read_row(row: Any, columns: dict[str, str | None], cur: _Current, fld: str,
              problems: Problems) -> _Row | str | None:
    """The row as a change, "unchanged", or None (with its problems added)."""
    plain, steps = split_path(fld)
    reason = str(row.get(columns["reason"]) or "").strip()
    if fld == DELETE:
        kind = ""
    elif plain not in cur.fields or cur.fields[plain].get("type") in _NOT_CLEANABLE:
        problems.add(f"unknown field: form '{cur.form.xml_form_id}' has no question "
                     f"'{plain}'", row.number, fld)
        return None
    else:
        kind = cur.fields[plain].get("type") or ""
    values = {}
    for col in ("old_value", "new_value"):
        try:
            values[col] = cell_text(row.get(columns[col]), kind)
        except CellProblem as exc:
            problems.add(f"{col}: {exc}", row.number, fld)
            return None
    old, new = values["old_value"], values["new_value"]
    if fld == DELETE:
        if not new:
            return "unchanged"
        if new.lower() != "yes":
            problems.add("a `_delete` row's new_value is `yes`", row.number, fld)
            return None
    else:
        holder = container(cur.version.data or {}, steps)
        if holder is None:
            problems.add("no such repeat item in the submission", row.number, fld)
            return None
        now = answer_text(holder.get(plain))
        if same(new, old):
            return "unchanged"  # not a change, however old the export
        if not same(old, now):
            problems.add("stale old value: the record changed since the export (the old "
                         "value is not the current value); export again", row.number, fld)
            return None
    if not reason:
        problems.add("a change needs a reason", row.number, columns["reason"])
        return None
    return _Row(row.number, cur.sub.instance_id, fld, old, new, reason)


def _changed(cur: _Current, rows: list[_Row], problems: Problems) -> dict[str, Any]:
    """The current answers with the rows' changes; the form's rules checked on the result
    (type, choice list, constraint, required) for the changed questions."""
    data = copy.deepcopy(cur.version.data or {})
    for r in rows:
        plain, steps = split_path(r.field)
        holder = container(data, steps)
        assert holder is not None  # checked in _read_row
        if r.new == "":
            holder.pop(plain, None)
        else:
            holder[plain] = r.new
    checker = FormRules(cur.form.xml_form_id, list(cur.fields.values()), defaults())
    by_field = {r.field: r for r in rows}
    for found in checker.check(data):
        r = by_field.get(found.field or "")
        if r is not None and found.check in _RULE_CHECKS:
            problems.add(f"new value breaks the form's rules ({found.check}): {found.message}",
                         r.number, r.field)
    return data


def _apply(s: Session, operation_id: int, source: str, by: str, by_id: dict[int, _Current],
           todo: dict[int, list[_Row]], new_data: dict[int, dict[str, Any]],
           deletions: dict[int, _Row], result: CleanResult, progress: Progress | None) -> None:
    now = dt.datetime.now(dt.UTC)
    total = len(todo) + len(deletions)
    done = 0
    for sid, rows in todo.items():
        cur = by_id[sid]
        applied = [{"uuid": r.sub_key, "field": r.field, "old_value": r.old,
                    "new_value": r.new, "reason": r.reason, "who": by,
                    "when": now.isoformat(), "row": r.number} for r in rows]
        fv = s.get(FormVersion, cur.version.form_version_id) \
            if cur.version.form_version_id else None
        inc = Incoming(instance_id=f"uuid:{uuid.uuid4()}", data=new_data[sid],
                       raw=json.dumps(applied, ensure_ascii=False).encode("utf-8"),
                       raw_format="json", source="cleaning",
                       origin=f"{source}, row(s) {', '.join(str(r.number) for r in rows)}"[:400],
                       form_version=fv.version if fv else None,
                       deprecated_id=cur.version.instance_id, root_id=cur.sub.instance_id,
                       submitted_at=cur.sub.submitted_at, submitter=cur.sub.submitter)
        out = receive(s, cur.form, inc)
        if out.status != "updated" or out.version_id is None:
            raise PantauError("invalid", message=f"{source}: {out.message}")
        result.versions.append(out.version_id)
        result.changed += len(rows)
        for r in rows:
            s.add(CleaningLog(operation_id=operation_id, submission_id=sid, field=r.field,
                              old_value=r.old, new_value=r.new, reason=r.reason,
                              changed_by=by, changed_at=now, from_version_id=cur.version.id,
                              to_version_id=out.version_id, source=f"{source}, row {r.number}"))
        done += 1
        if progress:
            progress(done, total)
    for sid, r in deletions.items():
        cur = by_id[sid]
        cur.sub.deleted_at, cur.sub.deleted_reason = now, r.reason
        s.add(CleaningLog(operation_id=operation_id, submission_id=sid, field=DELETE,
                          old_value=None, new_value="yes", reason=r.reason, changed_by=by,
                          changed_at=now, from_version_id=cur.version.id, to_version_id=None,
                          source=f"{source}, row {r.number}"))
        result.deleted += 1
        done += 1
        if progress:
            progress(done, total)
    s.flush()
