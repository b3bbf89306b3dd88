"""Read submissions back: lists for the CLI and API, one submission with all its versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.forms.store import get_form
from pantau.ingest.review import REVIEW_STATES
from pantau.operations import get_operation
from pantau.store.models import Attachment, Form, FormVersion, Submission, SubmissionVersion


@dataclass(frozen=True)
class SubmissionInfo:
    id: int
    form: str
    instance_id: str  # the root instance id: the submission's identity
    review_state: str
    source: str
    submitted_at: dt.datetime | None
    versions_count: int
    round_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class AttachmentInfo:
    name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class VersionInfo:
    id: int
    instance_id: str
    deprecated_id: str | None
    form_version: str | None
    current: bool
    raw_format: str
    raw_sha256: str
    origin: str
    created_at: dt.datetime
    data: dict[str, Any]
    attachments: list[AttachmentInfo] = field(default_factory=list)


@dataclass(frozen=True)
class SubmissionDetail:
    info: SubmissionInfo
    submitter: str | None
    external_id: str | None
    versions: list[VersionInfo]  # oldest first; exactly one is current


def _info(sub: Submission, form: str) -> SubmissionInfo:
    return SubmissionInfo(sub.id, form, sub.instance_id, sub.review_state, sub.source,
                          sub.submitted_at, sub.versions_count, sub.round_id, sub.created_at,
                          sub.updated_at)


def list_submissions(s: Session, operation: str, form: str | None = None,
                     state: str | None = None, limit: int | None = None) -> list[SubmissionInfo]:
    """The operation's submissions (deleted ones left out), oldest first."""
    if state is not None and state not in REVIEW_STATES:
        raise PantauError("invalid", message=f"Unknown review state '{state}' (use one of "
                          f"{', '.join(REVIEW_STATES)}).")
    op = get_operation(s, operation)
    q = (select(Submission, Form.xml_form_id).join(Form, Form.id == Submission.form_id)
         .where(Form.operation_id == op.id, Submission.deleted_at.is_(None))
         .order_by(Submission.id))
    if form is not None:
        q = q.where(Form.id == get_form(s, operation, form).id)
    if state is not None:
        q = q.where(Submission.review_state == state)
    if limit is not None:
        q = q.limit(limit)
    return [_info(sub, name) for sub, name in s.execute(q).all()]


def get_submission(s: Session, operation: str, form: str, instance_id: str) -> SubmissionDetail:
    """One submission by its root instance id or the instance id of any of its versions."""
    f = get_form(s, operation, form)
    sub = s.scalar(select(Submission).where(Submission.form_id == f.id,
                                            Submission.instance_id == instance_id))
    if sub is None:
        sub = s.scalar(select(Submission)
                       .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
                       .where(Submission.form_id == f.id,
                              SubmissionVersion.instance_id == instance_id))
    if sub is None:
        raise PantauError("not_found", what=f"submission of {form}", key=instance_id)
    rows = s.execute(select(SubmissionVersion, FormVersion.version)
                     .outerjoin(FormVersion, FormVersion.id == SubmissionVersion.form_version_id)
                     .where(SubmissionVersion.submission_id == sub.id)
                     .order_by(SubmissionVersion.id)).all()
    files: dict[int, list[AttachmentInfo]] = {}
    for a in s.scalars(select(Attachment).where(
            Attachment.version_id.in_([v.id for v, _ in rows])).order_by(Attachment.name)):
        files.setdefault(a.version_id, []).append(
            AttachmentInfo(a.name, a.content_type, a.size, a.sha256))
    versions = [VersionInfo(v.id, v.instance_id, v.deprecated_id, label, v.current,
                            v.raw_format, v.raw_sha256, v.origin, v.created_at, dict(v.data),
                            files.get(v.id, []))
                for v, label in rows]
    return SubmissionDetail(_info(sub, f.xml_form_id), sub.submitter, sub.external_id, versions)
