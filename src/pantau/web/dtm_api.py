"""DTM API v3 compatible endpoints, so clients of IOM's API (the `dtmapi` package, scripts,
dashboards) can read pantau's figures unchanged:

    GET /v3/displacement/admin0 | admin1 | admin2    IDP figures per area (see publish.dtm_api)
    GET /v3/displacement/country-list               countries with an operation
    GET /v3/displacement/operation-list             operations and their status

Every answer is IOM's envelope `{isSuccess, result, errorMessages}`; a bad parameter is
`isSuccess: false` with the message, as IOM answers it. Routes are thin: check the key, parse,
one call into `pantau.publish.dtm_api`, return.

The displacement answers depend only on the analytics file (rewritten by `pantau refresh`) and
on a few store facts (operation names, P-codes). So each answer is kept, serialized, per
query (`Answers`): a repeated query is a dictionary look-up and one `os.stat`, without opening
DuckDB, asking the store or encoding JSON again. The server never keeps the DuckDB file open
between requests (a refresh in another process needs it alone), and while a refresh holds it
the last answer to the same query is served.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from pantau.errors import PantauError
from pantau.publish import dtm_api
from pantau.web.access import allow, visible_operation_names

KEY_HEADER = "Ocp-Apim-Subscription-Key"

# The subscription key is a pantau API token (`pantau user token`): its user's operations,
# plus the public ones, are what the answers hold (`visible_operation_names`).
router = APIRouter(prefix="/v3/displacement", tags=["DTM API v3"], dependencies=[
    allow("aggregates:read", refusal=lambda message: dtm_api.envelope(errors=[message]))])


def _key_missing(request: Request) -> JSONResponse | None:
    """IOM's gateway refuses a request without a subscription key, and so does pantau.

    The key itself is checked by the router's `allow(...)` (pantau.web.access): it must be a
    pantau API token; the answers hold only the operations its user may read."""
    if request.headers.get(KEY_HEADER, "").strip():
        return None
    return JSONResponse(dtm_api.envelope(errors=[
        f"Access denied due to missing subscription key. Send it in the {KEY_HEADER} "
        "header."]), status_code=401)


Key = tuple[int, tuple[tuple[str, str], ...]]
Signature = tuple[int, int, int] | None


class Answers:
    """Serialized answers of `/v3/displacement/admin0|1|2`, per level and query string.

    An answer is served again while the analytics file has the same inode, size and
    modification time as when it was computed (a refresh changes them) and for at most
    `TRUST_SECONDS`, after which it is computed again: the checks of operation names and
    P-codes against the store are then repeated. Errors are never kept. While the file
    cannot be opened (a refresh in another process holds it) the last answer to the same
    query is served, whatever its age; a query never asked before gets the error."""

    MAX_ANSWERS = 1024
    TRUST_SECONDS = 10.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self._answers: OrderedDict[Key, tuple[Signature, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def signature(self) -> Signature:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def fresh(self, key: Key) -> bytes | None:
        """The kept answer to `key` if it still holds, else None."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return None
            self._answers.move_to_end(key)
        signature, at, body = kept
        if signature != self.signature() or time.monotonic() - at > self.TRUST_SECONDS:
            return None
        return body

    def last(self, key: Key) -> bytes | None:
        with self._lock:
            kept = self._answers.get(key)
        return kept[2] if kept else None

    def keep(self, key: Key, signature: Signature, body: bytes) -> None:
        with self._lock:
            self._answers[key] = (signature, time.monotonic(), body)
            self._answers.move_to_end(key)
            while len(self._answers) > self.MAX_ANSWERS:
                self._answers.popitem(last=False)


def _answers(request: Request) -> Answers:
    state = request.app.state
    answers = getattr(state, "dtm_answers", None)
    if answers is None:
        answers = state.dtm_answers = Answers(state.ws.analytics.path)
    return answers


def _json(body: dict[str, Any]) -> bytes:
    """The bytes FastAPI's JSONResponse would send for `body`."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


def _compute(request: Request, level: int, key: Key, answers: Answers,
             names: frozenset[str] | None = None) -> Response:
    """Answer from the analytics tables (in a worker thread: it opens DuckDB and asks the
    store) and keep the answer when it is a success."""
    signature = answers.signature()
    try:
        query = dtm_api.parse(level, dict(request.query_params))
        records = dtm_api.records(request.app.state.ws, query)
        if names is not None:  # only the operations the key may read
            records = [r for r in records if r["operation"] in names]
        body = _json(dtm_api.envelope(records))
    except dtm_api.BadParameter as exc:
        return Response(_json(dtm_api.envelope(errors=[str(exc)])),
                        media_type="application/json")
    except (PantauError, duckdb.Error):
        stale = answers.last(key)  # the file is held by a refresh: the last answer stands
        if stale is None:
            raise
        return Response(stale, media_type="application/json")
    answers.keep(key, signature, body)
    return Response(body, media_type="application/json")


async def _displacement(request: Request, level: int) -> Any:
    refused = _key_missing(request)
    if refused is not None:
        return refused
    answers = _answers(request)
    names = visible_operation_names(request)
    key: Key = (level, tuple(sorted(request.query_params.multi_items())),
                None if names is None else tuple(sorted(names)))  # type: ignore[assignment]
    body = answers.fresh(key)
    if body is not None:
        return Response(body, media_type="application/json")
    return await run_in_threadpool(_compute, request, level, key, answers, names)


@router.get("/admin0")
async def admin0(request: Request) -> Any:
    """IDP figures per country (admin 0), per operation, assessment type, round, reason and
    origin. Parameters: Operation, CountryName, Admin0Pcode (one of them required),
    FromReportingDate, ToReportingDate (YYYY-MM-DD), FromRoundNumber, ToRoundNumber."""
    return await _displacement(request, 0)


@router.get("/admin1")
async def admin1(request: Request) -> Any:
    """IDP figures per admin-1 area; also Admin1Name, Admin1Pcode."""
    return await _displacement(request, 1)


@router.get("/admin2")
async def admin2(request: Request) -> Any:
    """IDP figures per admin-2 area; also Admin1Name, Admin1Pcode, Admin2Name, Admin2Pcode."""
    return await _displacement(request, 2)


@router.get("/country-list")
def country_list(request: Request) -> Any:
    """Countries with at least one operation: admin0Name, admin0Pcode."""
    names = visible_operation_names(request)
    seen = {(o["admin0Name"], o["admin0Pcode"]) for o in dtm_api.operations(
        request.app.state.ws) if names is None or o["operation"] in names}
    return _key_missing(request) or dtm_api.envelope(
        [{"admin0Name": n, "admin0Pcode": c} for n, c in sorted(seen, key=lambda x: x[1])])


@router.get("/operation-list")
def operation_list(request: Request) -> Any:
    """Operations: operation (its name), operationStatus, admin0Name, admin0Pcode."""
    names = visible_operation_names(request)
    return _key_missing(request) or dtm_api.envelope(
        [o for o in dtm_api.operations(request.app.state.ws)
         if names is None or o["operation"] in names])
