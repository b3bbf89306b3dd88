"""A small ODK Central API client: session login, JSON pages, retries with backoff.

Credentials live only in this object and in the `Authorization` header; no message, log line
or stored URL ever carries them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from pantau.errors import PantauError

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class Page:
    body: dict[str, Any]
    date: str | None  # the server's Date header, as an OData time literal


class CentralClient:
    """Talks to one Central server. `retries` transient failures (429, 5xx, a dropped
    connection, a truncated JSON body) are retried per request, waiting `backoff`·2ⁿ seconds
    (at most a minute, or what Retry-After asks within that)."""

    def __init__(self, base_url: str, *, email: str | None = None,
                 password: str | None = None, token: str | None = None, retries: int = 5,
                 backoff: float = 1.0, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/")
        self._email, self._password, self._token = email, password, token
        self.retries, self.backoff = retries, backoff
        self.http = httpx.Client(timeout=timeout, follow_redirects=True,
                                 headers={"User-Agent": "pantau"})

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def login(self) -> None:
        """A session token from email and password (`POST /v1/sessions`), unless a token
        was given."""
        if self._email is None or self._password is None:
            if self._token is None:
                raise PantauError("invalid", message="ODK Central needs an email and password "
                                  "(or a token): set PANTAU_CENTRAL_EMAIL and "
                                  "PANTAU_CENTRAL_PASSWORD, or PANTAU_CENTRAL_TOKEN")
            return
        body = self._request("POST", f"{self.base}/v1/sessions",
                             {"email": self._email, "password": self._password},
                             relogin=False).body
        token = body.get("token")
        if not isinstance(token, str):
            raise PantauError("invalid", message=f"ODK Central at {self.base} answered the "
                              "login without a session token")
        self._token = token

    def get(self, url: str) -> Page:
        return self._request("GET", url, None, relogin=True)

    def _request(self, method: str, url: str, payload: dict[str, Any] | None,
                 relogin: bool) -> Page:
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._wait(attempt, last))
            headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
            try:
                resp = self.http.request(method, url, json=payload, headers=headers)
            except httpx.TransportError as exc:
                last = f"no answer: {exc.__class__.__name__}"
                continue
            if resp.status_code == 401 and relogin and self._password is not None:
                relogin = False  # the session may have expired: log in once more
                self.login()
                return self._request(method, url, payload, relogin=False)
            if resp.status_code in RETRY_STATUS:
                last = f"HTTP {resp.status_code}"
                self._retry_after = resp.headers.get("retry-after")
                continue
            if resp.status_code >= 400:
                raise self._refused(resp)
            try:
                body = resp.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                last = "a truncated or malformed JSON answer"
                continue
            if not isinstance(body, dict):
                last = "a JSON answer that is not an object"
                continue
            return Page(body, _odata_time(resp.headers.get("date")))
        raise PantauError("invalid", message=f"ODK Central at {self.base} gave {last} "
                          f"{self.retries + 1} times in a row; run the pull again later: it "
                          "resumes where it stopped")

    _retry_after: str | None = None

    def _wait(self, attempt: int, last: str) -> float:
        wait = self.backoff * 2 ** (attempt - 1)
        if last.startswith("HTTP") and self._retry_after and self._retry_after.isdigit():
            wait = max(wait, float(self._retry_after))
        return min(wait, 60.0)

    def _refused(self, resp: httpx.Response) -> PantauError:
        status = resp.status_code
        if status == 401:
            why = "refused the credentials (HTTP 401): check the email and password or token"
        elif status == 403:
            why = "does not let this account read the form (HTTP 403)"
        elif status == 404:
            why = "has no such project or form (HTTP 404)"
        else:
            try:
                detail = str(resp.json().get("message", ""))[:300]
            except (ValueError, AttributeError):
                detail = ""
            why = f"answered HTTP {status}" + (f": {detail}" if detail else "")
        return PantauError("invalid", message=f"ODK Central at {self.base} {why}")


def _odata_time(header: str | None) -> str | None:
    if not header:
        return None
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
