"""The progress overview of a round: expected sites (master list) against what came in,
what is approved and what is flagged, per admin area and per enumerator."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.operations import get_operation
from pantau.review.approve import active
from pantau.review.areas import expected_sites, find_round, placed
from pantau.store.models import QualityFlag, Round

NO_AREA = "(no area)"


@dataclass
class Progress:
    """Counts of one area (or one enumerator) in one round."""

    key: str
    level: int = 0  # 1 or 2 for areas, 0 for enumerators
    expected: int | None = None  # None for enumerators (sites are not assigned to them)
    received: int = 0
    approved: int = 0
    flagged: int = 0
    state: str = ""  # approved | open (areas only)


@dataclass
class RoundStatus:
    round: int
    assessment_type: str
    areas: list[Progress] = field(default_factory=list)  # admin 1 first, its admin 2 after
    enumerators: list[Progress] = field(default_factory=list)


def status(s: Session, operation: str, number: int | None = None, kind: str | None = None
           ) -> list[RoundStatus]:
    op = get_operation(s, operation)
    if number is not None:
        rounds = [find_round(s, op, number, kind)]
    else:
        q = select(Round).where(Round.operation_id == op.id)
        if kind:
            q = q.where(Round.assessment_type == kind.upper())
        rounds = list(s.scalars(q.order_by(Round.assessment_type, Round.number)))
    return [_one(s, r) for r in rounds]


def _one(s: Session, rnd: Round) -> RoundStatus:
    subs = placed(s, rnd)
    flagged = set(s.scalars(select(QualityFlag.version_id).where(
        QualityFlag.version_id.in_([p.version_id for p in subs])).distinct())) if subs else set()
    standing = active(s, rnd.id)
    areas: dict[tuple[str, str], Progress] = {}  # (admin 1, admin 2 or "") → counts

    def area(a1: str | None, a2: str | None) -> list[Progress]:
        k1 = a1 or NO_AREA
        out = [areas.setdefault((k1, ""), Progress(k1, 1))]
        if a2:
            out.append(areas.setdefault((k1, a2), Progress(a2, 2)))
        return out

    for _code, a1, a2 in expected_sites(s, rnd):
        for p in area(a1, a2):
            p.expected = (p.expected or 0) + 1
    people: dict[str, Progress] = {}
    for sub in subs:
        who = sub.submitter or "(unknown)"
        for p in [*area(sub.admin1, sub.admin2), people.setdefault(who, Progress(who))]:
            p.received += 1
            p.approved += sub.review_state == "approved"
            p.flagged += sub.version_id in flagged
    for p in areas.values():
        p.expected = p.expected or 0
        p.state = "approved" if p.key in standing else "open"
    return RoundStatus(rnd.number, rnd.assessment_type,
                       [areas[k] for k in sorted(areas)],
                       [people[k] for k in sorted(people)])
