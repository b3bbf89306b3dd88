"""OpenRosa endpoints, so ODK Collect, KoboCollect and Enketo can send straight to pantau.

Per operation, as ODK Central does per project:

    GET  /openrosa/{operation}/formList                  the forms (OpenRosa xforms list)
    GET  /openrosa/{operation}/forms/{form_id}/form.xml  the current XForm of a form
    HEAD /openrosa/{operation}/submission                204: ready, and the body size limit
    POST /openrosa/{operation}/submission                multipart: xml_submission_file + files

Routes are thin: limits, multipart and parsing here, what is stored in `pantau.ingest.openrosa`,
and when it is committed in `pantau.ingest.writer`: a POST is handed to the app's writer, which
stores everything received meanwhile in one transaction and answers each POST after the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, fields, replace
from typing import Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from pantau.access import Principal
from pantau.errors import PantauError
from pantau.ingest.incoming import Incoming, IncomingAttachment
from pantau.ingest.openrosa import Post, Received, attachment_name
from pantau.ingest.writer import Writer
from pantau.ingest.xml import MAX_XML, XmlRejected, XmlSubmission, parse_submission
from pantau.operations import get_operation
from pantau.store.models import Form, FormVersion
from pantau.web.access import allow

MAX_BODY = 100 * 1024 * 1024  # what Central accepts; announced in X-OpenRosa-Accept-Content-Length
MAX_PARTS = 200  # a submission with more files than this is not a field form
PARSE_INLINE = 256 * 1024  # bytes of XML parsed on the event loop; bigger goes to a thread
XML_PART = "xml_submission_file"


class _TooLarge(MultiPartException):
    """The body passed MAX_BODY (a MultiPartException so the parser closes its temp files)."""

    def __init__(self) -> None:
        super().__init__("too large")


# Devices log in with HTTP Basic auth as ODK Central's users do (ODK Collect and Enketo send
# it after a 401 with WWW-Authenticate): collectors, managers and admins of the operation.
# The body limit is the route's own (MAX_BODY, counted as it streams), not the middleware's.
READ_FORMS = allow("forms:read", basic=True)
SUBMIT = allow("submit", basic=True, max_body=None)

router = APIRouter(prefix="/openrosa/{operation}", tags=["openrosa"])


@dataclass(frozen=True)
class _Sent(XmlSubmission):
    """A parsed submission with the account that sent it, stored as its `submitter` (the
    collector's own submissions are the ones they may see)."""

    submitter: str | None = None

    def incoming(self, raw: bytes, fields: Iterable[dict[str, Any]] = (), *,
                 source: str = "openrosa", origin: str = "",
                 attachments: list[IncomingAttachment] | None = None) -> Incoming:
        got = super().incoming(raw, fields, source=source, origin=origin,
                               attachments=attachments)
        return replace(got, submitter=self.submitter)


def _headers() -> dict[str, str]:
    return {"X-OpenRosa-Version": "1.0", "X-OpenRosa-Accept-Content-Length": str(MAX_BODY)}


def _xml(body: str, status: int = 200) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status_code=status,
                    media_type="text/xml; charset=utf-8", headers=_headers())


def _message(status: int, text: str) -> Response:
    nature = "submit_success" if status < 300 else "error"
    return _xml('<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
                f'<message nature="{nature}">{escape(text)}</message></OpenRosaResponse>',
                status)


@router.get("/formList", summary="OpenRosa form list", dependencies=[READ_FORMS])
def form_list(operation: str, request: Request, formID: str | None = None) -> Response:  # noqa: N803
    """The operation's forms with a current version, as ODK Collect lists them."""
    ws = request.app.state.ws
    with ws.session() as s:
        try:
            op = get_operation(s, operation)
        except PantauError as exc:
            return _message(exc.status, str(exc))
        q = (select(Form.xml_form_id, Form.title, FormVersion.version, FormVersion.xform)
             .join(FormVersion, FormVersion.form_id == Form.id)
             .where(Form.operation_id == op.id, FormVersion.current.is_(True))
             .order_by(Form.xml_form_id, FormVersion.id.desc()))
        if formID:
            q = q.where(Form.xml_form_id == formID)
        rows = s.execute(q).all()
    base = str(request.base_url).rstrip("/")
    seen: set[str] = set()
    items = []
    for form_id, title, version, xform in rows:
        if form_id in seen:
            continue
        seen.add(form_id)
        md5 = hashlib.md5(xform.encode("utf-8"), usedforsecurity=False).hexdigest()
        url = f"{base}/openrosa/{operation}/forms/{form_id}/form.xml"
        items.append(f"<xform><formID>{escape(form_id)}</formID>"
                     f"<name>{escape(title or form_id)}</name>"
                     f"<version>{escape(version)}</version><hash>md5:{md5}</hash>"
                     f"<downloadUrl>{escape(url)}</downloadUrl></xform>")
    return _xml('<xforms xmlns="http://openrosa.org/xforms/xformsList">'
                + "".join(items) + "</xforms>")


