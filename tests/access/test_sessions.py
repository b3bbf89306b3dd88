"""Logging in through the form: cookies, CSRF, rate limits, logout, audit — on both stores."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from pantau.web import create_app
from pantau.workspace import Workspace
from tests.access.conftest import PASSWORD, People


def _form(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD,
          token: str | None = None) -> httpx.Response:
    token = token if token is not None else _form(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/api/me"},
                       follow_redirects=False)


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(
        ws: Workspace, client: TestClient, people: People) -> None:
    _ = people
    r = login(client, "u-manager")
    assert r.status_code == 303 and r.headers["location"] == "/api/me"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("pantau_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # secure_cookies=False in this client
    me = client.get("/api/me").json()
    assert (me["username"], me["via"], me["roles"]) == ("u-manager", "session",
                                                        {"idn-sulteng": "manager"})
    plain = client.cookies["pantau_session"]
    assert plain not in str([(s.token_sha256, s.csrf_token) for s in _sessions(ws)])
    # logout is a state change: without the session's CSRF token it is refused
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": "wrong"},
                       follow_redirects=False).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": me["csrf_token"]},
                       follow_redirects=False).status_code == 303
    assert _sessions(ws) == []
    client.cookies.set("pantau_session", plain)  # a stolen cookie after logout: nobody
    assert client.get("/api/me").json()["anonymous"] is True
    actions = [(e.actor, e.action, e.outcome) for e in ws.access.audit_log(action="log")]
    assert actions == [("u-manager", "logout", "ok"), ("u-manager", "login", "ok")]


def _sessions(ws: Workspace) -> list:  # type: ignore[type-arg]
    from sqlalchemy import select

    from pantau.store.accounts import LoginSession

    with ws.session() as s:
        return list(s.scalars(select(LoginSession)))


def test_cookies_are_secure_except_over_plain_http_to_localhost(ws: Workspace,
                                                                people: People) -> None:
    _ = people
    for base, secure in (("http://localhost", False), ("http://127.0.0.1", False),
                         ("https://dtm.example.org", True), ("http://dtm.example.org", True)):
        with TestClient(create_app(ws), base_url=base) as c:
            form = c.get("/login").headers["set-cookie"]
            assert ("; Secure" in form) is secure, (base, form)
            r = login(c, "u-viewer")
            if base == "http://dtm.example.org":  # the client keeps Secure cookies off http
                assert r.status_code == 403
                continue
            cookie = next(x for x in r.headers.get_list("set-cookie")
                          if x.startswith("pantau_session="))
            assert ("; Secure" in cookie) is secure, (base, cookie)


def test_login_form_needs_its_csrf_token(ws: Workspace, client: TestClient,
                                         people: People) -> None:
    _ = people
    _form(client)
    r = login(client, "u-admin", token="forged")
    assert r.status_code == 403 and "pantau_session" not in r.headers.get("set-cookie", "")
    other = TestClient(create_app(ws, secure_cookies=False))  # no login cookie at all
    assert login(other, "u-admin", token=_form(client)).status_code == 403
    assert [e.detail for e in ws.access.audit_log(action="login")] == ["csrf", "csrf"]


def test_a_state_change_with_the_session_needs_the_csrf_token(
        client: TestClient, people: People) -> None:
    """Form field or header; a cross-site form post carries the cookie but never the token."""
    from fastapi import APIRouter

    from pantau.web.access import allow

    done: list[str] = []
    router = APIRouter()

    @router.post("/probe/{operation}/review", dependencies=[allow("review")])
    def review(operation: str) -> dict[str, str]:
        done.append(operation)
        return {"reviewed": operation}

    client.app.include_router(router)  # type: ignore[attr-defined]
    _ = people
    assert login(client, "u-manager").status_code == 303
    csrf = client.get("/api/me").json()["csrf_token"]
    url = "/probe/idn-sulteng/review"
    assert client.post(url, data={"x": "1"}).status_code == 403
    assert client.post(url, data={"csrf_token": "nope"}).status_code == 403
    assert done == []
    assert client.post(url, data={"csrf_token": csrf}).status_code == 200
    assert client.post(url, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert done == ["idn-sulteng", "idn-sulteng"]


def test_five_failures_a_minute_then_429_even_with_the_right_password(
        ws: Workspace, client: TestClient, people: People) -> None:
    _ = people
    token = _form(client)
    for _ in range(5):
        assert login(client, "u-analyst", "wrong password", token).status_code == 401
    blocked = login(client, "u-analyst", PASSWORD, token)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert "pantau_session" not in blocked.headers.get("set-cookie", "")
    assert login(client, "u-viewer", PASSWORD, token).status_code == 303  # others still can
    outcomes = [e.outcome for e in ws.access.audit_log(action="login", limit=10)]
    assert outcomes == ["ok", "denied"] + ["failed"] * 5


def test_unknown_users_and_wrong_passwords_get_the_same_answer(client: TestClient,
                                                               people: People) -> None:
    _ = people
    token = _form(client)
    a = login(client, "u-analyst", "wrong password", token)
    b = login(client, "nobody-at-all", "wrong password", token)
    assert (a.status_code, b.status_code) == (401, 401)
    assert "Wrong user name or password." in a.text and "Wrong user name or password." in b.text


def test_disabled_users_lose_their_session(ws: Workspace, client: TestClient,
                                           people: People) -> None:
    _ = people
    assert login(client, "u-viewer").status_code == 303
    assert client.get("/api/me").json()["username"] == "u-viewer"
    ws.access.disable("u-viewer", by="tests")
    assert client.get("/api/me").json()["anonymous"] is True
    assert login(client, "u-viewer").status_code == 401


def test_pages_send_the_anonymous_to_the_login_form(client: TestClient,
                                                    people: People) -> None:
    from fastapi import APIRouter

    from pantau.web.access import allow

    router = APIRouter()

    @router.get("/probe/{operation}/records", dependencies=[allow("records:read")])
    def records(operation: str) -> dict[str, str]:
        return {"operation": operation}

    client.app.include_router(router)  # type: ignore[attr-defined]
    _ = people
    r = client.get("/probe/idn-sulteng/records", headers={"Accept": "text/html"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/probe/idn-sulteng/records"
    assert client.get("/probe/idn-sulteng/records").status_code == 401  # an API client
    r = login(client, "u-analyst")
    assert client.get("/probe/idn-sulteng/records").json() == {"operation": "idn-sulteng"}


def test_next_never_leaves_the_site_and_is_escaped(client: TestClient, people: People) -> None:
    _ = people
    page = client.get('/login?next="><script>alert(1)</script>')
    assert "<script>alert" not in page.text
    for evil in ("https://evil.example", "//evil.example", "/\\evil.example"):
        token = _form(client)
        r = client.post("/login", data={"username": "u-viewer", "password": PASSWORD,
                                        "csrf_token": token, "next": evil},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", evil
