"""HTTP for the server pulls (KoboToolbox API v2, ODK Central OData): one place for timeouts,
retries with backoff, and the messages a refusal gives — for JSON pages, JSON lists and
attachment downloads (read in pieces, given up at a size limit: `TooLarge`).

Why one place: a pull must survive a flaky field connection the same way whichever server it
talks to, and must never let a credential slip into a message. Transient failures — 408, 425,
429 and 5xx answers, a dropped connection or timeout, a truncated or broken JSON body — are
retried `retries` times, waiting `backoff`·2ⁿ seconds or what `Retry-After` asks (seconds or an
HTTP date), at most a minute each time. Any other 4xx stops at once with a `Refused` error
that names the server, the status and the address asked for — scheme, host and path only: no
user info, no query string, and every secret the caller declared is blanked out of the text.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from pantau.errors import PantauError

T = TypeVar("T")
FILE_REFUSALS = {404: ("has no such file", "")}  # a download's 404 is the file's, not the form's
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_WAIT = 60.0  # seconds; a longer Retry-After is cut to this, and retried again
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
RESUME = "what came before is stored: run the pull again later, it resumes where it stopped"


@dataclass(frozen=True)
class Answer:
    """A JSON object a server answered with, and the answer's headers (Central's `Date`)."""

    body: dict[str, Any]
    headers: httpx.Headers


@dataclass(frozen=True)
class File:
    """A downloaded file and the type its server gave it."""

    content: bytes
    content_type: str | None


class _Again(Exception):
    """An answer whose body is broken: worth asking for again."""


class TooLarge(PantauError):
    """A file over the size limit: not downloaded further, never retried."""

    def __init__(self, size: int | None, limit: int) -> None:
        what = f"{size:,} bytes, " if size is not None else ""
        super().__init__("invalid", message=f"{what}over the limit of {limit // 2**20} MB")
        self.size, self.limit = size, limit


class Refused(PantauError):
    """The server said no (a 4xx that is not worth retrying); `status` lets a caller react,
    e.g. log in again on a 401."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__("invalid", message=message)
        self.status = status


