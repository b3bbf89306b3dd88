"""Pull a form's submissions from ODK Central over OData, incrementally and resumably.

Each pull covers a window of change times (cursor, until]: a submission is in it when it was
submitted or last updated (edit, review) within it. `until` is the server's own clock (the
Date header of a first, empty request), so nothing that changes during the pull can slip
between two windows. Pages are followed by Central's `@odata.nextLink` (`$skiptoken`); each
page is stored in its own transaction together with the pull state (`cursor` = until,
`next_url` = the next page), so an interrupted pull resumes at the page it stopped at: no gap,
and a page fetched twice only yields `duplicate`s.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urljoin

from pantau.config import setting_value
from pantau.ingest.attachments import Pulled, Wanted, safe_name, sweep
from pantau.ingest.central.client import SERVER, CentralClient
from pantau.ingest.central.records import Shape, read_record
from pantau.ingest.http import File, server_url
from pantau.ingest.incoming import Incoming
from pantau.ingest.pulls import Progress, start, store_page
from pantau.ingest.stream import Unreadable

if TYPE_CHECKING:
    from pantau.workspace import Workspace


def window_filter(since: str | None, until: str | None) -> str | None:
    """The OData `$filter` for "submitted or updated in (since, until]"."""
    def within(column: str) -> str:
        parts = ([f"{column} gt {since}"] if since else []) + \
                ([f"{column} le {until}"] if until else [])
        return " and ".join(parts)

    if not since and not until:
        return None
    return f"({within('__system/submissionDate')}) or ({within('__system/updatedAt')})"


def pull(ws: Workspace, operation: str, form: str, base_url: str, project_id: int,
         xml_form_id: str | None = None, *, email: str | None = None,
         password: str | None = None, token: str | None = None, page_size: int = 250,
         progress: Progress | None = None, attachments: bool = True,
         attachments_only: bool = False, retries: int = 5, backoff: float = 1.0,
         timeout: float = 60.0) -> Pulled:
    """Bring in what changed on Central since the last pull of `form` of `operation`, with
    the submissions' attachments unless `attachments` is False; `attachments_only` pulls no
    submissions but fetches the files the stored ones lack. Credentials not given come from
    the settings `central_email`, `central_password`, `central_token` (PANTAU_CENTRAL_…);
    email and password win over a token."""
    xml_form_id = xml_form_id or form
    base = server_url(base_url, SERVER)
    email = email or setting_value("central_email")
    password = password or setting_value("central_password")
    token = token or setting_value("central_token")
    server = f"{base}/v1/projects/{project_id}/forms/{xml_form_id}"
    svc = f"{base}/v1/projects/{project_id}/forms/{quote(xml_form_id, safe='')}.svc"
    begin = start(ws, operation, form, server)
    form_id, shape, since, url = (begin.form_id, Shape(begin.fields), begin.cursor,
                                  begin.next_url)
    result = Pulled(cursor=since)
    with CentralClient(base, email=email, password=password, token=token, retries=retries,
                       backoff=backoff, timeout=timeout) as client:
        client.login()
        files = (f"{base}/v1/projects/{project_id}/forms/{quote(xml_form_id, safe='')}"
                 "/submissions")
        fetcher = CentralFiles(client, files) if attachments or attachments_only else None
        if fetcher is not None and attachments_only:
            sweep(ws, form_id, server, fetcher, result, progress)
            return result
        if url:
            until = since  # a pull in progress: its window is in the stored next page
        else:
            until = _server_now(client, svc, since)
            url = _first_page(svc, since, until, page_size)
        while url:
            page = client.get(url)
            body = page.body
            if isinstance(body.get("@odata.count"), int):
                result.total = body["@odata.count"]
            nxt = body.get("@odata.nextLink")
            nxt = urljoin(url, nxt) if isinstance(nxt, str) and nxt else None
            records = _records(client, svc, server, body.get("value"), shape)
            store_page(ws, form_id, server, records, result, cursor=until, next_url=nxt,
                       progress=progress, fetcher=fetcher)
            url = nxt
    return result


def _server_now(client: CentralClient, svc: str, since: str | None) -> str:
    """The upper end of the window: Central's clock, read off an empty first request."""
    query = {"$top": "0", "$count": "true"}
    flt = window_filter(since, None)
    if flt:
        query["$filter"] = flt
    page = client.get(f"{svc}/Submissions?{urlencode(query)}")
    if page.date:
        return page.date
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _first_page(svc: str, since: str | None, until: str, page_size: int) -> str:
    query = {"$top": str(page_size), "$count": "true", "$expand": "*",
             "$filter": window_filter(since, until) or ""}
    return f"{svc}/Submissions?{urlencode(query)}"


