"""Many records at once, by the storage rules of receive.py.

A file, a server page or a burst of OpenRosa POSTs holds many records, nearly all of them new:
a new instance id, no edit. Those are stored in bulk — one lookup of the batch's instance ids,
then one multi-row insert each for submissions, versions, observations and attachments. Every
other record (a re-send, an edit, a conflict, an attachment over the limit, an unknown form
version, an instance id seen earlier in the batch) goes through `receive()` one at a time, in
order, after the bulk records before it are written, so both paths see the same store and the
rules stay in one place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.ingest.incoming import Incoming, canonical_json
from pantau.ingest.observe import COLUMNS, as_row, observe
from pantau.ingest.receive import MAX_ATTACHMENT, Outcome, receive
from pantau.ingest.review import REVIEW_STATES
from pantau.store.bulk import insert_rows
from pantau.store.db import JsonText
from pantau.store.models import (
    Attachment,
    Form,
    FormVersion,
    Observation,
    Operation,
    Round,
    Submission,
    SubmissionVersion,
)

SIZE = 2000  # records per batch: large enough to amortise a round trip, small in memory

_ATTACHMENT = ("version_id", "name", "content_type", "size", "sha256", "content")
_SUBMISSION = ("form_id", "instance_id", "source", "submitter", "external_id",
               "submitted_at", "review_state", "round_id", "versions_count", "created_at",
               "updated_at")
_VERSION = ("submission_id", "instance_id", "deprecated_id", "form_version_id", "raw",
            "raw_format", "raw_sha256", "data", "data_sha256", "origin", "current",
            "created_at")


@dataclass(frozen=True)
class _Period:
    id: int
    start: dt.date
    end: dt.date


class FormContext:
    """What every record of one form needs, read once per import instead of once per record."""

    def __init__(self, s: Session, form: Form) -> None:
        self.form = form
        versions = s.scalars(select(FormVersion).where(FormVersion.form_id == form.id)
                             .order_by(FormVersion.id)).all()
        self.by_label = {v.version: v for v in versions}
        current = [v for v in versions if v.current]
        self.current = current[-1] if current else None
        op = s.get(Operation, form.operation_id)
        assert op is not None
        self.household_size = (float(op.avg_household_size)
                               if op.avg_household_size is not None else None)
        self.rounds = [] if form.assessment_type is None else [
            _Period(r.id, r.period_start, r.period_end) for r in s.scalars(select(Round).where(
                Round.operation_id == op.id, Round.assessment_type == form.assessment_type))]

    def version(self, label: str | None) -> FormVersion | None:
        return self.by_label.get(label) if label else self.current

    def round_for(self, when: dt.date | None) -> int | None:
        """The round whose period holds the date, if exactly one (as receive.py decides)."""
        if when is None:
            return None
        ids = [p.id for p in self.rounds if p.start <= when <= p.end]
        return ids[0] if len(ids) == 1 else None


def store_batch(s: Session, ctx: FormContext, batch: list[Incoming]) -> list[Outcome]:
    """Outcomes in the order of `batch`."""
    known = _known_ids(s, ctx.form.id, batch)
    outcomes: list[Outcome | None] = [None] * len(batch)
    pending: list[tuple[int, Incoming, FormVersion]] = []
    seen: set[str] = set()
    for i, inc in enumerate(batch):
        version = ctx.version(inc.form_version)
        if version is not None and _plain(inc) and inc.instance_id not in known \
                and inc.instance_id not in seen:
            pending.append((i, inc, version))
        else:
            _flush(s, ctx, pending, outcomes)
            pending = []
            outcomes[i] = receive(s, ctx.form, inc)
            seen.update(x for x in (inc.root_id, inc.deprecated_id) if x)
        seen.add(inc.instance_id)
    _flush(s, ctx, pending, outcomes)
    return [o for o in outcomes if o is not None]


def _plain(inc: Incoming) -> bool:
    """New and simple: has an id, is not an edit, no attachment over the limit. Anything else
    takes receive()."""
    return bool(inc.instance_id) and not inc.deprecated_id \
        and inc.root_id in (None, inc.instance_id) \
        and all(len(a.content) <= MAX_ATTACHMENT for a in inc.attachments)


def _known_ids(s: Session, form_id: int, batch: list[Incoming]) -> set[str]:
    """Instance ids of the batch that the store already has, as versions or as roots."""
    ids = list({inc.instance_id for inc in batch if inc.instance_id})
    if not ids:
        return set()
    # two index lookups: a join or a correlated subquery let PostgreSQL's planner scan the
    # versions table, which grows with every batch of a big import (measured: 0.03 s to 4 s
    # a batch over 60,000 records)
    versions = s.execute(select(SubmissionVersion.instance_id, SubmissionVersion.submission_id)
                         .where(SubmissionVersion.instance_id.in_(ids))).all()
    ours = set(s.scalars(select(Submission.id).where(
        Submission.id.in_({v[1] for v in versions}), Submission.form_id == form_id))) \
        if versions else set()
    known = {v[0] for v in versions if v[1] in ours}
    known.update(s.scalars(select(Submission.instance_id).where(
        Submission.form_id == form_id, Submission.instance_id.in_(ids))))
    return known


def _flush(s: Session, ctx: FormContext, pending: list[tuple[int, Incoming, FormVersion]],
           outcomes: list[Outcome | None]) -> None:
    if not pending:
        return
    now = dt.datetime.now(dt.UTC)
    form = ctx.form
    subs: list[tuple[Any, ...]] = []
    versions: list[list[Any]] = []
    observed: list[list[dict[str, Any]]] = []
    for _, inc, version in pending:
        rows, round_id = observe(form, version.mapping, inc.data, inc.submitted_at,
                                 ctx.household_size, ctx.round_for)
        state = inc.review_state if inc.review_state in REVIEW_STATES else "received"
        subs.append((form.id, inc.root_id or inc.instance_id, inc.source, inc.submitter,
                     inc.external_id, inc.submitted_at, state, round_id, 1, now, now))
        data = canonical_json(inc.data)
        versions.append([None, inc.instance_id, None, version.id, inc.raw, inc.raw_format,
                         hashlib.sha256(inc.raw).hexdigest(), JsonText(data),
                         hashlib.sha256(data.encode("utf-8")).hexdigest(), inc.origin, True,
                         now])
        observed.append(rows)
    insert_rows(s, Submission.__table__, _SUBMISSION, subs)
    roots = [row[1] for row in subs]
    sub_id = dict(s.execute(select(Submission.instance_id, Submission.id).where(
        Submission.form_id == form.id, Submission.instance_id.in_(roots))).all())
    for v, row in zip(versions, subs, strict=True):
        v[0] = sub_id[row[1]]
    insert_rows(s, SubmissionVersion.__table__, _VERSION, versions)
    version_id = dict(s.execute(
        select(SubmissionVersion.submission_id, SubmissionVersion.id).where(
            SubmissionVersion.submission_id.in_([v[0] for v in versions]))).all())
    obs = []
    for v, rows in zip(versions, observed, strict=True):
        vid = version_id[v[0]]
        for r in rows:
            r["version_id"] = vid
            obs.append(as_row(r))
    insert_rows(s, Observation.__table__, COLUMNS, obs)
    insert_rows(s, Attachment.__table__, _ATTACHMENT, (
        (version_id[v[0]], a.name, a.content_type, len(a.content),
         hashlib.sha256(a.content).hexdigest(), a.content)
        for (_, inc, _), v in zip(pending, versions, strict=True) for a in inc.attachments))
    for (i, _, _), v in zip(pending, versions, strict=True):
        outcomes[i] = Outcome("created", v[0], version_id[v[0]])