@router.get("/forms/{form_id}/form.xml", summary="Download a form's current XForm",
            dependencies=[READ_FORMS])
def form_xml(operation: str, form_id: str, request: Request) -> Response:
    ws = request.app.state.ws
    from pantau.forms.store import current_version, get_form

    with ws.session() as s:
        try:
            xform = current_version(s, get_form(s, operation, form_id)).xform
        except PantauError as exc:
            return _message(exc.status, str(exc))
    return Response(xform, media_type="text/xml; charset=utf-8", headers=_headers())


@router.head("/submission", status_code=204, summary="OpenRosa pre-flight",
             dependencies=[SUBMIT])
async def submission_head(operation: str) -> Response:
    """Collect asks before sending; the answer carries the size limit."""
    _ = operation
    return Response(status_code=204, headers=_headers())


@router.post("/submission", summary="Receive a submission (OpenRosa multipart)")
async def submission(operation: str, request: Request, who: Principal = SUBMIT) -> Response:
    """Store one submission: 201 new (or attachments added to one received before), 202 an
    identical re-send, 409 same instanceID with other data, 400 not a submission (hostile
    or broken XML: nothing kept; no instanceID: kept in the quarantine), 404 unknown
    operation or form, 413 too big."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return _message(413, f"The request is larger than {MAX_BODY // 2**20} MB.")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return _message(400, "Send the submission as multipart/form-data with a part named "
                        f"{XML_PART}.")
    try:
        raw, attachments = await _read_parts(request)
    except _TooLarge:
        return _message(413, f"The request is larger than {MAX_BODY // 2**20} MB.")
    except ValueError as exc:
        return _message(400, str(exc))
    try:
        # A field form's XML parses in well under a millisecond: a thread hop would cost more.
        parsed = (parse_submission(raw) if len(raw) <= PARSE_INLINE
                  else await run_in_threadpool(parse_submission, raw))
    except XmlRejected as exc:
        return _message(exc.status, exc.reason)
    parsed = _Sent(**{f.name: getattr(parsed, f.name) for f in fields(XmlSubmission)},
                   submitter=who.username)
    writer: Writer[Post, Received] = request.app.state.submission_writer
    try:
        got = await writer.run(Post(operation, parsed, raw, attachments))
    except PantauError as exc:
        return _message(exc.status, str(exc))
    return _message(got.status, got.message)


async def _capped(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The body, refused as soon as it passes `limit` (a missing or false Content-Length
    must not let a client fill the disk)."""
    n = 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > limit:
            raise _TooLarge
        yield chunk


async def _read_parts(request: Request) -> tuple[bytes, list[IncomingAttachment]]:
    """The submission XML and the attachments; ValueError says what is wrong with them."""
    parser = MultiPartParser(request.headers, _capped(request, MAX_BODY), max_files=MAX_PARTS,
                             max_fields=MAX_PARTS, max_part_size=MAX_XML + 1)
    try:
        form = await parser.parse()
    except _TooLarge:
        raise
    except MultiPartException as exc:
        raise ValueError(f"The multipart body is malformed: {exc}") from None
    raw: bytes | None = None
    attachments: list[IncomingAttachment] = []
    try:
        for key, value in form.multi_items():
            if key == XML_PART:
                raw = (await value.read() if isinstance(value, UploadFile)
                       else value.encode("utf-8"))
            elif isinstance(value, UploadFile):
                name = attachment_name(value.filename or key)
                if name is None:
                    raise ValueError("An attachment name is not a plain file name "
                                     "(paths, '..' and control characters are refused).")
                if any(a.name == name for a in attachments):
                    raise ValueError(f"Two attachments are named '{name}'.")
                attachments.append(IncomingAttachment(
                    name, await value.read(),
                    value.content_type or "application/octet-stream"))
    finally:
        await form.close()
    if raw is None:
        raise ValueError(f"The request has no part named {XML_PART}.")
    return raw, attachments
