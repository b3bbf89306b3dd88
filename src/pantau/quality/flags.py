"""Read the flags back: per submission, with the check, severity, field and message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.forms.store import get_form
from pantau.operations import get_operation
from pantau.store.models import Form, QualityFlag, Round, Submission, SubmissionVersion


@dataclass(frozen=True)
class FlagInfo:
    instance_id: str
    form: str
    round: int | None
    check: str
    severity: str
    field: str | None
    message: str
    created_at: dt.datetime


def list_flags(s: Session, operation: str, form: str | None = None,
               round_number: int | None = None, check: str | None = None,
               severity: str | None = None, current: bool = True,
               limit: int | None = None) -> list[FlagInfo]:
    """Flags of the operation's submissions (current versions only, by default)."""
    op = get_operation(s, operation)
    q = (select(Submission.instance_id, Form.xml_form_id, Round.number, QualityFlag.check_name,
                QualityFlag.severity, QualityFlag.field, QualityFlag.message,
                QualityFlag.created_at)
         .join(SubmissionVersion, SubmissionVersion.id == QualityFlag.version_id)
         .join(Submission, Submission.id == SubmissionVersion.submission_id)
         .join(Form, Form.id == Submission.form_id)
         .outerjoin(Round, Round.id == Submission.round_id)
         .where(Form.operation_id == op.id, Submission.deleted_at.is_(None)))
    if current:
        q = q.where(SubmissionVersion.current.is_(True))
    if form:
        q = q.where(Form.id == get_form(s, operation, form).id)
    if round_number is not None:
        q = q.where(Round.number == round_number)
    if check:
        q = q.where(QualityFlag.check_name == check)
    if severity:
        if severity not in ("error", "warning", "info"):
            raise PantauError("invalid", message=f"severity '{severity}' is not one of "
                              "error, warning, info")
        q = q.where(QualityFlag.severity == severity)
    q = q.order_by(Submission.id, QualityFlag.id)
    if limit:
        q = q.limit(limit)
    return [FlagInfo(*row) for row in s.execute(q)]
