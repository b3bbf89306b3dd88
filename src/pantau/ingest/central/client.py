"""A small ODK Central API client: session login and JSON pages, over `pantau.ingest.http`
(timeouts, retries with backoff, refusals without credentials).

Credentials live only in this object and in the `Authorization` header; no message, log line
or stored URL ever carries them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pantau.config import setting
from pantau.errors import PantauError
from pantau.ingest.http import File, JsonClient, Refused

T = TypeVar("T")

SERVER = "ODK Central"
REFUSALS = {
    401: ("refused the credentials", "check the email and password or token"),
    403: ("does not let this account read the form", "give the account a role in the project "
          "that may see submissions"),
    404: ("has no such project or form", "check --project and the form's id on Central"),
}


@dataclass
class Page:
    body: dict[str, Any]
    date: str | None  # the server's Date header, as an OData time literal


class CentralClient:
    """Talks to one Central server (`base_url`, already checked by `server_url`). A 401 on a
    page logs in again once, as sessions expire, then stops."""

    def __init__(self, base_url: str, *, email: str | None = None,
                 password: str | None = None, token: str | None = None, retries: int = 5,
                 backoff: float = 1.0, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/")
        self._email, self._password, self._token = email, password, token
        self.http = JsonClient(SERVER, refusals=REFUSALS, secrets=[email, password, token],
                               retries=retries, backoff=backoff, timeout=timeout)

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def login(self) -> None:
        """A session token from email and password (`POST /v1/sessions`), unless a token
        was given."""
        if self._email is None or self._password is None:
            if self._token is None:
                email_, password, token = (setting(n).env for n in (
                    "central_email", "central_password", "central_token"))
                raise PantauError("invalid", message="ODK Central needs an email and password "
                                  f"(or a token): set {email_} and {password}, or {token}")
            return
        body = self.http.post(f"{self.base}/v1/sessions",
                              {"email": self._email, "password": self._password}).body
        token = body.get("token")
        if not isinstance(token, str):
            raise PantauError("invalid", message=f"ODK Central at {self.base} answered the "
                              "login without a session token")
        self._token = token
        self.http.secrets.add(token)

    def get(self, url: str) -> Page:
        answer = self._authed(lambda auth: self.http.get(url, headers=auth))
        return Page(answer.body, _odata_time(answer.headers.get("date")))

    def get_list(self, url: str) -> list[Any]:
        """A JSON array (a submission's attachments)."""
        return self._authed(lambda auth: self.http.get_list(
            url, headers=auth, refusals={404: ("has no such submission", "")}))

    def download(self, url: str, limit: int) -> File:
        """A file of at most `limit` bytes (an attachment)."""
        return self._authed(lambda auth: self.http.download(url, limit, headers=auth))

    def _authed(self, call: Callable[[dict[str, str]], T]) -> T:
        """`call(auth headers)`; a 401 logs in again once, as sessions expire."""
        try:
            return call(self._auth())
        except Refused as exc:
            if exc.status != 401 or self._password is None:
                raise
            self.login()
            return call(self._auth())

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}


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
