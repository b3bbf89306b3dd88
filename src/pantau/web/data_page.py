"""The data-management page: /operations/{operation}/data — progress of a round by area and
enumerator, its flagged records, the cleaning log, and the approve, reopen and cleaning-log
forms.

One view, two faces: the page shows what the JSON API (`pantau.web.quality_api`) returns —
`GET …/review`, `…/flags`, `…/cleaning-log` — through the same `ws.review` calls. It works
without JavaScript: filters are GET parameters (an address that can be shared), actions are
HTML forms that POST here, carry the session's CSRF token, and come back to the page (303)
with what was done, or show the page again with every problem (422).

Access: `page_router` needs "records:read" (answers are never shown here, only flags, whose
messages hold no answers, and the cleaning log without personal values); `action_router`
needs "review".
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pantau import __version__
from pantau.errors import ImportFailed, PantauError
from pantau.review.flagged import FlagFilter
from pantau.web.access import allow
from pantau.web.quality_api import MAX_UPLOAD, UPLOADS, actor

page_router = APIRouter(dependencies=[allow("records:read")])
action_router = APIRouter(dependencies=[allow("review")])
PAGE = 50  # flags per page


def _ws(request: Request) -> Any:
    return request.app.state.ws


def page_data(ws: Any, operation: str, round_number: int | None, where: FlagFilter,
              offset: int) -> dict[str, Any]:
    """Everything the page shows, as plain data (what the JSON routes return, together)."""
    rounds = ws.review.status(operation)
    chosen = round_number if round_number is not None else (
        max((r.round for r in rounds), default=None))
    shown = [r for r in rounds if r.round == chosen]
    return {"operation": operation, "rounds": sorted({r.round for r in rounds}),
            "round": chosen, "progress": shown,
            "flags": ws.review.flags(operation, where, PAGE, offset),
            "log": ws.review.cleaning_log(operation, limit=20)}


async def _render(request: Request, operation: str, round_number: int | None = None,
                  where: FlagFilter | None = None, offset: int = 0, status: int = 200,
                  problems: list[str] | None = None) -> HTMLResponse:
    from pantau.web.app import templates

    where = where or FlagFilter(round=round_number)
    data = await run_in_threadpool(page_data, _ws(request), operation, round_number, where,
                                   offset)
    who = getattr(request.state, "principal", None)
    can_review = bool(who and who.can("review", operation))
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "done")}
    return templates.TemplateResponse(request, "data.html", {
        **data, "where": where, "offset": offset, "page": PAGE, "query": query,
        "done": request.query_params.get("done"), "problems": problems or [],
        "can_review": can_review, "csrf_token": getattr(who, "csrf_token", None) or "",
        "version": __version__, "active": "data",
        "json_url": f"/api/operations/{operation}/review"}, status_code=status)


@page_router.get("/operations/{operation}/data", response_class=HTMLResponse,
                 include_in_schema=False)
async def data_page(request: Request, operation: str,
                    round: Annotated[int | None, Query(ge=0)] = None,  # noqa: A002
                    area: Annotated[str | None, Query(max_length=40)] = None,
                    check: Annotated[str | None, Query(max_length=80)] = None,
                    severity: Annotated[str | None, Query(max_length=8)] = None,
                    enumerator: Annotated[str | None, Query(max_length=200)] = None,
                    offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    where = FlagFilter(round=round, area=area or None, check=check or None,
                       severity=severity or None, enumerator=enumerator or None)
    return await _render(request, operation, round, where, offset)


def _back(operation: str, round_number: int | None, done: str) -> RedirectResponse:
    from urllib.parse import urlencode

    query = {"done": done, **({"round": round_number} if round_number is not None else {})}
    return RedirectResponse(f"/operations/{operation}/data?{urlencode(query)}",
                            status_code=303)


async def _act(request: Request, operation: str, round_number: int | None, call: Any,
               done: Any) -> Response:
    """Run a write; back to the page with what was done, or the page with the problem."""
    try:
        result = await run_in_threadpool(call)
    except ImportFailed as exc:
        lines = [str(exc)] + [str(p) for p in exc.problems if p.severity == "error"][:50]
        return await _render(request, operation, round_number, status=exc.status,
                             problems=lines)
    except PantauError as exc:
        if exc.status == 404:
            raise
        return await _render(request, operation, round_number, status=exc.status,
                             problems=[str(exc)])
    return _back(operation, round_number, done(result))


@action_router.post("/operations/{operation}/data/approve", include_in_schema=False)
async def approve_form(request: Request, operation: str, round: Annotated[int, Form()],  # noqa: A002
                       area: Annotated[str, Form()] = "") -> Response:
    who = actor(request, None)
    ws = _ws(request)
    return await _act(
        request, operation, round,
        lambda: ws.review.approve(operation, round, area=area or None, by=who),
        lambda a: f"approved {', '.join(code for _, code in a.areas)}: {a.submissions} "
                  "submission(s) approved")


@action_router.post("/operations/{operation}/data/reopen", include_in_schema=False)
async def reopen_form(request: Request, operation: str, round: Annotated[int, Form()],  # noqa: A002
                      area: Annotated[str, Form()], reason: Annotated[str, Form()] = ""
                      ) -> Response:
    who = actor(request, None)
    ws = _ws(request)
    return await _act(
        request, operation, round,
        lambda: ws.review.reopen(operation, round, area=area, reason=reason, by=who),
        lambda a: f"reopened {area}: {a.submissions} submission(s) back to received")


@action_router.post("/operations/{operation}/data/clean", include_in_schema=False,
                    dependencies=[allow("review", max_body=MAX_UPLOAD + 2**16)])
async def clean_form(request: Request, operation: str,
                     file: Annotated[UploadFile, File()]) -> Response:
    who = actor(request, None)
    name = Path(file.filename or "").name
    if Path(name).suffix.lower() not in UPLOADS:
        return await _render(request, operation, status=422, problems=[
            f"{name or 'upload'}: upload the cleaning log as a .csv or .xlsx file"])
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return await _render(request, operation, status=413, problems=[
            f"{name}: the file is larger than {MAX_UPLOAD // 2**20} MB"])
    ws = _ws(request)
    with tempfile.TemporaryDirectory(prefix="pantau-clean-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return await _act(
            request, operation, None,
            lambda: ws.quality.clean_apply(operation, path, by=who),
            lambda r: f"cleaning log applied: {r.changed} change(s), {r.deleted} "
                      f"deletion(s), {r.unchanged} unchanged row(s)")
