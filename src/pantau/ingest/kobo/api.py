"""Pull a form's submissions from the KoboToolbox API v2, incrementally and resumably.

`GET {server}/api/v2/assets/{uid}/data/?format=json&limit=…&sort=…&query=…` with
`Authorization: Token …`, pages followed by their `next` link. The query asks for
`_submission_time` ≥ the cursor (the latest submission time already stored), sorted by
`_submission_time` then `_id`, so new submissions land on later pages and the pages stay
stable while the pull runs. Records at the cursor itself come again and are `duplicate`s.

Unlike a file import (one transaction: all or nothing), a pull stores each page in its own
transaction together with the pull state (`cursor`, `next_url`), so a pull that stops — a
500 that outlasts the retries, a 401, a truncated page, a dropped connection — keeps what it
stored and resumes at the page it stopped at: no gap, nothing twice.

Edits: Kobo keeps an edited submission's `_submission_time` (and serves no modification time),
so an incremental pull does not see edits or validation-status changes of older submissions.
`full=True` sweeps every submission again: unchanged ones are `duplicate`s, edits (new
`meta/instanceID` with `meta/deprecatedID`) become new versions, and Kobo's validation status
becomes the submission's review state.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin

import httpx
from sqlalchemy import select

from pantau.errors import PantauError
from pantau.forms.store import current_version, get_form
from pantau.ingest.incoming import Incoming
from pantau.ingest.kobo.files import JsonShape, dump
from pantau.ingest.receive import quarantine, receive
from pantau.ingest.stream import (
    PullResult,  # noqa: F401  (re-exported)
    Unreadable,
)
from pantau.store.models import Form, PullState, Submission

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pantau.workspace import Workspace

Progress = Callable[[int, int | None], None]  # (records so far, total if known)
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_PAGE = 1000  # Kobo's own ceiling for `limit` in JSON
SOURCE = "kobo"


def first_page(base: str, asset_uid: str, since: str | None, page_size: int) -> str:
    """The first page's URL: Kobo's Mongo-style `query` and `sort`, both as JSON."""
    query: dict[str, str] = {"format": "json", "limit": str(page_size),
                             "sort": json.dumps({"_submission_time": 1, "_id": 1})}
    if since:
        query["query"] = json.dumps({"_submission_time": {"$gte": since}})
    return f"{base}/api/v2/assets/{asset_uid}/data/?{urlencode(query)}"


def pull(ws: Workspace, operation: str, form: str, base_url: str, asset_uid: str,
         token: str | None = None, page_size: int = MAX_PAGE,
         progress: Progress | None = None, *, full: bool = False, retries: int = 5,
         backoff: float = 1.0, timeout: float = 60.0) -> PullResult:
    """Bring in what was submitted to the Kobo asset since the last pull of `form` (or
    everything again with `full`). `token`: the account's API token, else PANTAU_KOBO_TOKEN."""
    token = token or os.environ.get("PANTAU_KOBO_TOKEN") or None
    if not token:
        raise PantauError("invalid", message="KoboToolbox needs an API token: pass --token or "
                          "set PANTAU_KOBO_TOKEN (Account settings → Security in Kobo)")
    if not 1 <= page_size <= MAX_PAGE:
        raise PantauError("invalid", message=f"page size must be 1 to {MAX_PAGE} "
                          f"(Kobo's limit), not {page_size}")
    base = base_url.rstrip("/")
    server = f"{base}/api/v2/assets/{asset_uid}"
    with ws.session() as s:
        f = get_form(s, operation, form)
        form_id, shape = f.id, JsonShape(current_version(s, f).fields)
        state = _state(s, form_id, server)
        since, url = state.cursor, state.next_url
    if full:
        url = first_page(base, asset_uid, None, page_size)
    elif not url:
        url = first_page(base, asset_uid, since, page_size)
    result = PullResult(cursor=since)
    with KoboClient(base, token, retries=retries, backoff=backoff, timeout=timeout) as client:
        while url:
            body = client.page(url)
            if isinstance(body.get("count"), int):
                result.total = body["count"]
            nxt = body.get("next")
            nxt = urljoin(url, nxt) if isinstance(nxt, str) and nxt else None
            records, latest = _records(body.get("results"), shape, server)
            with ws.session() as s:
                stored = s.get(Form, form_id)
                assert stored is not None
                _store(s, stored, records, result)
                st = _state(s, form_id, server)
                if latest and (not st.cursor or latest > st.cursor):
                    st.cursor = latest
                st.next_url = nxt
                st.pulled = (st.pulled or 0) + len(records)
                st.updated_at = dt.datetime.now(dt.UTC)
                result.cursor = st.cursor
            result.pages += 1
            if progress is not None:
                progress(result.records, result.total)
            url = nxt
    return result


