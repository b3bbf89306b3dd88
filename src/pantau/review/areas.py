"""Where each submission of a round lies (admin 1 and admin 2 P-codes) and which round a
command means.

A submission's area is what its current version's observations say (the P-codes the form
recorded), else the master list's P-codes of its site. A submission with neither has no area
and cannot be approved by area: `pantau review status` shows it under "(no area)".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.store.models import (
    Form,
    Observation,
    Operation,
    Round,
    Site,
    Submission,
    SubmissionVersion,
)


@dataclass(frozen=True)
class Placed:
    """One current, live submission of a round, with its area."""

    submission_id: int
    version_id: int
    instance_id: str
    review_state: str
    submitter: str | None
    admin1: str | None
    admin2: str | None


def find_round(s: Session, op: Operation, number: int, kind: str | None) -> Round:
    """Round `number` of the operation (of assessment type `kind` when several have it)."""
    q = select(Round).where(Round.operation_id == op.id, Round.number == number)
    if kind:
        q = q.where(Round.assessment_type == kind.upper())
    found = list(s.scalars(q.order_by(Round.assessment_type)))
    if not found:
        what = f"{kind.upper()} round of {op.slug}" if kind else f"round of {op.slug}"
        raise PantauError("not_found", what=what, key=str(number))
    if len(found) > 1:
        kinds = ", ".join(r.assessment_type for r in found)
        raise PantauError("invalid", message=f"{op.slug} has round {number} of several "
                          f"assessment types ({kinds}): say which with --type")
    return found[0]


def placed(s: Session, rnd: Round) -> list[Placed]:
    """The round's current, not deleted submissions, each with its admin 1 and 2 P-codes."""
    rows = s.execute(
        select(Submission.id, SubmissionVersion.id, Submission.instance_id,
               Submission.review_state, Submission.submitter)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Form, Form.id == Submission.form_id)
        .where(Submission.round_id == rnd.id, Submission.deleted_at.is_(None),
               SubmissionVersion.current.is_(True), Form.operation_id == rnd.operation_id)
        .order_by(Submission.id)).all()
    if not rows:
        return []
    o = Observation
    obs = {vid: (a1, a2, site) for vid, a1, a2, site in s.execute(
        select(o.version_id, func.min(o.admin1_pcode), func.min(o.admin2_pcode),
               func.min(o.site_code))
        .where(o.operation_id == rnd.operation_id, o.round_id == rnd.id)
        .group_by(o.version_id))}
    sites = {code: (a1, a2) for code, a1, a2 in s.execute(
        select(Site.code, Site.admin1_pcode, Site.admin2_pcode)
        .where(Site.operation_id == rnd.operation_id))}
    out = []
    for sid, vid, iid, state, submitter in rows:
        a1, a2, site = obs.get(vid, (None, None, None))
        m1, m2 = sites.get(site or "", (None, None))
        a2 = a2 or m2
        a1 = a1 or m1
        out.append(Placed(sid, vid, iid, state, submitter, a1, a2))
    return out


def expected_sites(s: Session, rnd: Round) -> list[tuple[str, str | None, str | None]]:
    """(site code, admin 1, admin 2) of the master-list sites open during the round."""
    q = select(Site.code, Site.admin1_pcode, Site.admin2_pcode).where(
        Site.operation_id == rnd.operation_id)
    if rnd.period_end is not None:
        q = q.where((Site.opened_on.is_(None)) | (Site.opened_on <= rnd.period_end))
    if rnd.period_start is not None:
        q = q.where((Site.closed_on.is_(None)) | (Site.closed_on >= rnd.period_start))
    return [tuple(r) for r in s.execute(q.order_by(Site.code))]  # type: ignore[misc]
