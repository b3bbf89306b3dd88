"""Operations, their rounds and the controlled vocabularies they use."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.gazetteer.countries import country
from pantau.gazetteer.versions import find_version
from pantau.store.models import (
    AssessmentType,
    DisplacementReason,
    GazetteerVersion,
    Operation,
    PopulationGroup,
    Round,
    SiteType,
)

if TYPE_CHECKING:
    from pantau.workspace import Workspace

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


@dataclass(frozen=True)
class OperationInfo:
    id: int
    slug: str
    country_iso3: str
    name: str
    status: str
    description: str
    avg_household_size: float | None

    @classmethod
    def of(cls, op: Operation) -> OperationInfo:
        hh = float(op.avg_household_size) if op.avg_household_size is not None else None
        return cls(op.id, op.slug, op.country_iso3, op.name, op.status, op.description, hh)


@dataclass(frozen=True)
class RoundInfo:
    id: int
    operation: str
    assessment_type: str
    number: int
    period_start: dt.date | None
    period_end: dt.date | None
    reporting_date: dt.date | None
    gazetteer_version: str | None = None


class Operations:
    """Create and look up operations and rounds (`ws.operations`)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # operations -------------------------------------------------------------
    def create(self, slug: str, country_iso3: str, name: str, description: str = "",
               avg_household_size: float | None = None, status: str = "active") -> OperationInfo:
        if not _SLUG.match(slug):
            raise PantauError("invalid", message=f"operation id '{slug}' must be lower-case "
                              "letters, digits and hyphens (e.g. idn-sulteng-2018)")
        iso3 = country(country_iso3).iso3
        if status not in ("active", "inactive"):
            raise PantauError("invalid", message=f"status '{status}' must be active or inactive")
        if avg_household_size is not None and not 0 < avg_household_size < 100:
            raise PantauError("invalid", message="average household size must be between 0 and "
                              f"100, not {avg_household_size}")
        if not name.strip():
            raise PantauError("invalid", message="an operation needs a name")
        with self.ws.session() as s:
            if s.scalar(select(Operation).where(Operation.slug == slug)):
                raise PantauError("already_exists", what="operation", key=slug)
            op = Operation(slug=slug, country_iso3=iso3, name=name.strip(),
                           description=description, status=status,
                           avg_household_size=None if avg_household_size is None
                           else Decimal(str(avg_household_size)))
            s.add(op)
            s.flush()
            return OperationInfo.of(op)

    def get(self, slug: str) -> OperationInfo:
        with self.ws.session() as s:
            return OperationInfo.of(get_operation(s, slug))

    def list(self) -> list[OperationInfo]:
        with self.ws.session() as s:
            ops = s.scalars(select(Operation).order_by(Operation.slug))
            return [OperationInfo.of(o) for o in ops]

    def set_status(self, slug: str, status: str) -> OperationInfo:
        if status not in ("active", "inactive"):
            raise PantauError("invalid", message=f"status '{status}' must be active or inactive")
        with self.ws.session() as s:
            op = get_operation(s, slug)
            op.status = status
            return OperationInfo.of(op)

    # rounds -----------------------------------------------------------------
    def add_round(self, slug: str, assessment_type: str, number: int,
                  period_start: dt.date | None = None, period_end: dt.date | None = None,
                  reporting_date: dt.date | None = None,
                  gazetteer_version: str | None = None) -> RoundInfo:
        """Add a round; it is pinned to a gazetteer version (the one named, else the one
        valid at the start of its period) so that its figures roll up the way they were
        collected even after the P-codes change."""
        if number < 0:
            raise PantauError("invalid", message=f"round number {number} must be 0 or more")
        if period_start and period_end and period_start > period_end:
            raise PantauError("invalid", message=f"round period starts {period_start} after "
                              f"it ends {period_end}")
        code = assessment_type.upper()
        with self.ws.session() as s:
            op = get_operation(s, slug)
            if s.get(AssessmentType, code) is None:
                raise PantauError("not_found", what="assessment type", key=assessment_type)
            version = _round_gazetteer(s, op.country_iso3, gazetteer_version,
                                       period_start or reporting_date)
            rnd = Round(operation_id=op.id, assessment_type=code, number=number,
                        period_start=period_start, period_end=period_end,
                        reporting_date=reporting_date,
                        gazetteer_version_id=version.id if version else None)
            s.add(rnd)
            try:
                s.flush()
            except IntegrityError:
                raise PantauError("already_exists", what=f"{code} round",
                                  key=f"{slug} #{number}") from None
            return _round_info(rnd, slug, version.label if version else None)

    def rounds(self, slug: str, assessment_type: str | None = None) -> list[RoundInfo]:
        with self.ws.session() as s:
            op = get_operation(s, slug)
            q = select(Round).where(Round.operation_id == op.id)
            if assessment_type:
                q = q.where(Round.assessment_type == assessment_type.upper())
            q = q.order_by(Round.assessment_type, Round.number)
            labels = dict(s.execute(select(GazetteerVersion.id, GazetteerVersion.label)
                                    .where(GazetteerVersion.country_iso3 == op.country_iso3)).all())
            return [_round_info(r, slug, labels.get(r.gazetteer_version_id))
                    for r in s.scalars(q)]

    # vocabularies -----------------------------------------------------------
    def add_assessment_type(self, code: str, name: str, description: str = "") -> None:
        if not _CODE.match(code):
            raise PantauError("invalid", message=f"assessment type code '{code}' must be 2–10 "
                              "upper-case letters or digits, starting with a letter")
        with self.ws.session() as s:
            if s.get(AssessmentType, code):
                raise PantauError("already_exists", what="assessment type", key=code)
            s.add(AssessmentType(code=code, name=name, description=description, builtin=False))

    def vocabularies(self) -> dict[str, list[dict[str, str | bool | None]]]:
        with self.ws.session() as s:
            return {
                "assessment_types": [
                    {"code": a.code, "name": a.name, "builtin": a.builtin}
                    for a in s.scalars(select(AssessmentType).order_by(AssessmentType.code))],
                "population_groups": [
                    {"code": p.code, "label": p.label, "hxl": p.hxl_attribute}
                    for p in s.scalars(select(PopulationGroup))],
                "displacement_reasons": [
                    {"code": r.code, "label": r.label, "parent": r.parent_code}
                    for r in s.scalars(select(DisplacementReason))],
                "site_types": [
                    {"code": t.code, "label": t.label} for t in s.scalars(select(SiteType))],
            }


def get_operation(s: Session, slug: str) -> Operation:
    op = s.scalar(select(Operation).where(Operation.slug == slug))
    if op is None:
        raise PantauError("not_found", what="operation", key=slug)
    return op


def _round_info(r: Round, slug: str, gazetteer_label: str | None) -> RoundInfo:
    return RoundInfo(r.id, slug, r.assessment_type, r.number, r.period_start, r.period_end,
                     r.reporting_date, gazetteer_label)


def _round_gazetteer(s: Session, iso3: str, label: str | None,
                     on: dt.date | None) -> GazetteerVersion | None:
    if label is not None:
        found = find_version(s, iso3, label=label)
        if found is None:
            raise PantauError("not_found", what=f"gazetteer version of {iso3}", key=label)
        return found
    return find_version(s, iso3, on=on) if on else find_version(s, iso3)