def _store(s: Session, form: Form, records: list[Incoming | Unreadable],
           result: PullResult) -> None:
    """Through the storage rules; Kobo's validation status is the truth for the review
    state, also of a record that is otherwise a `duplicate`."""
    for rec in records:
        if isinstance(rec, Unreadable):
            inc = Incoming(instance_id="", data={}, raw=rec.raw, raw_format=rec.raw_format,
                           source=rec.source, origin=rec.origin)
            out = quarantine(s, form.operation_id, form.id, inc, rec.reason)
        else:
            out = receive(s, form, rec)
            if out.status in ("duplicate", "updated") and out.submission_id and \
                    rec.review_state:
                sub = s.get(Submission, out.submission_id)
                if sub is not None and sub.review_state != rec.review_state:
                    sub.review_state = rec.review_state
        result.counts[out.status] += 1
        if out.status in ("conflict", "quarantined") and len(result.messages) < 1000:
            result.messages.append(f"{rec.origin}: {out.status}: {out.message}")


def _records(results: Any, shape: JsonShape, server: str
             ) -> tuple[list[Incoming | Unreadable], str | None]:
    """The page's records, and the latest `_submission_time` among them (the next cursor)."""
    if not isinstance(results, list):
        raise PantauError("invalid", message=f"KoboToolbox at {server} answered a page "
                          "without a 'results' list; the pull stopped, run it again to resume")
    out: list[Incoming | Unreadable] = []
    latest: str | None = None
    for rec in results:
        if not isinstance(rec, dict):
            out.append(Unreadable(server, "a record that is not a JSON object", dump(rec),
                                  "json", SOURCE))
            continue
        origin = f"{server} _id {rec.get('_id')}"[:400]
        out.append(shape.record(rec, dump(rec), SOURCE, origin))
        when = rec.get("_submission_time")
        if isinstance(when, str) and (latest is None or when > latest):
            latest = when
    return out, latest


def _state(s: Session, form_id: int, server: str) -> PullState:
    st = s.scalar(select(PullState).where(PullState.form_id == form_id,
                                          PullState.server == server))
    if st is None:
        st = PullState(form_id=form_id, server=server, pulled=0)
        s.add(st)
        s.flush()
    return st


class KoboClient:
    """Talks to one Kobo server. Transient failures (429, 5xx, a dropped connection, a
    truncated JSON page) are retried `retries` times, waiting `backoff`·2ⁿ seconds (at most a
    minute) or what Retry-After asks. The token lives only in the Authorization header."""

    def __init__(self, base: str, token: str, *, retries: int = 5, backoff: float = 1.0,
                 timeout: float = 60.0) -> None:
        self.base, self.retries, self.backoff = base, retries, backoff
        self.http = httpx.Client(timeout=timeout, follow_redirects=True, headers={
            "Authorization": f"Token {token}", "Accept": "application/json",
            "User-Agent": "pantau"})

    def __enter__(self) -> KoboClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def page(self, url: str) -> dict[str, Any]:
        last, retry_after = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._wait(attempt, retry_after))
                retry_after = None
            try:
                resp = self.http.get(url)
            except httpx.TransportError as exc:
                last = f"no answer ({exc.__class__.__name__})"
                continue
            if resp.status_code in RETRY_STATUS:
                last, retry_after = f"HTTP {resp.status_code}", resp.headers.get("retry-after")
                continue
            if resp.status_code >= 400:
                raise self._refused(resp.status_code)
            try:
                body = resp.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                last = "a truncated or broken JSON page"
                continue
            if not isinstance(body, dict):
                last = "a JSON page that is not an object"
                continue
            return body
        raise PantauError("invalid", message=(
            f"KoboToolbox at {self.base} gave {last} {self.retries + 1} time(s) in a row; what "
            "came before is stored: run the pull again later, it resumes where it stopped"))

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        wait = self.backoff * 2 ** (attempt - 1)
        if retry_after and retry_after.strip().isdigit():
            wait = max(wait, float(retry_after))
        return min(wait, 60.0)

    def _refused(self, status: int) -> PantauError:
        why = {401: "refused the API token (HTTP 401): check the token (Kobo: Account "
                    "settings → Security)",
               403: "does not let this account read the project's data (HTTP 403): share "
                    "the project with it ('View submissions')",
               404: "has no such project (HTTP 404): check the asset uid, as in the "
                    "project's address /#/forms/<uid>"}.get(status, f"answered HTTP {status}")
        return PantauError("invalid", message=f"KoboToolbox at {self.base} {why}")
