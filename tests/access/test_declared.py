"""Deny by default: every route of the fully built app declares the permission it needs, and
a route that does not is refused to everyone at run time."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pantau.web import create_app
from pantau.web.access import undeclared
from pantau.workspace import Workspace
from tests.access.conftest import People


def test_every_route_declares_a_permission(ws: Workspace) -> None:
    """Fails for any route (of any router, included however) without `allow(...)`; static
    files and /openapi.json are the only routes public without saying so."""
    missing = undeclared(create_app(ws))
    assert missing == [], ("routes without a declared permission (add "
                           "`dependencies=[allow(...)]` to the router, see docs/access.md): "
                           + ", ".join(missing))


def test_an_undeclared_route_is_refused_to_everyone(ws: Workspace, people: People) -> None:
    app = create_app(ws, secure_cookies=False)
    writes: list[str] = []

    @app.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "figures"}

    @app.post("/forgotten-write")
    def forgotten_write() -> dict[str, str]:
        writes.append("written")
        return {"ok": "yes"}

    with TestClient(app) as client:
        for role in ("anonymous", "viewer", "admin"):
            r = client.get("/forgotten", headers=people.headers(role))
            assert r.status_code == 403 and "secret" not in r.text
            assert client.post("/forgotten-write",
                               headers=people.headers(role)).status_code == 403
    assert writes == []
    assert undeclared(app) == ["GET /forgotten", "POST /forgotten-write"]
