"""Whether a submission is locked by an approval: the one question the storage rules and the
cleaning log ask before they make a new version of it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.store.models import Approval, ApprovalItem, Round


def lock_of(s: Session, submission_id: int) -> str | None:
    """Why the submission may not change (its approved round × area), or None."""
    row = s.execute(
        select(Approval.pcode, Approval.approved_by, Approval.approved_at, Round.number,
               Round.assessment_type)
        .join(ApprovalItem, ApprovalItem.approval_id == Approval.id)
        .join(Round, Round.id == Approval.round_id)
        .where(ApprovalItem.submission_id == submission_id, Approval.reopened_at.is_(None))
        .limit(1)).first()
    if row is None:
        return None
    pcode, by, at, number, kind = row
    return (f"locked: {kind} round {number}, area {pcode} was approved by {by} on "
            f"{at:%Y-%m-%d}; reopen it (`pantau review reopen`) first")
