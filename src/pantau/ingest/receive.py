"""The storage rules, in one place, for every source.

- The raw payload is stored before anything else; a record that cannot be placed goes to the
  quarantine with its reason, never away.
- Identity is the root instance id. The same instance id with the same data is a re-send and
  changes nothing; with other data it is a conflict (reported, nothing stored over it).
- An edit (`deprecated_id` naming the current version) inserts a new version and moves
  `current`; its observations replace the old version's. An original that arrives after its
  edit is kept as an earlier version; the edit stays current.
- An edit of a submission locked by an approval (pantau.review) is a conflict until reopened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from pantau.ingest.incoming import Incoming
from pantau.ingest.review import REVIEW_STATES
from pantau.store.models import (
    Attachment,
    Form,
    FormVersion,
    Observation,
    Operation,
    Quarantine,
    Round,
    Submission,
    SubmissionVersion,
)

MAX_ATTACHMENT = 25 * 1024 * 1024  # bytes; a larger file is refused, the submission kept


@dataclass(frozen=True)
class Outcome:
    status: str  # created | updated | duplicate | conflict | quarantined
    submission_id: int | None = None
    version_id: int | None = None
    message: str = ""


def receive(s: Session, form: Form, inc: Incoming) -> Outcome:
    """Store one incoming submission of `form` by the rules above."""
    too_big = [a.name for a in inc.attachments if len(a.content) > MAX_ATTACHMENT]
    if too_big:
        return quarantine(s, form.operation_id, form.id, inc,
                          f"attachment(s) over {MAX_ATTACHMENT // 2**20} MB: "
                          + ", ".join(too_big))
    version = _form_version(s, form, inc.form_version)
    if version is None:
        return quarantine(s, form.operation_id, form.id, inc,
                          f"form '{form.xml_form_id}' has no version '{inc.form_version}'")
    if not inc.instance_id:
        return quarantine(s, form.operation_id, form.id, inc, "no meta/instanceID")
    seen = _version_by_instance(s, form.id, inc.instance_id)
    if seen is not None:
        if seen.data_sha256 == inc.data_sha256:
            return Outcome("duplicate", seen.submission_id, seen.id)
        return Outcome("conflict", seen.submission_id, seen.id,
                       f"instance {inc.instance_id} was received before with other data")
    parent = _edited_version(s, form.id, inc)
    if parent is None:
        late = s.scalar(select(Submission).where(Submission.form_id == form.id,
                                                 Submission.instance_id == inc.instance_id))
        if late is not None:
            return _older_version(s, late, version, inc)
    if parent is not None:
        from pantau.review.locks import lock_of  # here: pantau.review imports ingest's side

        locked = lock_of(s, parent.submission_id)
        if locked:
            return Outcome("conflict", parent.submission_id, parent.id,
                           f"{inc.instance_id} edits {parent.instance_id}, which is {locked}")
        if not parent.current:
            return Outcome("conflict", parent.submission_id, parent.id,
                           f"{inc.instance_id} edits {parent.instance_id}, which is no longer "
                           "the current version")
        sub = s.get(Submission, parent.submission_id)
        assert sub is not None
        s.execute(update(SubmissionVersion).where(SubmissionVersion.id == parent.id)
                  .values(current=False))
        s.execute(delete(Observation).where(Observation.version_id == parent.id))
        sub.versions_count += 1
        sub.updated_at = _now()
        status = "updated"
    else:
        root = inc.root_id or inc.deprecated_id or inc.instance_id
        sub = Submission(form_id=form.id, instance_id=root, source=inc.source,
                         submitter=inc.submitter, external_id=inc.external_id,
                         submitted_at=inc.submitted_at, review_state="received")
        s.add(sub)
        status = "created"
    if inc.review_state in REVIEW_STATES:
        sub.review_state = inc.review_state
    s.flush()
    new = SubmissionVersion(submission_id=sub.id, instance_id=inc.instance_id,
                            deprecated_id=inc.deprecated_id, form_version_id=version.id,
                            raw=inc.raw, raw_format=inc.raw_format, raw_sha256=inc.raw_sha256,
                            data=inc.data, data_sha256=inc.data_sha256, origin=inc.origin,
                            current=True)
    s.add(new)
    s.flush()
    _store_attachments(s, new.id, inc)
    _observe(s, form, version, sub, new, inc)
    return Outcome(status, sub.id, new.id)


def _older_version(s: Session, sub: Submission, version: FormVersion, inc: Incoming) -> Outcome:
    """The original of a submission whose edit came first (a server sent them out of order):
    kept as a version, but the edit stays current."""
    old = SubmissionVersion(submission_id=sub.id, instance_id=inc.instance_id,
                            deprecated_id=inc.deprecated_id, form_version_id=version.id,
                            raw=inc.raw, raw_format=inc.raw_format, raw_sha256=inc.raw_sha256,
                            data=inc.data, data_sha256=inc.data_sha256, origin=inc.origin,
                            current=False)
    s.add(old)
    sub.versions_count += 1
    s.flush()
    _store_attachments(s, old.id, inc)
    return Outcome("updated", sub.id, old.id, f"{inc.instance_id} arrived after its edit: "
                   "stored as an earlier version; the edit stays current")


def quarantine(s: Session, operation_id: int, form_id: int | None, inc: Incoming,
               reason: str) -> Outcome:
    """Keep what could not be stored, with why. The same record again (a file imported twice)
    is not kept twice: the unresolved entry it matches gets the latest reason."""
    same = s.scalar(select(Quarantine).where(
        Quarantine.operation_id == operation_id, Quarantine.resolved_at.is_(None),
        Quarantine.form_id.is_(None) if form_id is None else Quarantine.form_id == form_id,
        Quarantine.raw_format == inc.raw_format, Quarantine.raw == inc.raw).limit(1))
    if same is not None:
        same.reason = reason
        s.flush()
        return Outcome("quarantined", message=f"{reason} (already in the quarantine as "
                                              f"#{same.id})")
    row = Quarantine(operation_id=operation_id, form_id=form_id, source=inc.source,
                     origin=inc.origin, reason=reason, raw=inc.raw, raw_format=inc.raw_format)
    s.add(row)
    s.flush()
    return Outcome("quarantined", message=reason)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _form_version(s: Session, form: Form, label: str | None) -> FormVersion | None:
    q = select(FormVersion).where(FormVersion.form_id == form.id)
    if label:
        return s.scalar(q.where(FormVersion.version == label))
    return s.scalar(q.where(FormVersion.current.is_(True)).order_by(FormVersion.id.desc()))


def _version_by_instance(s: Session, form_id: int, instance_id: str) -> SubmissionVersion | None:
    return s.scalar(select(SubmissionVersion).where(
        SubmissionVersion.instance_id == instance_id, form_of_version() == form_id))


def form_of_version() -> Any:
    """The version's form, as a correlated subquery. A join would let SQLite's planner walk
    every submission of the form before it probes the instance id (an import then slows
    down with every record stored); this keeps the instance-id index in front."""
    return select(Submission.form_id).where(
        Submission.id == SubmissionVersion.submission_id).scalar_subquery()


def _edited_version(s: Session, form_id: int, inc: Incoming) -> SubmissionVersion | None:
    """The version this one edits: named by deprecatedID, else the current one of its root."""
    if inc.deprecated_id:
        found = _version_by_instance(s, form_id, inc.deprecated_id)
        if found is not None:
            return found
    if inc.root_id and inc.root_id != inc.instance_id:
        return s.scalar(select(SubmissionVersion)
                        .join(Submission, Submission.id == SubmissionVersion.submission_id)
                        .where(Submission.form_id == form_id,
                               Submission.instance_id == inc.root_id,
                               SubmissionVersion.current.is_(True)))
    return None


def _store_attachments(s: Session, version_id: int, inc: Incoming) -> None:
    for att in inc.attachments:
        s.add(Attachment(version_id=version_id, name=att.name, content_type=att.content_type,
                         size=len(att.content), sha256=hashlib.sha256(att.content).hexdigest(),
                         content=att.content))


def _observe(s: Session, form: Form, version: FormVersion, sub: Submission,
             new: SubmissionVersion, inc: Incoming) -> None:
    from pantau.ingest.observe import observe

    op = s.get(Operation, form.operation_id)
    assert op is not None
    hh = float(op.avg_household_size) if op.avg_household_size is not None else None
    rows, sub.round_id = observe(form, version.mapping, inc.data, inc.submitted_at, hh,
                                 lambda when: _round_for(s, op.id, form.assessment_type, when))
    for r in rows:
        r["version_id"] = new.id
    if rows:
        s.execute(insert(Observation), rows)


def _round_for(s: Session, operation_id: int, assessment_type: str | None,
               when: dt.date | None) -> int | None:
    """The round of the form's assessment type whose period holds the date, if exactly one."""
    if assessment_type is None or when is None:
        return None
    ids = s.scalars(select(Round.id).where(
        Round.operation_id == operation_id, Round.assessment_type == assessment_type,
        Round.period_start <= when, Round.period_end >= when)).all()
    return ids[0] if len(ids) == 1 else None
