"""The JSON API of data quality and review, for the data-management page and for scripts.

One router per permission (pantau.access.roles), each declaring it for all its routes:

- `read_router` — "records:read", record-level data without personal fields: flags, one
  record with its versions (personal answers shown as `‹personal›`), the applied cleaning
  log (likewise), review progress;
- `export_router` — "export": the cleaning log to edit offline (it holds the answers);
- `review_router` — "review": apply a cleaning log, approve, reopen.

Routes are thin: read the request, one call on the workspace (`ws.review`, `ws.quality`, the
same calls the CLI makes), return its plain data. Errors come from the one catalogue
(`pantau.errors`): 404 for an unknown operation, round or uuid, 422 for bad input; a cleaning
log that fails lists every problem (file, row, field) and nothing is applied.

**Who acts** on a write: the signed-in user (the access layer's principal, or
`request.state.user` where another layer sets one) — then `by` is ignored: nobody acts under
another's name; else the `by` field of the request, which is then required.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pantau.errors import ImportFailed, PantauError
from pantau.quality.cleaning import CleanResult
from pantau.review.approve import Approved
from pantau.review.flagged import MAX_LIMIT, FlagFilter, FlagPage
from pantau.review.records import LogPage, RecordView
from pantau.review.status import RoundStatus
from pantau.web.access import allow

PREFIX = "/api/operations/{operation}"
MAX_UPLOAD = 50 * 2**20  # bytes; a cleaning log of a whole operation is a few MB
UPLOADS = (".csv", ".xlsx")
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

read_router = APIRouter(prefix=PREFIX, tags=["quality"], dependencies=[allow("records:read")])
export_router = APIRouter(prefix=PREFIX, tags=["quality"], dependencies=[allow("export")])
review_router = APIRouter(prefix=PREFIX, tags=["review"], dependencies=[allow("review")])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]


class Problem(BaseModel):
    source: str = Field(description="the uploaded file's name")
    row: int | None = Field(None, description="row of the file (the header is row 1)")
    field: str | None = Field(None, description="the field or column the problem is in")
    message: str


class Problems(BaseModel):
    """A cleaning log that was refused as a whole: nothing was applied."""

    error: str = "import_failed"
    message: str
    problems: list[Problem]


class ApproveIn(BaseModel):
    round: int = Field(description="round number")
    area: str | None = Field(None, description="admin 1 or admin 2 P-code; none: the whole "
                             "round, every admin 2 area then every admin 1 area")
    type: str | None = Field(None, description="assessment type, when rounds of several "
                             "types have this number")
    by: str | None = Field(None, description="who approves; required unless signed in")


class ReopenIn(BaseModel):
    round: int
    area: str = Field(description="admin 1 or admin 2 P-code of the approval to withdraw")
    reason: str = Field(description="why it is reopened (required, kept with the approval)")
    type: str | None = None
    by: str | None = Field(None, description="who reopens; required unless signed in")


def actor(request: Request, by: str | None) -> str:
    """Who acts: the signed-in user, else `by` (see the module docstring)."""
    principal = getattr(request.state, "principal", None)
    if principal is not None and not principal.anonymous:
        return str(principal.username)
    user = getattr(request.state, "user", None)
    if user is not None:
        name = user if isinstance(user, str) else \
            getattr(user, "username", None) or getattr(user, "name", None)
        if name:
            return str(name)
    if by and by.strip():
        return by.strip()[:120]
    raise PantauError("invalid", message="who acts is not known: sign in, or give `by` "
                      "(the name recorded with the change)")


def _ws(request: Request) -> Any:
    return request.app.state.ws


# ---- records:read ----------------------------------------------------------------------------

@read_router.get("/flags", response_model=FlagPage)
def list_flags(request: Request, operation: str, round: int | None = None,  # noqa: A002
               area: Annotated[str | None, Query(description="admin 1 or 2 P-code")] = None,
               check: str | None = None,
               severity: Literal["error", "warning", "info"] | None = None,
               enumerator: str | None = None, form: str | None = None,
               type: Annotated[str | None, Query(description="assessment type")] = None,  # noqa: A002
               limit: Limit = 100, offset: Offset = 0) -> FlagPage:
    """Flags of the current versions of live submissions, oldest submission first, with
    `total` for paging. A record's area is its own P-codes, else its site's (master list)."""
    where = FlagFilter(form, round, type, area, check, severity, enumerator)
    return _ws(request).review.flags(operation, where, limit, offset)  # type: ignore[no-any-return]


@read_router.get("/records/{uuid}", response_model=RecordView)
def get_record(request: Request, operation: str, uuid: str) -> RecordView:
    """One submission (by its root instance id or any version's, `uuid:` optional): every
    version with its answers and flags, its cleaning-log rows, and the approval locking it."""
    return _ws(request).review.record(operation, uuid)  # type: ignore[no-any-return]


@read_router.get("/cleaning-log", response_model=LogPage)
def list_cleaning_log(request: Request, operation: str, form: str | None = None,
                      round: int | None = None,  # noqa: A002
                      limit: Limit = 100, offset: Offset = 0) -> LogPage:
    """The applied cleaning-log rows (uuid, field, old and new value, reason, who, when, the
    version replaced and the version made), newest first."""
    return _ws(request).review.cleaning_log(  # type: ignore[no-any-return]
        operation, form, round, limit, offset)


@export_router.get("/cleaning-log/export", response_class=Response, responses={200: {
    "content": {MEDIA["csv"]: {}, MEDIA["xlsx"]: {}},
    "description": "the cleaning log to edit offline"}})
def export_cleaning_log(request: Request, operation: str,
                        format: Literal["csv", "xlsx"] = "xlsx",  # noqa: A002
                        form: str | None = None, flagged: bool = True) -> Response:
    """The working file a data manager edits in Excel and uploads again (as `pantau clean
    export`): one row per answer — per flagged answer with `flagged` — with uuid, form,
    round, site, field, old_value, new_value (= old), reason, flags. It holds answers: a
    working file for the data team, not for publishing."""
    with tempfile.TemporaryDirectory(prefix="pantau-clean-") as tmp:
        out = Path(tmp) / f"cleaning-log-{operation}.{format}"
        _ws(request).quality.clean_export(operation, out, form=form, flagged=flagged)
        content = out.read_bytes()
    return Response(content, media_type=MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="cleaning-log-{operation}.{format}"'})


@read_router.get("/review", response_model=list[RoundStatus])
def review_progress(request: Request, operation: str, round: int | None = None,  # noqa: A002
                    type: str | None = None) -> list[RoundStatus]:  # noqa: A002
    """Per round: one row per admin 1 area and its admin 2 areas — expected (master-list
    sites open during the round), received, approved, flagged, state — and one per
    enumerator (received, approved, flagged)."""
    return _ws(request).review.status(operation, round, type)  # type: ignore[no-any-return]


# ---- review:write ----------------------------------------------------------------------------

@review_router.post("/cleaning-log", response_model=CleanResult,
                    responses={422: {"model": Problems}, 413: {"model": Problems}},
                    dependencies=[allow("review", max_body=MAX_UPLOAD + 2**16)])
def apply_cleaning_log(request: Request, operation: str,
                       file: Annotated[UploadFile, File(description="the edited log, "
                                                        ".csv or .xlsx")],
                       by: Annotated[str | None, Form()] = None,
                       form: Annotated[str | None, Form()] = None) -> Any:
    """Apply an edited cleaning log, as `pantau clean apply`: every row is checked first
    (unknown uuid or field, stale old value, a value breaking the form's rules, a locked
    submission, a change without a reason …); any problem refuses the whole file, listing
    them all by row and field, and nothing is applied. Otherwise each changed submission gets
    a new version and each row is logged with who and when, in one transaction."""
    who = actor(request, by)
    name = Path(file.filename or "").name
    if Path(name).suffix.lower() not in UPLOADS:
        return _refused(name or "upload", "upload the cleaning log as a .csv or .xlsx file")
    content = file.file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _refused(name, f"the file is larger than {MAX_UPLOAD // 2**20} MB", 413)
    with tempfile.TemporaryDirectory(prefix="pantau-clean-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        try:
            return _ws(request).quality.clean_apply(operation, path, by=who, form=form)
        except ImportFailed as exc:
            return JSONResponse(Problems(message=str(exc), problems=[
                Problem(source=p.source, row=p.row, field=p.field, message=p.message)
                for p in exc.problems if p.severity == "error"]).model_dump(),
                status_code=exc.status)
        except PantauError as exc:
            if exc.code != "unreadable_file":
                raise
            return _refused(name, str(exc))


def _refused(name: str, message: str, status: int = 422) -> JSONResponse:
    return JSONResponse(Problems(message=f"{name}: {message}; nothing was applied.",
                                 problems=[Problem(source=name, message=message)]).model_dump(),
                        status_code=status)


@review_router.post("/review/approve", response_model=Approved)
def approve(request: Request, operation: str, body: ApproveIn) -> Approved:
    """Approve an admin 2 area, or an admin 1 area once all its admin 2 areas are (bottom-
    up), or without `area` the whole round. Approved submissions are locked and counted in
    analytics. 422 names the open child areas, or the approval standing already."""
    who = actor(request, body.by)
    return _ws(request).review.approve(  # type: ignore[no-any-return]
        operation, body.round, area=body.area, type=body.type, by=who)


@review_router.post("/review/reopen", response_model=Approved)
def reopen(request: Request, operation: str, body: ReopenIn) -> Approved:
    """Withdraw an approval (top-down: an admin 2 area only once its admin 1 area is open);
    a reason is required. Its submissions go back to `received` and are unlocked."""
    who = actor(request, body.by)
    return _ws(request).review.reopen(  # type: ignore[no-any-return]
        operation, body.round, area=body.area, reason=body.reason, type=body.type, by=who)
