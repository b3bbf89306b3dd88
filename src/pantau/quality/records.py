"""What the checks read: the current versions in scope and a summary of each one's numbers.

The summaries come from the stored observations (the form's HXL tags already say which field is
"IDP households" or "girls under 5"), so the DTM checks need no field names and work for every
form pantau can map. One query reads every current version of the forms being checked — in all
rounds, since outliers and jumps compare a site with its own history — and one reads their
observations; answers (`data`) are read in chunks, only for the versions being checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.store.models import Observation, Round, Submission, SubmissionVersion

CHUNK = 1000


@dataclass(frozen=True)
class RoundRow:
    id: int
    number: int
    assessment_type: str
    start: dt.date | None
    end: dt.date | None
    gazetteer_version_id: int | None


@dataclass
class Group:
    """The numbers of one population group in one record (or repeat item): totals and parts."""

    households: float | None = None
    households_field: str | None = None
    individuals: float | None = None
    individuals_field: str | None = None
    by_sex_age: float = 0.0  # parts with both sex and age
    by_sex: float = 0.0  # parts with sex only
    by_age: float = 0.0  # parts with age only
    kinds: set[str] = field(default_factory=set)  # which kinds of parts were answered


@dataclass
class Record:
    version_id: int
    submission_id: int
    instance_id: str
    form_id: int
    form_version_id: int | None
    round_id: int | None
    site_code: str | None = None
    admin: dict[int, str] = field(default_factory=dict)
    date: dt.date | None = None
    groups: dict[tuple[Any, ...], Group] = field(default_factory=dict)  # item key -> numbers
    totals: dict[str, float] = field(default_factory=dict)  # indicator -> record total
    values: dict[str, float] = field(default_factory=dict)  # field -> value (duplicates)


def current_versions(s: Session, form_ids: list[int]) -> dict[int, Record]:
    """Every current version of live submissions of the forms, by version id."""
    rows = s.connection().execute(
        select(SubmissionVersion.id, Submission.id, Submission.instance_id, Submission.form_id,
               SubmissionVersion.form_version_id, Submission.round_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.form_id.in_(form_ids), SubmissionVersion.current.is_(True),
               Submission.deleted_at.is_(None))
        .order_by(SubmissionVersion.id))
    return {r[0]: Record(*r) for r in rows}


def summarise(s: Session, records: dict[int, Record], operation_id: int) -> None:
    """Fill each record's place, date and numbers from its observations (estimates left out:
    they are derived, not answered)."""
    o = Observation
    rows = s.connection().execute(
        select(o.version_id, o.site_code, o.admin1_pcode, o.admin2_pcode, o.admin3_pcode,
               o.admin4_pcode, o.date, o.population_group, o.unit, o.sex, o.age_group,
               o.origin_pcode, o.reason, o.shelter, o.indicator, o.field, o.value)
        .where(o.operation_id == operation_id, o.estimated.is_(False))
        .execution_options(stream_results=True, max_row_buffer=20000))
    for (vid, site, a1, a2, a3, a4, day, group, unit, sex, age, origin, reason, shelter,
         indicator, fld, value) in rows:
        rec = records.get(vid)
        if rec is None:
            continue
        if rec.site_code is None and site:
            rec.site_code = site
        if not rec.admin:
            rec.admin = {n: p for n, p in ((1, a1), (2, a2), (3, a3), (4, a4)) if p}
        if rec.date is None and day is not None:
            rec.date = day
        rec.values[fld] = rec.values.get(fld, 0.0) + value
        if group is None or unit not in ("households", "individuals"):
            continue
        key = (group, a1, a2, a3, a4, origin, reason, shelter)
        g = rec.groups.setdefault(key, Group())
        if sex is None and age is None:
            rec.totals[indicator] = rec.totals.get(indicator, 0.0) + value
            if unit == "households":
                g.households = (g.households or 0.0) + value
                g.households_field = g.households_field or fld
            else:
                g.individuals = (g.individuals or 0.0) + value
                g.individuals_field = g.individuals_field or fld
        elif unit == "individuals":
            kind = "sex_age" if sex and age else "sex" if sex else "age"
            g.kinds.add(kind)
            if kind == "sex_age":
                g.by_sex_age += value
            elif kind == "sex":
                g.by_sex += value
            else:
                g.by_age += value


def rounds_of(s: Session, operation_id: int) -> dict[int, RoundRow]:
    return {r.id: RoundRow(r.id, r.number, r.assessment_type, r.period_start, r.period_end,
                           r.gazetteer_version_id)
            for r in s.scalars(select(Round).where(Round.operation_id == operation_id))}


def answers(s: Session, version_ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(version id, answers) in chunks, in the order given."""
    for i in range(0, len(version_ids), CHUNK):
        chunk = version_ids[i:i + CHUNK]
        found = dict(s.connection().execute(
            select(SubmissionVersion.id, SubmissionVersion.data)
            .where(SubmissionVersion.id.in_(chunk))).all())
        for vid in chunk:
            yield vid, found.get(vid) or {}