def _records(client: CentralClient, svc: str, server: str, value: Any,
             shape: Shape) -> list[Incoming | Unreadable]:
    if not isinstance(value, list):
        return [Unreadable(server, "a page without a 'value' list",
                           json.dumps(value).encode(), "json", "central")]
    out: list[Incoming | Unreadable] = []
    for record in value:
        if not isinstance(record, dict) or not record.get("__id"):
            out.append(Unreadable(server, "a record without __id",
                                  json.dumps(record, ensure_ascii=False).encode(), "json",
                                  "central"))
            continue
        _expand(client, svc, record)
        out.append(read_record(record, shape, f"{server} {record['__id']}"[:400]))
    return out


def _expand(client: CentralClient, svc: str, obj: dict[str, Any]) -> None:
    """Fetch repeats Central only linked (`x@odata.navigationLink`), when `$expand` was not
    honoured; nested groups and repeat items are walked for links of their own."""
    for key in list(obj):
        value = obj[key]
        if key.endswith("@odata.navigationLink") and isinstance(value, str):
            name = key[: -len("@odata.navigationLink")]
            if name not in obj:
                items: list[Any] = []
                url: str | None = urljoin(svc + "/", value)
                while url:
                    body = client.get(url).body
                    items.extend(i for i in body.get("value") or [] if isinstance(i, dict))
                    nxt = body.get("@odata.nextLink")
                    url = urljoin(url, nxt) if isinstance(nxt, str) and nxt else None
                for item in items:
                    _expand(client, svc, item)
                obj[name] = items
        elif isinstance(value, dict) and not key.startswith("__"):
            _expand(client, svc, value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _expand(client, svc, item)


class CentralFiles:
    """A Central submission's attachments: `GET …/submissions/{instanceId}/attachments`
    lists them (`[{"name", "exists"}]`, those of its current version), `…/attachments/{name}`
    serves each. The list is not asked for when the record says it expects no file
    (`__system.attachmentsExpected`) or every expected file is already stored. A file Central
    lists but has not received (`exists: false`) is noted, to be fetched by a later sweep."""

    def __init__(self, client: CentralClient, submissions: str) -> None:
        self.client, self.submissions = client, submissions

    def wanted(self, raw: bytes, origin: str, have: set[str], result: Pulled
               ) -> list[Wanted]:
        record = json.loads(raw)
        root = record.get("__id") if isinstance(record, dict) else None
        if not isinstance(root, str) or not root:
            return []
        expected = (record.get("__system") or {}).get("attachmentsExpected")
        if isinstance(expected, int) and len(have) >= expected:
            return []
        home = f"{self.submissions}/{quote(root, safe='')}/attachments"
        out: list[Wanted] = []
        for item in self.client.get_list(home):
            given = item.get("name") if isinstance(item, dict) else None
            name = safe_name(given)
            if name is None:
                result.note("refused", f"{origin}: attachment name {str(given)[:80]!r} is "
                                       "not a plain file name: not downloaded")
            elif name in have:
                continue
            elif item.get("exists") is False:
                result.note("not_on_server", f"{origin}: attachment '{name}' is not on "
                                             "the server yet")
            else:
                out.append(Wanted(name, f"{home}/{quote(str(given), safe='')}"))
        return out

    def fetch(self, url: str, limit: int) -> File:
        return self.client.download(url, limit)