def server_url(url: str, server: str) -> str:
    """A server address as given by the user, checked and without its trailing `/`.

    Credentials in the address (`https://user:pass@host`) are refused rather than used: they
    would end up in messages and in the stored pull state."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PantauError("invalid", message=f"the {server} server address must start with "
                          f"https:// (or http://) and name a host, not '{safe_url(url)}'")
    if parts.username or parts.password:
        raise PantauError("invalid", message=f"the {server} server address holds a user name "
                          "or password; give the address alone and the credentials through "
                          "the environment (see docs/settings.md)")
    if parts.query or parts.fragment:
        raise PantauError("invalid", message=f"the {server} server address must not hold a "
                          f"query or fragment: '{safe_url(url)}'")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def cleartext_warning(url: str, server: str) -> str | None:
    """What to tell the user when a pull would send credentials over plain `http://`, or
    None: an address on this machine (localhost, 127.0.0.1, ::1) never leaves it, and
    `https://` is what it should be. A warning, not a refusal: a server on a closed field
    network may have no certificate."""
    parts = urlsplit(url.strip())
    if parts.scheme != "http" or (parts.hostname or "").lower() in LOOPBACK:
        return None
    return (f"{safe_url(url.strip())} is plain http://: the {server} credentials and the "
            "submissions (personal data) cross the network unencrypted; use https:// "
            "unless the network is trusted")


def safe_url(url: str) -> str:
    """`url` fit for a message: scheme, host, port and path; no user info, no query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for: a number of seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class JsonClient:
    """Asks one server for JSON objects, retrying what is transient (see the module).

    `server` names it in messages ("KoboToolbox"); `refusals` maps a status to what it means
    and what to do (`{401: ("refused the API token", "check the token")}`); `secrets` are
    blanked out of every message, whatever the server echoes back."""

    def __init__(self, server: str, *, headers: Mapping[str, str] | None = None,
                 refusals: Mapping[int, tuple[str, str]] | None = None,
                 secrets: Iterable[str | None] = (), retries: int = 5, backoff: float = 1.0,
                 timeout: float = 60.0) -> None:
        self.server, self.retries, self.backoff = server, max(0, retries), backoff
        self.refusals = dict(refusals or {})
        self.secrets = {s for s in secrets if s}
        self.http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True,
                                 headers={"User-Agent": "pantau", "Accept": "application/json",
                                          **(headers or {})})

    def __enter__(self) -> JsonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        return self.request("GET", url, headers=headers)

    def post(self, url: str, payload: dict[str, Any],
             headers: Mapping[str, str] | None = None) -> Answer:
        return self.request("POST", url, payload=payload, headers=headers)

    def request(self, method: str, url: str, *, payload: dict[str, Any] | None = None,
                headers: Mapping[str, str] | None = None) -> Answer:
        """One JSON object from the server, after at most `retries` retries."""
        def read(resp: httpx.Response) -> Answer:
            body = _json(resp)
            if not isinstance(body, dict):
                raise _Again("a JSON page that is not an object")
            return Answer(body, resp.headers)

        return self._retrying(method, url, read, payload=payload, headers=headers)

    def get_list(self, url: str, headers: Mapping[str, str] | None = None,
                 refusals: Mapping[int, tuple[str, str]] | None = None) -> list[Any]:
        """A JSON array from the server (Central's lists), retried like a page."""
        def read(resp: httpx.Response) -> list[Any]:
            body = _json(resp)
            if not isinstance(body, list):
                raise _Again("a JSON answer that is not a list")
            return body

        return self._retrying("GET", url, read, headers=headers, refusals=refusals)

    def download(self, url: str, limit: int, headers: Mapping[str, str] | None = None,
                 refusals: Mapping[int, tuple[str, str]] | None = None) -> File:
        """A file of at most `limit` bytes, read in pieces so that a larger one is given up
        as soon as it shows (its Content-Length, or the byte after the limit): `TooLarge`,
        not retried. A connection dropped halfway is retried like any other."""
        def read(resp: httpx.Response) -> File:
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(int(declared), limit)
            parts, size = [], 0
            for piece in resp.iter_bytes():
                size += len(piece)
                if size > limit:
                    raise TooLarge(None, limit)
                parts.append(piece)
            kind = resp.headers.get("content-type", "").strip()
            return File(b"".join(parts), kind or None)

        return self._retrying("GET", url, read, then="",
                              headers={"Accept": "*/*", **(headers or {})},
                              refusals={**FILE_REFUSALS, **(refusals or {})})

    def _retrying(self, method: str, url: str, read: Callable[[httpx.Response], T], *,
                  payload: dict[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None, then: str = RESUME,
                  refusals: Mapping[int, tuple[str, str]] | None = None) -> T:
        """`read(answer)` of the first answer worth reading, after at most `retries`
        retries; `read` raises `_Again` for a body that is broken (retried too). `then`
        ends the message when the retries run out (what the user can do); `refusals`
        overrides the client's for this request."""
        last, wait_for = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.wait(attempt, wait_for))
                wait_for = None
            try:
                with self.http.stream(method, url, json=payload, headers=headers) as resp:
                    if resp.status_code in RETRY_STATUS:
                        last = f"HTTP {resp.status_code}"
                        wait_for = retry_after(resp.headers.get("retry-after"))
                        continue
                    if resp.status_code >= 400:
                        resp.read()
                        raise self.refused(resp, url, refusals)
                    return read(resp)
            except _Again as exc:
                last = str(exc)
            except httpx.TimeoutException as exc:
                last = f"no answer in time ({exc.__class__.__name__})"
            except httpx.TransportError as exc:
                last = f"no answer ({exc.__class__.__name__})"
        n = self.retries + 1
        raise PantauError("invalid", message=self.hide(
            f"{self.server} gave {last} {n} time{'s' if n != 1 else ''} in a row at "
            f"{safe_url(url)}" + (f"; {then}" if then else "")))

    def wait(self, attempt: int, asked: float | None = None) -> float:
        """Seconds before retry number `attempt` (1, 2 …)."""
        wait = self.backoff * 2 ** (attempt - 1)
        if asked is not None:
            wait = max(wait, asked)
        return min(wait, MAX_WAIT)

    def refused(self, resp: httpx.Response, url: str,
                refusals: Mapping[int, tuple[str, str]] | None = None) -> Refused:
        status = resp.status_code
        meanings = {**self.refusals, **(refusals or {})}
        what, hint = meanings.get(status, ("answered", ""))
        if not hint and status not in meanings:
            hint = _detail(resp)
        message = f"{self.server} {what} (HTTP {status}) at {safe_url(url)}"
        return Refused(status, self.hide(message + (f": {hint}" if hint else "")))

    def hide(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "…")
        return text


def _json(resp: httpx.Response) -> Any:
    try:
        return json.loads(resp.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _Again("a truncated or broken JSON page") from None


def _detail(resp: httpx.Response) -> str:
    """The server's own word on an unexpected refusal (Central: `message`, Kobo: `detail`)."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("message") or body.get("detail") or "")[:300]
