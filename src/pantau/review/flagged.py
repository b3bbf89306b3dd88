"""The flags a data manager works through: filtered by round, admin area, check, severity and
enumerator, one page at a time (what the data-management page and its JSON API list).

A record's area is the one approval uses (`areas.py`): the admin 1 or admin 2 P-code its own
observations carry, else its site's in the master list. Filtering and paging happen in the
database, so a round with hundreds of thousands of flags is listed as fast as a small one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.forms.store import get_form
from pantau.operations import get_operation
from pantau.store.models import (
    Form,
    Observation,
    QualityFlag,
    Round,
    Site,
    Submission,
    SubmissionVersion,
)

SEVERITIES = ("error", "warning", "info")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class FlagFilter:
    """What to list; every part is optional."""

    form: str | None = None
    round: int | None = None
    assessment_type: str | None = None
    area: str | None = None  # an admin 1 or admin 2 P-code
    check: str | None = None
    severity: str | None = None
    enumerator: str | None = None


@dataclass(frozen=True)
class FlagRow:
    uuid: str  # the submission's root instance id
    form: str
    round: int | None
    assessment_type: str | None
    site: str | None
    enumerator: str | None
    review_state: str
    check: str
    severity: str
    field: str | None
    message: str
    created_at: dt.datetime


@dataclass
class FlagPage:
    total: int
    limit: int
    offset: int
    items: list[FlagRow] = field(default_factory=list)


def flag_page(s: Session, operation: str, where: FlagFilter, limit: int = 100,
              offset: int = 0) -> FlagPage:
    """One page of the flags of current versions of live submissions, oldest submission
    first; `total` counts every flag the filter matches."""
    if not 1 <= limit <= MAX_LIMIT:
        raise PantauError("invalid", message=f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise PantauError("invalid", message="offset must be 0 or more")
    if where.severity and where.severity not in SEVERITIES:
        raise PantauError("invalid", message=f"severity '{where.severity}' is not one of "
                          f"{', '.join(SEVERITIES)}")
    op = get_operation(s, operation)
    q = _filtered(s, operation, op.id, where)
    total = s.scalar(q.with_only_columns(func.count(QualityFlag.id)).order_by(None)) or 0
    site = (select(func.min(Observation.site_code))
            .where(Observation.version_id == QualityFlag.version_id).scalar_subquery())
    rows = s.execute(q.with_only_columns(
        Submission.instance_id, Form.xml_form_id, Round.number, Round.assessment_type, site,
        Submission.submitter, Submission.review_state, QualityFlag.check_name,
        QualityFlag.severity, QualityFlag.field, QualityFlag.message, QualityFlag.created_at)
        .order_by(Submission.id, QualityFlag.id).limit(limit).offset(offset)).all()
    return FlagPage(total, limit, offset, [FlagRow(*r) for r in rows])


def _filtered(s: Session, operation: str, operation_id: int, where: FlagFilter) -> Select:
    q = (select(QualityFlag.id)
         .join(SubmissionVersion, SubmissionVersion.id == QualityFlag.version_id)
         .join(Submission, Submission.id == SubmissionVersion.submission_id)
         .join(Form, Form.id == Submission.form_id)
         .outerjoin(Round, Round.id == Submission.round_id)
         .where(Form.operation_id == operation_id, SubmissionVersion.current.is_(True),
                Submission.deleted_at.is_(None)))
    if where.form:
        q = q.where(Form.id == get_form(s, operation, where.form).id)
    if where.round is not None:
        q = q.where(Round.number == where.round)
    if where.assessment_type:
        q = q.where(Round.assessment_type == where.assessment_type.upper())
    if where.check:
        q = q.where(QualityFlag.check_name == where.check)
    if where.severity:
        q = q.where(QualityFlag.severity == where.severity)
    if where.enumerator:
        q = q.where(Submission.submitter == where.enumerator)
    if where.area:
        q = q.where(in_area(where.area, operation_id))
    return q


def in_area(pcode: str, operation_id: int):  # type: ignore[no-untyped-def]
    """SQL: the flag's version lies in admin 1 or 2 area `pcode` — by its own observations'
    P-codes, or, when they carry none, by its site's P-codes in the master list."""
    o = Observation
    own = exists().where(o.version_id == QualityFlag.version_id,
                         or_(o.admin1_pcode == pcode, o.admin2_pcode == pcode))
    has_own = exists().where(o.version_id == QualityFlag.version_id,
                             or_(o.admin1_pcode.is_not(None), o.admin2_pcode.is_not(None)))
    by_site = exists().where(o.version_id == QualityFlag.version_id,
                             Site.operation_id == operation_id, Site.code == o.site_code,
                             or_(Site.admin1_pcode == pcode, Site.admin2_pcode == pcode))
    return or_(own, and_(~has_own, by_site))
