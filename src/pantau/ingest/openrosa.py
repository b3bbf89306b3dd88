"""Receive one OpenRosa submission (XML + attachments) by the storage rules, with Central's
answers: 201 new (or attachments added), 202 identical re-send, 409 conflicting re-send.

The HTTP layer (pantau.web.openrosa) only reads the request within its limits and renders the
answer; everything that decides what is stored lives here, so it can be tested and reused.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pantau.ingest.incoming import IncomingAttachment
from pantau.ingest.receive import MAX_ATTACHMENT, quarantine, receive
from pantau.ingest.xml import XmlSubmission, parse_submission
from pantau.operations import get_operation
from pantau.store.models import Attachment, Form, FormVersion

if TYPE_CHECKING:
    from pantau.workspace import Workspace

ATTEMPTS = 5  # two devices sending the same new instance at once: the loser retries, sees it
# SQLite has one writer: waiting on a lock here beats failing with "database is locked".
_sqlite_writer = threading.Lock()


@dataclass(frozen=True)
class Received:
    """What happened to one POST: the HTTP status, a word for logs/tests, a message for
    the device (never the submission's content)."""

    status: int
    outcome: str  # created | updated | attachments_added | duplicate | conflict | quarantined
    message: str
    submission_id: int | None = None


def attachment_name(name: str) -> str | None:
    """The file name as given if it is a plain file name, else None (refused).

    Devices send bare names ("1712.jpg"); a path ("../x", "/etc/x", "a\\b"), a NUL or a
    control character is never a legitimate attachment name."""
    if not name or len(name) > 255 or name in (".", ".."):
        return None
    if any(c in name for c in "/\\:") or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    return name


def receive_submission(ws: Workspace, operation: str, raw: bytes,
                       attachments: list[IncomingAttachment], origin: str = "") -> Received:
    """Parse (rejecting hostile XML with `XmlRejected`, nothing kept) and store one submission.

    Raises PantauError(not_found) for an unknown operation."""
    parsed = parse_submission(raw)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if ws.settings.is_sqlite:
                with _sqlite_writer, ws.session() as s:
                    return _store(s, operation, parsed, raw, attachments, origin)
            with ws.session() as s:
                return _store(s, operation, parsed, raw, attachments, origin)
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _store(s: Session, operation: str, parsed: XmlSubmission, raw: bytes,
           attachments: list[IncomingAttachment], origin: str) -> Received:
    op = get_operation(s, operation)
    form = s.scalar(select(Form).where(Form.operation_id == op.id,
                                       Form.xml_form_id == parsed.form_id))
    inc = parsed.incoming(raw, fields_of(s, form, parsed.version), origin=origin,
                          attachments=attachments)
    if form is None:
        reason = f"no form '{parsed.form_id}' in operation {operation}"
        quarantine(s, op.id, None, inc, reason)
        return Received(404, "quarantined", reason + "; kept in the quarantine")
    big = [a.name for a in attachments if len(a.content) > MAX_ATTACHMENT]
    out = receive(s, form, inc)
    if out.status == "quarantined":
        status = 413 if big else (400 if not parsed.instance_id else 404)
        return Received(status, "quarantined", out.message + "; kept in the quarantine")
    if out.status == "conflict":
        return Received(409, "conflict", "A submission already exists with this ID, but with "
                        "different XML. Resubmissions to this ID must be identical.",
                        out.submission_id)
    if out.status == "duplicate":
        assert out.version_id is not None
        if _add_missing(s, out.version_id, attachments):
            return Received(201, "attachments_added", "Attachments added.", out.submission_id)
        return Received(202, "duplicate", "Already received: nothing changed.",
                        out.submission_id)
    return Received(201, out.status, "Full submission upload was successful!",
                    out.submission_id)


def fields_of(s: Session, form: Form | None, version: str | None) -> list[dict]:
    """The fields of the version the submission names (or the current one), to know repeats."""
    if form is None:
        return []
    q = select(FormVersion.fields).where(FormVersion.form_id == form.id)
    found = s.scalar(q.where(FormVersion.version == version)) if version else None
    if found is None:
        found = s.scalar(q.where(FormVersion.current.is_(True)).order_by(FormVersion.id.desc()))
    return list(found or [])


def _add_missing(s: Session, version_id: int, attachments: list[IncomingAttachment]) -> bool:
    """Collect sends big attachments in several POSTs with the same XML: keep what is new.

    As in ODK Central, a name already stored keeps its first content."""
    have = set(s.scalars(select(Attachment.name).where(Attachment.version_id == version_id)))
    added = False
    for att in attachments:
        if att.name in have:
            continue
        s.add(Attachment(version_id=version_id, name=att.name, content_type=att.content_type,
                         size=len(att.content), sha256=hashlib.sha256(att.content).hexdigest(),
                         content=att.content))
        have.add(att.name)
        added = True
    return added
