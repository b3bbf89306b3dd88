"""Receive one OpenRosa submission (XML + attachments) by the storage rules, with Central's
answers: 201 new (or attachments added), 202 identical re-send, 409 conflicting re-send.

The HTTP layer (pantau.web.openrosa) only reads the request within its limits, parses it and
renders the answer; what is stored is decided here. The server hands each parsed POST to its
writer (`submission_writer`, see pantau.ingest.writer), which stores many in one transaction
with `store_posts` (and POST by POST with `store_post` if that fails); `receive_submission`
stores one in a transaction of its own, for scripts.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.ingest.batch import FormContext, store_batch
from pantau.ingest.incoming import Incoming, IncomingAttachment
from pantau.ingest.receive import MAX_ATTACHMENT, Outcome, quarantine, receive
from pantau.ingest.writer import Writer
from pantau.ingest.xml import XmlSubmission, parse_submission
from pantau.operations import get_operation
from pantau.store.models import Attachment, Form, FormVersion, Operation

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
    """Parse (rejecting hostile XML with `XmlRejected`, nothing kept) and store one submission
    in a transaction of its own (the server stores through its writer instead).

    Raises PantauError(not_found) for an unknown operation."""
    parsed = parse_submission(raw)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if ws.settings.is_sqlite:
                with _sqlite_writer, ws.session() as s:
                    return store_submission(s, operation, parsed, raw, attachments, origin)
            with ws.session() as s:
                return store_submission(s, operation, parsed, raw, attachments, origin)
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Post:
    """One OpenRosa POST, read and parsed: what the server's writer stores."""

    operation: str
    parsed: XmlSubmission
    raw: bytes
    attachments: list[IncomingAttachment] = field(default_factory=list)
    origin: str = "OpenRosa POST"


def submission_writer(engine: Engine) -> Writer[Post, Received]:
    """The server's writer: POSTs stored many to a transaction (see pantau.ingest.writer)."""
    return Writer(engine, store_post, store_posts)


def store_submission(s: Session, operation: str, parsed: XmlSubmission, raw: bytes,
                     attachments: list[IncomingAttachment], origin: str = "") -> Received:
    """Store one parsed submission in the session's transaction, by `receive()`'s rules."""
    return store_post(s, Post(operation, parsed, raw, attachments, origin))


def store_post(s: Session, post: Post) -> Received:
    """One POST in the session's transaction; PantauError(not_found) for an unknown operation.

    The operation, form and fields are looked up once per session (kept in `Session.info`):
    a writer batch holds many submissions of the same form, and is one transaction."""
    op, form, inc = _prepare(s, post)
    if form is None:
        return _unknown_form(s, op, post, inc)
    return _answer(s, post, receive(s, form, inc))


def store_posts(s: Session, posts: list[Post]) -> list[Received | Exception]:
    """Many POSTs in the session's transaction, with the results `store_post` would give one
    after the other: the POSTs of one form go to `store_batch` (new submissions without
    attachments inserted in bulk, every other one through `receive()`, in order). A POST to
    an unknown operation gets its PantauError as its result, having written nothing."""
    results: list[Received | Exception] = []
    run: list[tuple[int, Post, Incoming]] = []
    run_form: Form | None = None

    def flush() -> None:
        if run_form is not None and run:
            outcomes = store_batch(s, _context(s, run_form), [inc for _, _, inc in run])
            for (i, post, _), out in zip(run, outcomes, strict=True):
                results[i] = _answer(s, post, out)
        run.clear()

    for i, post in enumerate(posts):
        results.append(_PENDING)
        try:
            op, form, inc = _prepare(s, post)
        except PantauError as exc:
            results[i] = exc
            continue
        if form is None or (run_form is not None and form.id != run_form.id):
            flush()
        if form is None:
            results[i] = _unknown_form(s, op, post, inc)
            continue
        run_form = form
        run.append((i, post, inc))
    flush()
    return results


_PENDING = Received(500, "pending", "")  # a place in `store_posts`' results, always replaced


def _prepare(s: Session, post: Post) -> tuple[Operation, Form | None, Incoming]:
    op, form = _form_of(s, post.operation, post.parsed.form_id)
    inc = post.parsed.incoming(post.raw, _fields_of(s, form, post.parsed.version),
                               origin=post.origin, attachments=post.attachments)
    return op, form, inc


def _unknown_form(s: Session, op: Operation, post: Post, inc: Incoming) -> Received:
    reason = f"no form '{post.parsed.form_id}' in operation {post.operation}"
    quarantine(s, op.id, None, inc, reason)
    return Received(404, "quarantined", reason + "; kept in the quarantine")


def _answer(s: Session, post: Post, out: Outcome) -> Received:
    """Central's answer to what the storage rules did with the POST."""
    if out.status == "quarantined":
        big = any(len(a.content) > MAX_ATTACHMENT for a in post.attachments)
        status = 413 if big else (400 if not post.parsed.instance_id else 404)
        return Received(status, "quarantined", out.message + "; kept in the quarantine")
    if out.status == "conflict":
        return Received(409, "conflict", "A submission already exists with this ID, but with "
                        "different XML. Resubmissions to this ID must be identical.",
                        out.submission_id)
    if out.status == "duplicate":
        assert out.version_id is not None
        if add_missing(s, out.version_id, post.attachments):
            return Received(201, "attachments_added", "Attachments added.", out.submission_id)
        return Received(202, "duplicate", "Already received: nothing changed.",
                        out.submission_id)
    return Received(201, out.status, "Full submission upload was successful!",
                    out.submission_id)


def _context(s: Session, form: Form) -> FormContext:
    """The form's versions, household size and rounds, read once per batch."""
    cache: dict[int, FormContext] = s.info.setdefault("openrosa_contexts", {})
    if form.id not in cache:
        cache[form.id] = FormContext(s, form)
    return cache[form.id]


def _form_of(s: Session, operation: str, form_id: str) -> tuple[Operation, Form | None]:
    """The operation (PantauError if unknown) and its form `form_id` (None if unknown)."""
    cache: dict[tuple[str, str], tuple[Operation, Form | None]] = \
        s.info.setdefault("openrosa_forms", {})
    key = (operation, form_id)
    if key not in cache:
        op = get_operation(s, operation)
        cache[key] = (op, s.scalar(select(Form).where(Form.operation_id == op.id,
                                                      Form.xml_form_id == form_id)))
    return cache[key]


def _fields_of(s: Session, form: Form | None, version: str | None) -> list[dict]:
    cache: dict[tuple[int | None, str | None], list[dict]] = \
        s.info.setdefault("openrosa_fields", {})
    key = (form.id if form is not None else None, version)
    if key not in cache:
        cache[key] = fields_of(s, form, version)
    return cache[key]


def fields_of(s: Session, form: Form | None, version: str | None) -> list[dict]:
    """The fields of the version the submission names (or the current one), to know repeats."""
    if form is None:
        return []
    q = select(FormVersion.fields).where(FormVersion.form_id == form.id)
    found = s.scalar(q.where(FormVersion.version == version)) if version else None
    if found is None:
        found = s.scalar(q.where(FormVersion.current.is_(True)).order_by(FormVersion.id.desc()))
    return list(found or [])


def add_missing(s: Session, version_id: int, attachments: list[IncomingAttachment]) -> bool:
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
