"""The HTTP helper both pulls use, against a real local server: retries, Retry-After,
timeouts, refusals that name the address but never a credential."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pantau.errors import PantauError
from pantau.ingest.http import (
    JsonClient,
    Refused,
    TooLarge,
    cleartext_warning,
    retry_after,
    safe_url,
    server_url,
)

SECRET = "tok-0123456789-secret"


class Script:
    """What the server answers, one entry per request: (status, body, headers, delay)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any, dict[str, str], float]] = []
        self.seen: list[str] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 — http.server's name
            script.seen.append(self.path)
            status, body, headers, delay = (script.answers.pop(0) if script.answers
                                            else (200, {"ok": True}, {}, 0.0))
            if body == "echo":  # a server that quotes the request back, credentials and all
                body = {"detail": f"bad request, you sent {self.headers['Authorization']}"}
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            if headers.pop("cut", None):  # the connection drops after 10 bytes
                headers["Content-Length"], data = str(len(data)), data[:10]
            time.sleep(delay)
            try:
                self.send_response(status)
                headers = {"Content-Length": str(len(data)), **headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def client(**kw: Any) -> JsonClient:
    options: dict[str, Any] = {"headers": {"Authorization": f"Token {SECRET}"},
                               "secrets": [SECRET], "retries": 2, "backoff": 0.001,
                               "refusals": {401: ("refused the token", "check it")}}
    return JsonClient("TestServer", **{**options, **kw})


def test_transient_answers_are_retried_then_the_object_comes(server) -> None:
    url, script = server
    past = email.utils.format_datetime(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), usegmt=True)
    script.answers += [(429, {}, {"Retry-After": past}, 0.0), (502, {}, {}, 0.0)]
    with client() as c:
        assert c.get(f"{url}/data?page=1").body == {"ok": True}
    assert len(script.seen) == 3


def test_giving_up_names_the_cause_the_count_and_the_address(server) -> None:
    url, script = server
    script.answers += [(503, {}, {}, 0.0)] * 3
    with client() as c, pytest.raises(PantauError) as err:
        c.get(f"{url}/api/data?query=x")
    assert str(err.value).startswith(f"TestServer gave HTTP 503 3 times in a row at "
                                     f"{url}/api/data;")
    assert "query" not in str(err.value)


def test_refusals_name_the_address_and_hide_what_the_server_echoes(server) -> None:
    url, script = server
    script.answers += [(401, {}, {}, 0.0), (400, "echo", {}, 0.0)]
    with client() as c:
        with pytest.raises(Refused) as first:
            c.get(f"{url}/a?token={SECRET}")
        assert first.value.status == 401
        assert str(first.value) == f"TestServer refused the token (HTTP 401) at {url}/a: check it"
        with pytest.raises(Refused) as second:
            c.get(f"{url}/b")
    assert second.value.status == 400 and "bad request, you sent Token …" in str(second.value)
    assert SECRET not in str(second.value)
    assert len(script.seen) == 2  # refusals are not retried


def test_a_server_too_slow_or_gone_is_retried_then_reported(server) -> None:
    url, script = server
    script.answers += [(200, {"ok": 1}, {}, 1.0)]
    with client(timeout=0.1, retries=0) as c, pytest.raises(PantauError, match="no answer in "
                                                             "time .*1 time in a row"):
        c.get(f"{url}/slow")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens on it once the socket is closed
    with client(retries=1) as c, pytest.raises(PantauError, match=r"no answer \(ConnectError\)"
                                               " 2 times"):
        c.get(f"http://127.0.0.1:{closed}/x")


def test_broken_json_is_retried_like_a_dropped_page(server) -> None:
    url, script = server
    script.answers += [(200, [1, 2], {}, 0.0)] * 3
    with client() as c, pytest.raises(PantauError, match="not an object 3 times"):
        c.get(f"{url}/list")


def test_server_addresses_are_checked_and_shown_without_credentials() -> None:
    assert server_url(" https://kf.kobotoolbox.org/ ", "KoboToolbox") == \
        "https://kf.kobotoolbox.org"
    with pytest.raises(PantauError, match="user name or password") as err:
        server_url("https://me:hunter2@central.example.org", "ODK Central")
    assert "hunter2" not in str(err.value)
    with pytest.raises(PantauError, match="start with https://"):
        server_url("central.example.org", "ODK Central")
    assert safe_url("https://me:pw@h.org:8443/v1/x?t=1#f") == "https://h.org:8443/v1/x"


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    later = email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True)
    assert retry_after("7", now) == 7.0
    assert retry_after(later, now) == 30.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None
    c = JsonClient("TestServer", backoff=1.0)
    assert [c.wait(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert c.wait(1, 30.0) == 30.0 and c.wait(1, 3600.0) == 60.0 and c.wait(9) == 60.0
    c.close()


def test_downloads_are_retried_when_cut_and_given_up_over_the_limit(server) -> None:
    url, script = server
    photo = bytes(range(256)) * 8
    script.answers += [(200, photo, {"cut": "1", "Content-Type": "image/jpeg"}, 0.0),
                       (500, {}, {}, 0.0), (200, photo, {"Content-Type": "image/jpeg"}, 0.0)]
    with client() as c:
        got = c.download(f"{url}/files/a.jpg", limit=len(photo))
        assert (got.content, got.content_type) == (photo, "image/jpeg")
        assert len(script.seen) == 3
        script.answers += [(200, photo, {}, 0.0), (404, {}, {}, 0.0)]
        with pytest.raises(TooLarge, match=f"{len(photo):,} bytes, over the limit"):
            c.download(f"{url}/files/a.jpg", limit=len(photo) - 1)
        with pytest.raises(Refused, match=r"TestServer has no such file \(HTTP 404\) at "
                                          f"{url}/files/b.jpg$"):
            c.download(f"{url}/files/b.jpg", limit=10**6)
    assert len(script.seen) == 5  # neither is retried


def test_plain_http_is_warned_about_unless_it_stays_on_this_machine() -> None:
    warning = cleartext_warning("http://me@kobo.example.org/x?t=1", "KoboToolbox")
    assert warning is not None and warning.startswith(
        "http://kobo.example.org/x is plain http://: the KoboToolbox credentials")
    for quiet in ("https://kobo.example.org", "http://localhost:8000", "http://127.0.0.1",
                  "http://[::1]:8080"):
        assert cleartext_warning(quiet, "KoboToolbox") is None
