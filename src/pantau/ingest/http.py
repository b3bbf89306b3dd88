"""HTTP for the server pulls (KoboToolbox API v2, ODK Central OData): one place for timeouts,
retries with backoff, and the messages a refusal gives.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from pantau.errors import PantauError

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_WAIT = 60.0  # seconds; a longer Retry-After is cut to this, and retried again
RESUME = "what came before is stored: run the pull again later, it resumes where it stopped"


@dataclass(frozen=True)
class Answer:
    """A JSON object a server answered with, and the answer's headers (Central's `Date`)."""

    body: dict[str, Any]
    headers: httpx.Headers


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
        last, wait_for = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.wait(attempt, wait_for))
                wait_for = None
            try:
                resp = self.http.request(method, url, json=payload, headers=headers)
            except httpx.TimeoutException as exc:
                last = f"no answer in time ({exc.__class__.__name__})"
                continue
            except httpx.TransportError as exc:
                last = f"no answer ({exc.__class__.__name__})"
                continue
            if resp.status_code in RETRY_STATUS:
                last = f"HTTP {resp.status_code}"
                wait_for = retry_after(resp.headers.get("retry-after"))
                continue
            if resp.status_code >= 400:
                raise self.refused(resp, url)
            try:
                body = resp.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                last = "a truncated or broken JSON page"
                continue
            if not isinstance(body, dict):
                last = "a JSON page that is not an object"
                continue
            return Answer(body, resp.headers)
        n = self.retries + 1
        raise PantauError("invalid", message=self.hide(
            f"{self.server} gave {last} {n} time{'s' if n != 1 else ''} in a row at "
            f"{safe_url(url)}; {RESUME}"))

    def wait(self, attempt: int, asked: float | None = None) -> float:
        """Seconds before retry number `attempt` (1, 2 …)."""
        wait = self.backoff * 2 ** (attempt - 1)
        if asked is not None:
            wait = max(wait, asked)
        return min(wait, MAX_WAIT)

    def refused(self, resp: httpx.Response, url: str) -> Refused:
        status = resp.status_code
        what, hint = self.refusals.get(status, ("answered", ""))
        if not hint and status not in self.refusals:
            hint = _detail(resp)
        message = f"{self.server} {what} (HTTP {status}) at {safe_url(url)}"
        return Refused(status, self.hide(message + (f": {hint}" if hint else "")))

    def hide(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "…")
        return text


def _detail(resp: httpx.Response) -> str:
    """The server's own word on an unexpected refusal (Central: `message`, Kobo: `detail`)."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("message") or body.get("detail") or "")[:300]
