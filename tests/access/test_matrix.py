"""The permission matrix: every role × every route → allowed or refused, through HTTP, on
SQLite and PostgreSQL. The expected table is written out by hand (not computed from
pantau.access.roles), so a change to who may do what has to change this test too."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from pantau.access.roles import PERMISSIONS
from pantau.web.access import allow, routes
from pantau.workspace import Workspace
from tests.access.conftest import OTHER, ROLES, People
from tests.ingest.sample_form import FORM, OP, new_id, submission_xml
from tests.ingest.test_openrosa import multipart

ALL = frozenset(ROLES)
STAFF = frozenset({"manager", "admin"})
# permission → roles allowed it in OP (a private operation); "outsider" manages OTHER only
EXPECTED: dict[str, frozenset[str]] = {
    "public": ALL,
    "aggregates:read": frozenset({"viewer", "analyst", "manager", "admin"}),
    "forms:read": frozenset({"collector", "manager", "admin"}),
    "submit": frozenset({"collector", "manager", "admin"}),
    "submissions:own": frozenset({"collector", "manager", "admin"}),
    "records:read": frozenset({"analyst", "manager", "admin"}),
    "personal:read": STAFF,
    "export": frozenset({"analyst", "manager", "admin"}),
    "review": STAFF,
    "configure": STAFF,
    "publish": STAFF,
    "audit:read": frozenset({"admin"}),
    "users:manage": frozenset({"admin"}),
}


def test_the_table_covers_every_permission() -> None:
    assert set(EXPECTED) == set(PERMISSIONS)


def _probe_router() -> APIRouter:
    """One route per permission, per operation: what `allow()` decides, and nothing else."""
    router = APIRouter(prefix="/probe")
    for perm in PERMISSIONS:
        def ok(operation: str, perm: str = perm) -> dict[str, str]:
            return {"operation": operation, "permission": perm}
        router.add_api_route(f"/{{operation}}/{perm}", ok, methods=["GET"],
                             dependencies=[allow(perm)])
    return router


def _status(client: TestClient, people: People, role: str, method: str, url: str,
            **kw: object) -> int:
    return client.request(method, url, headers={**people.headers(role),
                                                **kw.pop("headers", {})},  # type: ignore[dict-item]
                          follow_redirects=False, **kw).status_code  # type: ignore[arg-type]


def _refused(role: str, status: int) -> bool:
    return status == (401 if role == "anonymous" else 403)


@pytest.mark.parametrize("operation", [OP, OTHER, "no-such-op"])
def test_every_role_on_every_permission(client: TestClient, people: People,
                                        operation: str) -> None:
    client.app.include_router(_probe_router())  # type: ignore[attr-defined]
    for perm, allowed in EXPECTED.items():
        if operation == OTHER:  # only the outsider (its manager) and the admin hold roles
            allowed = (allowed & {"admin", "anonymous"}) | (
                {"outsider"} if perm in EXPECTED and "manager" in EXPECTED[perm] else set())
            if perm == "public":
                allowed = ALL
        if operation == "no-such-op":  # only the admin reaches the route (which may 404)
            allowed = ALL if perm == "public" else frozenset({"admin"})
        for role in ROLES:
            status = _status(client, people, role, "GET", f"/probe/{operation}/{perm}")
            if role in allowed:
                assert status == 200, (role, perm, operation, status)
            else:
                assert _refused(role, status), (role, perm, operation, status)


def test_a_public_operation_shows_aggregates_to_anyone_and_nothing_more(
        ws: Workspace, client: TestClient, people: People) -> None:
    client.app.include_router(_probe_router())  # type: ignore[attr-defined]
    ws.access.set_public(OP, True, by="tests")
    for perm in EXPECTED:
        status = _status(client, people, "anonymous", "GET", f"/probe/{OP}/{perm}")
        assert (status == 200) == (perm in ("public", "aggregates:read")), (perm, status)
        # a role in another operation gives no more than the public has here
        status = _status(client, people, "outsider", "GET", f"/probe/{OP}/{perm}")
        assert (status == 200) == (perm in ("public", "aggregates:read")), (perm, status)


# route → roles allowed; the routes pantau itself serves today (other pages add their rows)
ROUTES: list[tuple[str, str, frozenset[str]]] = [
    ("GET", "/", ALL),
    ("GET", "/api/home", ALL),
    ("GET", "/api/me", ALL),
    ("GET", "/docs", ALL),
    ("GET", "/openapi.json", ALL),
    ("GET", "/static/pantau.css", ALL),
    ("GET", "/login", ALL),
    ("GET", f"/openrosa/{OP}/formList", EXPECTED["forms:read"]),
    ("GET", f"/openrosa/{OP}/forms/{FORM}/form.xml", EXPECTED["forms:read"]),
    ("HEAD", f"/openrosa/{OP}/submission", EXPECTED["submit"]),
    ("POST", f"/openrosa/{OP}/submission", EXPECTED["submit"]),
]


@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES,
                         ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_every_role_on_the_routes(client: TestClient, people: People, method: str, url: str,
                                  allowed: frozenset[str]) -> None:
    for role in ROLES:
        kw: dict[str, object] = {}
        if method == "POST":
            body, headers = multipart(submission_xml(new_id()))
            kw = {"content": body, "headers": headers}
        status = _status(client, people, role, method, url, **kw)
        if role in allowed:
            assert status < 400, (role, method, url, status)
        else:
            assert _refused(role, status), (role, method, url, status)


def test_every_declared_route_refuses_whoever_lacks_its_permission(
        client: TestClient, people: People) -> None:
    """Whatever routers are added (dashboards, quality, flows …): each GET route that needs
    more than "public" refuses the anonymous public on a private operation and lets the admin
    through. Path parameters get the private operation's slug or a dummy value."""
    checked = 0
    for path, methods, _route, check in routes(client.app):  # type: ignore[arg-type]
        if "GET" not in methods or check is None or check.permission == "public" \
                or check.basic:
            continue
        url = re.sub(r"\{(operation|slug)(:[^}]*)?\}", OP, path)
        url = re.sub(r"\{[^}]+\}", "x", url)
        assert _refused("anonymous", _status(client, people, "anonymous", "GET", url)), url
        key = {"Ocp-Apim-Subscription-Key": people.tokens["admin"]}  # the DTM API's header
        assert _status(client, people, "admin", "GET", url, headers=key) not in (401, 403), url
        checked += 1
    assert checked >= 1
