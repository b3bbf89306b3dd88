"""Submissions → observations, and their round: the one place that decides both.

Used when a submission is stored (one at a time by receive.py, in bulk by batch.py) and when a
form version's mapping is corrected: the stored observations of its current submissions are then
recomputed, so a fixed mapping reaches the figures without re-importing anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from pantau.forms.observations import observations_for
from pantau.store.bulk import insert_rows
from pantau.store.models import Form, FormVersion, Observation, Submission, SubmissionVersion

COLUMNS = tuple(c.name for c in Observation.__table__.c if c.name != "id")
CHUNK = 2000


def observe(form: Form, mapping: dict[str, Any] | None, data: dict[str, Any],
            submitted_at: dt.datetime | None, household_size: float | None,
            round_for: Callable[[dt.date | None], int | None]
            ) -> tuple[list[dict[str, Any]], int | None]:
    """(observation rows without version_id, round id). The round is the one whose period
    holds the assessment date the answers give, else the day the submission was received."""
    rows = observations_for(mapping or {}, data, household_size)
    when = next((r["date"] for r in rows if r.get("date")), None)
    if when is None and submitted_at is not None:
        when = submitted_at.date()
    round_id = round_for(when)
    for r in rows:
        r["operation_id"] = form.operation_id
        r["round_id"] = round_id
        r["assessment_type"] = form.assessment_type
    return rows, round_id


as_row = itemgetter(*COLUMNS)  # an observation dict (with version_id) as a tuple, fast


def recompute(s: Session, form: Form, version: FormVersion) -> int:
    """Observations of every current submission of `version` again, from its mapping; returns
    how many submissions were recomputed. Runs in the caller's transaction."""
    from pantau.ingest.batch import FormContext

    ctx = FormContext(s, form)
    done = 0
    last = 0
    while True:
        chunk = s.execute(
            select(SubmissionVersion.id, SubmissionVersion.submission_id,
                   SubmissionVersion.data, Submission.submitted_at)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .where(SubmissionVersion.form_version_id == version.id,
                   SubmissionVersion.current.is_(True), SubmissionVersion.id > last)
            .order_by(SubmissionVersion.id).limit(CHUNK)).all()
        if not chunk:
            return done
        last = chunk[-1][0]
        s.execute(delete(Observation).where(Observation.version_id.in_([c[0] for c in chunk])))
        rows: list[tuple[Any, ...]] = []
        by_round: dict[int | None, list[int]] = {}
        for version_id, submission_id, data, submitted_at in chunk:
            found, round_id = observe(form, version.mapping, data or {}, submitted_at,
                                      ctx.household_size, ctx.round_for)
            by_round.setdefault(round_id, []).append(submission_id)
            for r in found:
                r["version_id"] = version_id
                rows.append(as_row(r))
        insert_rows(s, Observation.__table__, COLUMNS, rows)
        for round_id, ids in by_round.items():
            s.execute(update(Submission).where(Submission.id.in_(ids))
                      .values(round_id=round_id))
        done += len(chunk)
