"""The quarantine: records that could not be parsed or placed, listed and re-processed.

Re-processing runs a kept record through the same reader and the same storage rules as the
first time, once the form or its mapping is fixed. A record that now goes in is marked
resolved with its submission; one that still fails stays, with the new reason.

Readers: XML by `pantau.ingest.xml`; JSON and CSV records by the reader of their source, which
offers `reparse(raw, raw_format, fields, origin) -> Incoming | Unreadable`: KoboToolbox CSV,
JSON and XLSX rows in `pantau.ingest.kobo`, ODK Central CSV rows, zip documents and OData
JSON in `pantau.ingest.central`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.ingest.incoming import Incoming
from pantau.ingest.openrosa import fields_of
from pantau.ingest.receive import receive
from pantau.ingest.stream import Unreadable
from pantau.ingest.xml import XmlRejected, parse_submission
from pantau.operations import get_operation
from pantau.store.models import Form, FormVersion, Quarantine

READERS = {"central": "pantau.ingest.central", "kobo": "pantau.ingest.kobo"}  # source → reader
Reparse = Callable[[bytes, str, list[dict[str, Any]], str], "Incoming | Unreadable"]


@dataclass(frozen=True)
class QuarantineInfo:
    id: int
    created_at: dt.datetime
    source: str
    origin: str
    reason: str
    form: str | None
    raw_format: str
    size: int
    resolved_at: dt.datetime | None
    submission_id: int | None


@dataclass
class ReprocessResult:
    counts: Counter[str] = field(default_factory=Counter)  # resolved | still_failing
    outcomes: dict[int, str] = field(default_factory=dict)  # quarantine id -> what happened


def list_quarantined(s: Session, operation: str, unresolved: bool = True) -> list[QuarantineInfo]:
    op = get_operation(s, operation)
    q = (select(Quarantine, Form.xml_form_id).outerjoin(Form, Form.id == Quarantine.form_id)
         .where(Quarantine.operation_id == op.id).order_by(Quarantine.id))
    if unresolved:
        q = q.where(Quarantine.resolved_at.is_(None))
    return [QuarantineInfo(r.id, r.created_at, r.source, r.origin, r.reason, form,
                           r.raw_format, len(r.raw), r.resolved_at, r.submission_id)
            for r, form in s.execute(q).all()]


def reprocess(s: Session, operation: str, ids: list[int] | None = None) -> ReprocessResult:
    """Re-process the unresolved records of `operation` (or only `ids`) in one transaction."""
    op = get_operation(s, operation)
    q = (select(Quarantine).where(Quarantine.operation_id == op.id,
                                  Quarantine.resolved_at.is_(None)).order_by(Quarantine.id))
    if ids:
        q = q.where(Quarantine.id.in_(ids))
        found = set(s.scalars(select(Quarantine.id).where(Quarantine.operation_id == op.id,
                                                          Quarantine.id.in_(ids))))
        missing = sorted(set(ids) - found)
        if missing:
            raise PantauError("not_found", what=f"quarantined record in {operation}",
                              key=", ".join(map(str, missing)))
    result = ReprocessResult()
    for row in s.scalars(q).all():
        outcome = _reprocess_one(s, op.id, row)
        result.outcomes[row.id] = outcome
        result.counts["resolved" if row.resolved_at else "still_failing"] += 1
    return result


def _reprocess_one(s: Session, operation_id: int, row: Quarantine) -> str:
    """Try one record again; returns what happened (for the report), updates the row."""
    form = s.get(Form, row.form_id) if row.form_id is not None else None
    if row.raw_format == "xml":
        try:
            parsed = parse_submission(row.raw)
        except XmlRejected as exc:
            return _still(row, exc.reason)
        if form is None:
            form = s.scalar(select(Form).where(Form.operation_id == operation_id,
                                               Form.xml_form_id == parsed.form_id))
            if form is None:
                return _still(row, f"no form '{parsed.form_id}' in the operation")
        rec: Incoming | Unreadable = parsed.incoming(
            row.raw, fields_of(s, form, parsed.version), source=row.source, origin=row.origin)
    else:
        if form is None:
            return _still(row, row.reason, "its form is unknown")
        reader = _reader(row.source, row.raw_format)
        if reader is None:
            return _still(row, row.reason,
                          f"no reader can re-parse a single {row.raw_format} record yet")
        rec = _read_as_its_version(s, form, reader, row)
    if isinstance(rec, Unreadable):
        return _still(row, rec.reason)
    savepoint = s.begin_nested()
    out = receive(s, form, rec)
    if out.status in ("quarantined", "conflict"):
        savepoint.rollback()  # receive quarantined it again as a new row: keep the old one
        return _still(row, f"{out.status}: {out.message}" if out.status == "conflict"
                      else out.message)
    savepoint.commit()
    row.resolved_at = dt.datetime.now(dt.UTC)
    row.submission_id = out.submission_id
    row.form_id = form.id
    return out.status


def _read_as_its_version(s: Session, form: Form, reader: Reparse,
                         row: Quarantine) -> Incoming | Unreadable:
    """Read a JSON or CSV record with the fields of the form version it names, which may not
    be the current one: a repeat or a field that only the record's own version has is then
    read as that version defines it.

    The version is written inside the record, so it is first read with the current fields;
    if it names another stored version, it is read again with that one's (kept only if that
    reads: else the current reading stands, and the storage rules decide). A record the
    current fields cannot read at all (answers to fields only an older version has) is tried
    with each other version, newest first, and taken from the first that reads it *and*
    whose label the record names."""
    versions = [(label, list(fields or []), is_current) for label, fields, is_current in
                s.execute(select(FormVersion.version, FormVersion.fields, FormVersion.current)
                          .where(FormVersion.form_id == form.id)
                          .order_by(FormVersion.current.desc(), FormVersion.id.desc()))]
    current = next((fields for _, fields, is_current in versions if is_current), [])
    first = reader(row.raw, row.raw_format, current, row.origin)
    if isinstance(first, Incoming):
        named = next((fields for label, fields, _ in versions
                      if label == first.form_version), None)
        if named is None or named == current:
            return first
        again = reader(row.raw, row.raw_format, named, row.origin)
        return again if isinstance(again, Incoming) else first
    for label, fields, is_current in versions:
        if not is_current:
            rec = reader(row.raw, row.raw_format, fields, row.origin)
            if isinstance(rec, Incoming) and rec.form_version == label:
                return rec
    return first


def _still(row: Quarantine, reason: str, note: str = "") -> str:
    row.reason = reason
    return f"still failing: {note or reason}"


def _reader(source: str, raw_format: str) -> Reparse | None:
    """The single-record reader for a JSON or CSV record: that of the source that sent it
    (Central's OData JSON and zip documents are not Kobo JSON, nor the other way round);
    records from elsewhere ("file") are read as Kobo's, the most common export."""
    if raw_format not in ("json", "csv"):
        return None
    name = READERS.get(source, READERS["kobo"])
    fn = getattr(importlib.import_module(name), "reparse", None)
    return fn if callable(fn) else None
