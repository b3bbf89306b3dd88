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

Attachments: each record's `_attachments`, downloaded by `KoboFiles` and stored with the
record's version (see `pantau.ingest.attachments`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from pantau.config import setting, setting_value
from pantau.errors import PantauError
from pantau.ingest.attachments import Pulled, Wanted, safe_name, sweep
from pantau.ingest.http import File, JsonClient, server_url
from pantau.ingest.incoming import Incoming
from pantau.ingest.kobo.files import JsonShape, dump
from pantau.ingest.pulls import Progress, start, store_page
from pantau.ingest.stream import Unreadable

if TYPE_CHECKING:
    from pantau.workspace import Workspace

MAX_PAGE = 1000  # Kobo's own ceiling for `limit` in JSON
SOURCE = "kobo"
SERVER = "KoboToolbox"
REFUSALS = {
    401: ("refused the API token", "check the token (Kobo: Account settings → Security)"),
    403: ("does not let this account read the project's data",
          "share the project with it ('View submissions')"),
    404: ("has no such project", "check the asset uid, as in the project's address "
          "/#/forms/<uid>"),
}


def first_page(base: str, asset_uid: str, since: str | None, page_size: int) -> str:
    """The first page's URL: Kobo's Mongo-style `query` and `sort`, both as JSON."""
    query: dict[str, str] = {"format": "json", "limit": str(page_size),
                             "sort": json.dumps({"_submission_time": 1, "_id": 1})}
    if since:
        query["query"] = json.dumps({"_submission_time": {"$gte": since}})
    return f"{base}/api/v2/assets/{quote(asset_uid, safe='')}/data/?{urlencode(query)}"


def pull(ws: Workspace, operation: str, form: str, base_url: str, asset_uid: str,
         token: str | None = None, page_size: int = MAX_PAGE,
         progress: Progress | None = None, *, full: bool = False, attachments: bool = True,
         attachments_only: bool = False, retries: int = 5, backoff: float = 1.0,
         timeout: float = 60.0) -> Pulled:
    """Bring in what was submitted to the Kobo asset since the last pull of `form` (or
    everything again with `full`), with the records' attachments unless `attachments` is
    False; `attachments_only` pulls no records but fetches the files the stored ones lack.
    `token`: the account's API token, else the `kobo_token` setting (PANTAU_KOBO_TOKEN).
    Transient failures are retried by `pantau.ingest.http`."""
    token = token or setting_value("kobo_token")
    if not token:
        raise PantauError("invalid", message="KoboToolbox needs an API token: pass --token or "
                          f"set {setting('kobo_token').env} (Account settings → Security in "
                          "Kobo)")
    if not 1 <= page_size <= MAX_PAGE:
        raise PantauError("invalid", message=f"page size must be 1 to {MAX_PAGE} "
                          f"(Kobo's limit), not {page_size}")
    base = server_url(base_url, SERVER)
    server = f"{base}/api/v2/assets/{quote(asset_uid, safe='')}"
    begin = start(ws, operation, form, server)
    form_id, shape, since, url = (begin.form_id, JsonShape(begin.fields), begin.cursor,
                                  begin.next_url)
    if full:
        url = first_page(base, asset_uid, None, page_size)
    elif not url:
        url = first_page(base, asset_uid, since, page_size)
    result = Pulled(cursor=since)
    with JsonClient(SERVER, headers={"Authorization": f"Token {token}"}, refusals=REFUSALS,
                    secrets=[token], retries=retries, backoff=backoff,
                    timeout=timeout) as client:
        fetcher = KoboFiles(client, base, asset_uid) if attachments or attachments_only \
            else None
        if fetcher is not None and attachments_only:
            sweep(ws, form_id, server, fetcher, result, progress)
            return result
        while url:
            body = client.get(url).body
            if isinstance(body.get("count"), int):
                result.total = body["count"]
            nxt = body.get("next")
            nxt = urljoin(url, nxt) if isinstance(nxt, str) and nxt else None
            records, latest = _records(body.get("results"), shape, server)
            cursor = max(filter(None, (latest, result.cursor)), default=None)
            store_page(ws, form_id, server, records, result, cursor=cursor, next_url=nxt,
                       progress=progress, fetcher=fetcher)
            url = nxt
    return result


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




class KoboFiles:
    """A Kobo record's attachments: its `_attachments` list, each file downloaded from its
    `download_url` with the API token — only when that address is on the server the pull
    talks to; else (older Kobo served files from its `kc` host) from the API v2 address
    `/api/v2/assets/{uid}/data/{_id}/attachments/{id}/`, so the token never goes to another
    host. Deleted attachments (`is_deleted`) are skipped."""

    def __init__(self, client: JsonClient, base: str, asset_uid: str) -> None:
        self.client, self.base, self.asset = client, base, asset_uid
        self.origin = _origin(base)

    def wanted(self, raw: bytes, origin: str, have: set[str], result: Pulled
               ) -> list[Wanted]:
        record = json.loads(raw)
        items = record.get("_attachments") if isinstance(record, dict) else None
        out: list[Wanted] = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or item.get("is_deleted"):
                continue
            given = item.get("filename") or item.get("media_file_basename")
            name = safe_name(given)
            if name is None:
                result.note("refused", f"{origin}: attachment name {str(given)[:80]!r} is "
                                       "not a plain file name: not downloaded")
                continue
            if name in have:
                continue
            url = self._url(record, item)
            if url is None:
                result.note("failed", f"{origin}: attachment '{name}' has no download "
                                      "address on this server")
                continue
            kind = item.get("mimetype")
            out.append(Wanted(name, url, kind if isinstance(kind, str) else None))
        return out

    def fetch(self, url: str, limit: int) -> File:
        return self.client.download(url, limit)

    def _url(self, record: dict[str, Any], item: dict[str, Any]) -> str | None:
        for key in ("download_url", "download_large_url"):
            url = item.get(key)
            if isinstance(url, str) and _origin(urljoin(self.base + "/", url)) == self.origin:
                return urljoin(self.base + "/", url)
        if record.get("_id") is not None and item.get("id") is not None:
            return (f"{self.base}/api/v2/assets/{quote(self.asset, safe='')}/data/"
                    f"{quote(str(record['_id']), safe='')}/attachments/"
                    f"{quote(str(item['id']), safe='')}/")
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port
