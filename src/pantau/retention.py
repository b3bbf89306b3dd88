"""Retention: after an operation's retention period, personal answers are erased.

IOM's data protection principles keep personal data only as long as its purpose needs.
Figures do not need names, phones or household points, so once a submission is older than
the operation's `retention_days` (`WORKSPACE/disclosure/OPERATION.yaml`, or the command's
`--older-than`), every version of it loses its personal answers
(`pantau.forms.personal`), in one transaction:

- `data`: the personal answers are removed (repeats included); everything else — counts,
  places, dates — stays, so observations, figures and checks are unchanged;
- `raw` (the payload as received, which holds the same answers) is replaced by the erased
  answers as JSON; `raw_sha256` is kept, so importing the same file again is still
  recognised as already there instead of bringing the personal data back;
- attachments named by a personal answer (photos, recordings) are deleted;
- quarantined records of the operation older than the period and already resolved lose
  their raw payload; unresolved ones are counted (they still have to be fixed or deleted).

Age is the submission's `submitted_at`, else when pantau received it. Erasing is
idempotent: a second run finds nothing left to erase.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select

from pantau.errors import PantauError
from pantau.forms.personal import personal_by_version, redact
from pantau.operations import get_operation
from pantau.store.models import Attachment, Form, Quarantine, Submission, SubmissionVersion

if TYPE_CHECKING:
    from pantau.workspace import Workspace

_BATCH = 500


@dataclass(frozen=True)
class EraseResult:
    cutoff: dt.datetime
    versions: int  # submission versions whose personal answers were erased
    attachments: int  # attachments deleted
    quarantine: int  # resolved quarantine payloads erased
    quarantine_unresolved: int  # older unresolved quarantined records (not erased)
    dry_run: bool


def erase_personal(ws: Workspace, operation: str, older_than_days: int | None = None,
                   dry_run: bool = False, now: dt.datetime | None = None) -> EraseResult:
    """Erase the personal answers of `operation`'s submissions older than
    `older_than_days` (default: the operation's `retention_days`); `dry_run` counts only."""
    days = older_than_days
    if days is None:
        days = ws.publish.policy(operation).retention_days
        if days is None:
            raise PantauError("invalid", message=f"operation '{operation}' has no retention "
                              f"period: set retention_days in disclosure/{operation}.yaml or "
                              "give --older-than")
    if days < 0:
        raise PantauError("invalid", message="--older-than must be 0 days or more")
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    versions = attachments = 0
    with ws.session() as s:
        op = get_operation(s, operation)
        age = func.coalesce(Submission.submitted_at, Submission.created_at)
        ids = list(s.scalars(
            select(SubmissionVersion.id)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .join(Form, Form.id == Submission.form_id)
            .where(Form.operation_id == op.id, age < cutoff).order_by(SubmissionVersion.id)))
        for i in range(0, len(ids), _BATCH):
            rows = list(s.scalars(select(SubmissionVersion).where(
                SubmissionVersion.id.in_(ids[i:i + _BATCH]))))
            personal = personal_by_version(s, {v.form_version_id for v in rows})
            for v in rows:
                hidden = personal.get(v.form_version_id or -1, set())
                data = v.data or {}
                erased = redact(data, hidden, None)
                if erased == data:
                    continue
                versions += 1
                names = _file_names(data, erased)
                if names:
                    attachments += int(s.scalar(select(func.count()).select_from(Attachment)
                                                .where(Attachment.version_id == v.id,
                                                       Attachment.name.in_(names))) or 0)
                if dry_run:
                    continue
                if names:
                    s.execute(delete(Attachment).where(Attachment.version_id == v.id,
                                                       Attachment.name.in_(names)))
                v.data = erased
                v.raw = json.dumps(erased, ensure_ascii=False).encode("utf-8")
                v.raw_format = "json"
            s.flush()
        old_quarantine = (Quarantine.operation_id == op.id, Quarantine.created_at < cutoff)
        resolved = list(s.scalars(select(Quarantine).where(
            *old_quarantine, Quarantine.resolved_at.is_not(None), Quarantine.raw != b"")))
        unresolved = int(s.scalar(select(func.count()).select_from(Quarantine).where(
            *old_quarantine, Quarantine.resolved_at.is_(None))) or 0)
        if not dry_run:
            for q in resolved:
                q.raw = b""
        if dry_run:
            s.rollback()
    return EraseResult(cutoff, versions, attachments, len(resolved), unresolved, dry_run)


def _file_names(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The answers that were removed and look like file names (a photo's answer is its
    attachment's name)."""
    out: list[str] = []
    for key, value in before.items():
        if isinstance(value, list):
            kept = after.get(key) or []
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out += _file_names(item, kept[i] if i < len(kept) else {})
        elif key not in after and isinstance(value, str) and "." in value[-6:]:
            out.append(value)
    return out
