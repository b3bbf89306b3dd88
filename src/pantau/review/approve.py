"""Approving and reopening a round × admin area, bottom-up as in DHIS2 data approval.

- An admin 2 area is approved on its own: its submissions (all but rejected ones) become
  `approved`, and all of them are locked while the approval stands.
- An admin 1 area is approved only when every admin 2 area of it that has submissions in the
  round is approved already; otherwise it is an error naming the open ones. Its approval locks
  the submissions that have an admin 1 P-code but no admin 2.
- Without an area, every open admin 2 area of the round is approved, then every admin 1 area:
  the whole round, bottom-up, in one transaction.
- Reopening needs a reason; an admin 2 area cannot be reopened while its admin 1 area is
  approved (reopen that first). The submissions it locked go back to `received` (rejected
  ones stay rejected) and are unlocked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.operations import get_operation
from pantau.review.areas import Placed, find_round, placed
from pantau.store.models import Approval, ApprovalItem, Round, Submission


@dataclass(frozen=True)
class Approved:
    """What one approve or reopen did, per area."""

    round: int
    assessment_type: str
    areas: list[tuple[int, str]]  # (level, P-code)
    submissions: int  # whose review state changed


def active(s: Session, round_id: int) -> dict[str, Approval]:
    """P-code → standing approval of the round."""
    return {a.pcode: a for a in s.scalars(select(Approval).where(
        Approval.round_id == round_id, Approval.reopened_at.is_(None)))}


def _level(pcode: str, subs: list[Placed]) -> int:
    if any(p.admin2 == pcode for p in subs):
        return 2
    if any(p.admin1 == pcode for p in subs):
        return 1
    return 0


def approve(s: Session, operation: str, number: int, area: str | None, kind: str | None,
            by: str) -> Approved:
    op = get_operation(s, operation)
    rnd = find_round(s, op, number, kind)
    subs = placed(s, rnd)
    standing = active(s, rnd.id)
    if area is None:
        todo = sorted({(2, p.admin2) for p in subs if p.admin2}
                      | {(1, p.admin1) for p in subs if p.admin1})
        todo = [(lvl, code) for lvl, code in sorted(todo, key=lambda t: -t[0])
                if code not in standing]
        if not todo:
            raise PantauError("invalid", message=f"{rnd.assessment_type} round {number} of "
                              f"{operation}: nothing to approve (no submissions with an "
                              "area, or every area approved already)")
    else:
        level = _level(area, subs)
        if level == 0:
            raise PantauError("invalid", message=f"{rnd.assessment_type} round {number} of "
                              f"{operation} has no submissions in an admin 1 or admin 2 "
                              f"area '{area}'")
        if area in standing:
            a = standing[area]
            raise PantauError("invalid", message=f"area {area} of {rnd.assessment_type} "
                              f"round {number} was approved already, by {a.approved_by} on "
                              f"{a.approved_at:%Y-%m-%d}")
        todo = [(level, area)]
    changed = 0
    now = dt.datetime.now(dt.UTC)
    for level, code in todo:
        changed += _approve_one(s, op.id, rnd, level, code, subs, standing, by, now)
    return Approved(number, rnd.assessment_type, todo, changed)


def _approve_one(s: Session, operation_id: int, rnd: Round, level: int, code: str,
                 subs: list[Placed], standing: dict[str, Approval], by: str,
                 now: dt.datetime) -> int:
    if level == 1:
        still_open = sorted({p.admin2 for p in subs if p.admin1 == code and p.admin2
                             and p.admin2 not in standing})
        if still_open:
            raise PantauError("invalid", message=f"admin 1 area {code} of "
                              f"{rnd.assessment_type} round {rnd.number} still has open "
                              f"admin 2 areas: {', '.join(still_open)}. Approve them first "
                              "(bottom-up)")
        mine = [p for p in subs if p.admin1 == code and not p.admin2]
    else:
        parent = next((p.admin1 for p in subs if p.admin2 == code and p.admin1), None)
        if parent in standing:
            raise PantauError("invalid", message=f"admin 1 area {parent} of "
                              f"{rnd.assessment_type} round {rnd.number} is approved: "
                              f"reopen it before approving {code}")
        mine = [p for p in subs if p.admin2 == code]
    row = Approval(operation_id=operation_id, round_id=rnd.id, level=level, pcode=code,
                   approved_by=by, approved_at=now)
    s.add(row)
    s.flush()
    standing[code] = row
    if mine:
        s.execute(insert(ApprovalItem), [{"approval_id": row.id, "submission_id": p.submission_id}
                                         for p in mine])
    ids = [p.submission_id for p in mine if p.review_state not in ("approved", "rejected")]
    _set_state(s, ids, "approved")
    return len(ids)


def reopen(s: Session, operation: str, number: int, area: str, kind: str | None, by: str,
           reason: str) -> Approved:
    if not reason or not reason.strip():
        raise PantauError("invalid", message="reopening an approved area needs a reason "
                          "(--reason)")
    op = get_operation(s, operation)
    rnd = find_round(s, op, number, kind)
    standing = active(s, rnd.id)
    a = standing.get(area)
    if a is None:
        raise PantauError("invalid", message=f"area {area} of {rnd.assessment_type} round "
                          f"{number} of {operation} is not approved: nothing to reopen")
    if a.level == 2:
        parent = next((p.admin1 for p in placed(s, rnd) if p.admin2 == area and p.admin1),
                      None)
        if parent in standing:
            raise PantauError("invalid", message=f"admin 1 area {parent} of "
                              f"{rnd.assessment_type} round {number} is approved: reopen it "
                              f"before {area} (top-down)")
    a.reopened_by, a.reopened_at, a.reopen_reason = by, dt.datetime.now(dt.UTC), reason.strip()
    ids = list(s.scalars(select(ApprovalItem.submission_id)
                         .join(Submission, Submission.id == ApprovalItem.submission_id)
                         .where(ApprovalItem.approval_id == a.id,
                                Submission.review_state == "approved")))
    _set_state(s, ids, "received")
    return Approved(number, rnd.assessment_type, [(a.level, area)], len(ids))


def _set_state(s: Session, ids: list[int], state: str) -> None:
    for i in range(0, len(ids), 1000):
        s.execute(update(Submission).where(Submission.id.in_(ids[i:i + 1000]))
                  .values(review_state=state))
