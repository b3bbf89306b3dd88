"""What the checks read: the current versions in scope and a summary of each one's numbers.

The summaries come from the stored observations (the form's HXL tags already say which field is
"IDP households" or "girls under 5"), so the DTM checks need no field names and work for every
form pantau can map. One query reads every current version of the forms being checked — in all
rounds, since outliers and jumps compare a site with its own history — and one reads their
observations; answers (`data`) are read only for the versions being checked.

The two big reads (about 23 observations and one JSON document per submission) go through the
driver's own cursor (`stream`): SQLAlchemy's per-row result handling cost more than the
database's work at a million submissions. The statements are still built by SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, Select, select
from sqlalchemy.orm import Session

from pantau.store.models import Observation, Round, Submission, SubmissionVersion

CHUNK = 5000
FETCH = 20_000


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
    rows = stream(s, select(o.version_id, o.site_code, o.admin1_pcode, o.admin2_pcode,
                            o.admin3_pcode, o.admin4_pcode, o.date, o.population_group, o.unit,
                            o.sex, o.age_group, o.origin_pcode, o.reason, o.shelter,
                            o.indicator, o.field, o.value)
                  .where(o.operation_id == operation_id, o.estimated.is_(False)),
                  server_side=True)
    to_date = _date_reader(s)
    get = records.get
    for (vid, site, a1, a2, a3, a4, day, group, unit, sex, age, origin, reason, shelter,
         indicator, fld, value) in itertools.chain.from_iterable(rows):
        rec = get(vid)
        if rec is None:
            continue
        if rec.site_code is None and site:
            rec.site_code = site
        if not rec.admin:
            rec.admin = {n: p for n, p in ((1, a1), (2, a2), (3, a3), (4, a4)) if p}
        if rec.date is None and day is not None:
            rec.date = to_date(day)
        values = rec.values
        values[fld] = values.get(fld, 0.0) + value
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
    """(version id, answers) in chunks, in the order given. A chunk of ids that lie close
    together (a whole form or round: the usual case) is read as a range of the primary key,
    not as a list of 1,000 ids; rows of that range not asked for are skipped undecoded."""
    v = SubmissionVersion
    for i in range(0, len(version_ids), CHUNK):
        chunk = version_ids[i:i + CHUNK]
        low, high = min(chunk), max(chunk)
        where = (v.id >= low, v.id <= high) if high - low < 2 * len(chunk) \
            else (v.id.in_(chunk),)
        found = dict(itertools.chain.from_iterable(stream(s, select(v.id, v.data)
                                                          .where(*where))))
        for vid in chunk:
            yield vid, _json(found.get(vid))


def _json(data: Any) -> dict[str, Any]:
    """SQLite hands JSON over as text, psycopg already decoded."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    return data or {}


def stream(s: Session, stmt: Select[Any], server_side: bool = False
           ) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `stmt` as the driver gives them, in batches (lists), in the session's
    transaction. `server_side`: a server-side cursor on PostgreSQL (a million submissions'
    observations do not fit in memory at once); SQLite's cursor steps as it is read."""
    conn = s.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[k] for k in compiled.positiontup or ())
    driver: Any = conn.connection.driver_connection
    postgres = conn.dialect.name == "postgresql"
    cur = driver.cursor(name="pantau_quality_stream") if postgres and server_side \
        else driver.cursor()
    try:
        cur.execute(str(compiled), params)
        while batch := cur.fetchmany(FETCH):
            yield batch
    finally:
        cur.close()


def _date_reader(s: Session) -> Callable[[Any], dt.date | None]:
    """The store's dates as `date`s (SQLite keeps them as text), each text converted once."""
    dialect = s.connection().dialect
    process = Date().dialect_impl(dialect).result_processor(dialect, None)
    if process is None:
        return lambda d: d  # type: ignore[no-any-return]
    seen: dict[Any, dt.date | None] = {}

    def read(d: Any) -> dt.date | None:
        try:
            return seen[d]
        except KeyError:
            out = seen[d] = process(d)
            return out
    return read
