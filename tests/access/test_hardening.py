"""Security headers, body limits, the append-only audit log and the audit of every write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from pantau.access.audit import audit
from pantau.store.accounts import AuditEntry
from pantau.workspace import Workspace
from tests.access.conftest import People


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for path in ("/", "/api/home", "/login", "/static/pantau.css", "/nowhere",
                 "/openrosa/x/formList"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp, path
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
        assert r.headers["x-frame-options"] == "DENY", path
    assert "'unsafe-inline'" in client.get("/docs").headers["content-security-policy"]


def test_pages_have_no_inline_script(client: TestClient) -> None:
    """The CSP forbids inline scripts, so the pages must not need any."""
    for path in ("/", "/login"):
        html = client.get(path).text
        assert "<script>" not in html and " onclick=" not in html, path


def test_request_bodies_are_capped(ws: Workspace, client: TestClient, people: People) -> None:
    _ = people
    big = "x" * (17 * 1024)
    r = client.post("/login", content=f"username=u-admin&password={big}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413

    def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: counted as it comes
        for _ in range(40):
            yield b"a" * 1024

    r = client.post("/login", content=chunks(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert ws.access.audit_log(action="login") == []  # refused before the route ran


def test_the_audit_log_is_append_only(ws: Workspace) -> None:
    audit(ws, "tests", "probe", "x")
    for statement in (update(AuditEntry).values(actor="someone else"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"), ws.session() as s:
            s.execute(statement)
    [entry] = ws.access.audit_log(action="probe")
    assert entry.actor == "tests"


def test_writes_are_audited_with_who_and_from_where(ws: Workspace, client: TestClient,
                                                    people: People) -> None:
    from fastapi import APIRouter

    from pantau.web.access import allow

    router = APIRouter()

    @router.post("/probe/{operation}/configure", dependencies=[allow("configure")])
    def configure(operation: str) -> dict[str, str]:
        return {"configured": operation}

    client.app.include_router(router)  # type: ignore[attr-defined]
    url = "/probe/idn-sulteng/configure"
    assert client.post(url, headers={**people.headers("manager"),
                                     "User-Agent": "probe/1"}).status_code == 200
    assert client.post(url, headers=people.headers("viewer")).status_code == 403
    got = [(e.actor, e.action, e.target, e.operation, e.outcome, e.ip, e.user_agent)
           for e in ws.access.audit_log(action="http.")]
    assert got == [
        ("u-viewer", "http.post", "/probe/{operation}/configure", "idn-sulteng", "denied",
         "testclient", "testclient"),
        ("u-manager", "http.post", "/probe/{operation}/configure", "idn-sulteng", "ok",
         "testclient", "probe/1")]


def test_a_configured_tile_server_is_the_only_outside_image_source(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from pantau.web.app import create_app

    monkeypatch.setenv("PANTAU_MAP_TILES", "https://{s}.tile.example.org/{z}/{x}/{y}.png")
    csp = TestClient(create_app(ws)).get("/login").headers["content-security-policy"]
    assert "img-src 'self' https://*.tile.example.org data:" in csp
    monkeypatch.setenv("PANTAU_MAP_TILES", "https://evil.example; script-src *;/{z}.png")
    csp = TestClient(create_app(ws)).get("/login").headers["content-security-policy"]
    assert "evil" not in csp and "script-src 'self';" in csp
    monkeypatch.delenv("PANTAU_MAP_TILES")
    csp = TestClient(create_app(ws)).get("/login").headers["content-security-policy"]
    assert "img-src 'self' data:" in csp
