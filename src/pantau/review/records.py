"""One record as a reviewer sees it, and the cleaning log as it was applied.

`record` answers "why is this record flagged and what happened to it": every version (oldest
first, the current one marked) with its answers and flags, its cleaning-log rows and whether an
approval locks it. `cleaning_log` lists the applied rows (REACH/IMPACT shape: uuid, field, old,
new, reason, who, when), newest first, a page at a time.

Both show record-level data *without personal fields* unless `personal=True`: the answers of
the form's personal fields (names, phones, free text … see pantau.forms.personal) become
`‹personal›`, in the versions and in the old and new values of the cleaning log alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.forms.personal import REDACTED, personal_paths, redact
from pantau.forms.store import get_form
from pantau.operations import get_operation
from pantau.quality.cleanvalues import split_path
from pantau.review.flagged import MAX_LIMIT
from pantau.review.locks import lock_of
from pantau.store.models import (
    CleaningLog,
    Form,
    FormVersion,
    QualityFlag,
    Round,
    Submission,
    SubmissionVersion,
)


@dataclass(frozen=True)
class FlagOf:
    check: str
    severity: str
    field: str | None
    message: str
    created_at: dt.datetime


@dataclass(frozen=True)
class LogRow:
    uuid: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    who: str
    when: dt.datetime
    source: str
    from_version: int | None
    to_version: int | None


@dataclass(frozen=True)
class VersionOf:
    id: int
    instance_id: str
    current: bool
    origin: str
    created_at: dt.datetime
    data: dict[str, Any]
    flags: list[FlagOf] = field(default_factory=list)


@dataclass(frozen=True)
class RecordView:
    uuid: str
    form: str
    round: int | None
    assessment_type: str | None
    enumerator: str | None
    review_state: str
    source: str
    deleted_reason: str | None
    locked: str | None  # why it may not change, or None
    versions: list[VersionOf]
    cleaning_log: list[LogRow]


def find_submission(s: Session, operation_id: int, key: str) -> Submission | None:
    """The submission a uuid names: its root instance id or any version's, with or without
    `uuid:` (as a cleaning log or a Kobo export writes it)."""
    keys = {key, key.removeprefix("uuid:"), "uuid:" + key.removeprefix("uuid:")}
    mine = select(Form.id).where(Form.operation_id == operation_id)
    found = s.scalar(select(Submission).where(Submission.form_id.in_(mine),
                                              Submission.instance_id.in_(keys)).limit(1))
    if found is None:
        found = s.scalar(select(Submission)
                         .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
                         .where(Submission.form_id.in_(mine),
                                SubmissionVersion.instance_id.in_(keys)).limit(1))
    return found


def _personal(s: Session, form_ids: set[int]) -> dict[int, set[str]]:
    """Form → the paths that are personal in any of its versions."""
    out: dict[int, set[str]] = {f: set() for f in form_ids}
    for form_id, fields in s.execute(select(FormVersion.form_id, FormVersion.fields)
                                     .where(FormVersion.form_id.in_(form_ids))):
        out[form_id] |= personal_paths(fields or [])
    return out


def record(s: Session, operation: str, key: str, personal: bool = False) -> RecordView:
    op = get_operation(s, operation)
    sub = find_submission(s, op.id, key)
    if sub is None:
        raise PantauError("not_found", what=f"submission of {operation}", key=key)
    form = s.get(Form, sub.form_id)
    rnd = s.get(Round, sub.round_id) if sub.round_id is not None else None
    versions = list(s.scalars(select(SubmissionVersion)
                              .where(SubmissionVersion.submission_id == sub.id)
                              .order_by(SubmissionVersion.id)))
    flags: dict[int, list[FlagOf]] = {}
    for f in s.scalars(select(QualityFlag).where(
            QualityFlag.version_id.in_([v.id for v in versions])).order_by(QualityFlag.id)):
        flags.setdefault(f.version_id, []).append(
            FlagOf(f.check_name, f.severity, f.field, f.message, f.created_at))
    hidden = set() if personal else _personal(s, {sub.form_id})[sub.form_id]
    log = [_log_row(sub.instance_id, c, hidden) for c in s.scalars(
        select(CleaningLog).where(CleaningLog.submission_id == sub.id)
        .order_by(CleaningLog.id))]
    return RecordView(
        sub.instance_id, form.xml_form_id if form else "", rnd.number if rnd else None,
        rnd.assessment_type if rnd else None, sub.submitter, sub.review_state, sub.source,
        sub.deleted_reason if sub.deleted_at is not None else None, lock_of(s, sub.id),
        [VersionOf(v.id, v.instance_id, v.current, v.origin, v.created_at,
                   redact(dict(v.data or {}), hidden), flags.get(v.id, []))
         for v in versions], log)


def _log_row(uuid: str, c: CleaningLog, hidden: set[str]) -> LogRow:
    old, new = c.old_value, c.new_value
    if split_path(c.field)[0] in hidden:
        old, new = (REDACTED if v else v for v in (old, new))
    return LogRow(uuid, c.field, old, new, c.reason, c.changed_by, c.changed_at, c.source,
                  c.from_version_id, c.to_version_id)


@dataclass
class LogPage:
    total: int
    limit: int
    offset: int
    items: list[LogRow] = field(default_factory=list)


def cleaning_log(s: Session, operation: str, form: str | None = None,
                 round_number: int | None = None, limit: int = 100, offset: int = 0,
                 personal: bool = False) -> LogPage:
    """The applied cleaning-log rows of the operation, newest first."""
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise PantauError("invalid", message=f"limit must be between 1 and {MAX_LIMIT}, "
                          "offset 0 or more")
    op = get_operation(s, operation)
    q = (select(CleaningLog.id)
         .join(Submission, Submission.id == CleaningLog.submission_id)
         .outerjoin(Round, Round.id == Submission.round_id)
         .where(CleaningLog.operation_id == op.id))
    if form:
        q = q.where(Submission.form_id == get_form(s, operation, form).id)
    if round_number is not None:
        q = q.where(Round.number == round_number)
    total = s.scalar(q.with_only_columns(func.count(CleaningLog.id))) or 0
    rows = s.execute(q.with_only_columns(Submission.instance_id, Submission.form_id,
                                         CleaningLog)
                     .order_by(CleaningLog.id.desc()).limit(limit).offset(offset)).all()
    hidden = {} if personal else _personal(s, {form_id for _, form_id, _ in rows})
    return LogPage(total, limit, offset, [_log_row(uuid, c, hidden.get(form_id, set()))
                                          for uuid, form_id, c in rows])
