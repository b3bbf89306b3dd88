"""API tokens: shown once, stored hashed, scoped, expiring, revocable; the DTM API's key."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from pantau.errors import PantauError
from pantau.store.accounts import ApiToken
from pantau.workspace import Workspace
from tests.access.conftest import OTHER, People
from tests.ingest.sample_form import OP

KEY = "Ocp-Apim-Subscription-Key"
SULTENG = "Central Sulawesi Earthquake 2018"  # the name add_form gives OP


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_only_the_hash_is_stored(ws: Workspace) -> None:
    ws.access.add_user("rina", "long password 1", by="tests")
    plain, info = ws.access.create_token("rina", "dash", ["aggregates:read"], days=30)
    with ws.session() as s:
        row = s.get(ApiToken, info.id)
        assert row is not None and plain not in (row.token_sha256, row.prefix, row.name)
        assert len(row.token_sha256) == 64 and plain.startswith(row.prefix)
    assert info.scopes == ["aggregates:read"] and info.expires_at is not None
    with pytest.raises(PantauError, match="unknown permission 'everything'"):
        ws.access.create_token("rina", "x", ["everything"])


def test_scopes_limit_what_the_role_allows(ws: Workspace, client: TestClient,
                                           people: People) -> None:
    _ = people
    narrow, _ = ws.access.create_token("u-manager", "read only", ["aggregates:read"])
    me = client.get("/api/me", headers=_bearer(narrow)).json()
    assert me["username"] == "u-manager" and me["scopes"] == ["aggregates:read"]
    form_list = f"/openrosa/{OP}/formList"
    assert client.get(form_list, headers=_bearer(narrow)).status_code == 403
    wide, _ = ws.access.create_token("u-manager", "collect", ["forms:read", "submit"])
    assert client.get(form_list, headers=_bearer(wide)).status_code == 200
    # a scope beyond the user's role gives nothing: a viewer's "submit" token cannot submit
    viewer, _ = ws.access.create_token("u-viewer", "x", ["forms:read"])
    assert client.get(form_list, headers=_bearer(viewer)).status_code == 403


def test_revoked_expired_and_disabled_tokens_stop_working(ws: Workspace, client: TestClient,
                                                          people: People) -> None:
    _ = people
    a, info_a = ws.access.create_token("u-analyst", "a", ["aggregates:read"])
    b, info_b = ws.access.create_token("u-analyst", "b", ["aggregates:read"])
    c, _ = ws.access.create_token("u-viewer", "c", ["aggregates:read"])
    for t in (a, b, c):
        assert client.get("/api/me", headers=_bearer(t)).status_code == 200
    ws.access.revoke_token(info_a.id, by="tests")
    with ws.session() as s:  # expired yesterday (as if 90 days had passed)
        s.execute(update(ApiToken).where(ApiToken.id == info_b.id)
                  .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)))
    ws.access._cache.clear()  # what CACHE_SECONDS would do for an expiry
    ws.access.disable("u-viewer", by="tests")
    for t in (a, b, c):
        r = client.get("/api/me", headers=_bearer(t))
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert [t.revoked for t in ws.access.tokens("u-analyst")][-2:] == [True, False]
    assert client.get("/api/me", headers=_bearer("pantau_made-up")).status_code == 401


def test_failed_tokens_are_rate_limited(client: TestClient, people: People) -> None:
    _ = people
    codes = [client.get("/api/me", headers=_bearer(f"pantau_guess{i}")).status_code
             for i in range(21)]
    assert codes == [401] * 20 + [429]
    assert client.get("/api/me", headers=people.headers("admin")).status_code == 429


def test_the_dtm_api_key_is_a_token_and_shows_only_its_operations(
        ws: Workspace, client: TestClient, people: People) -> None:
    ws.operations.create("public-op", "PHL", "Typhoon response", description="")
    ws.access.set_public("public-op", True, by="tests")
    url = "/v3/displacement/operation-list"
    r = client.get(url)
    assert r.status_code == 401 and r.json()["isSuccess"] is False
    assert "missing subscription key" in r.json()["errorMessages"][0]
    bad = client.get(url, headers={KEY: "test-key"})
    assert bad.status_code == 401 and bad.json()["isSuccess"] is False
    names = {role: sorted(o["operation"] for o in client.get(
        url, headers={KEY: people.tokens[role]}).json()["result"])
        for role in ("viewer", "outsider", "admin")}
    assert names == {"viewer": [SULTENG, "Typhoon response"],
                     "outsider": ["Another operation", "Typhoon response"],
                     "admin": ["Another operation", SULTENG, "Typhoon response"]}
    countries = client.get("/v3/displacement/country-list",
                           headers={KEY: people.tokens["outsider"]}).json()["result"]
    assert countries == [{"admin0Name": "Indonesia", "admin0Pcode": "IDN"},
                         {"admin0Name": "Philippines", "admin0Pcode": "PHL"}]
    # a collector reads no aggregates of their own operation: only the public one, and once
    # that is private no more, refused in IOM's envelope
    collector = {KEY: people.tokens["collector"]}
    assert [o["operation"] for o in client.get(url, headers=collector).json()["result"]] == [
        "Typhoon response"]
    ws.access.set_public("public-op", False, by="tests")
    r = client.get(url, headers=collector)
    assert r.status_code == 403 and r.json()["isSuccess"] is False
    assert r.json()["errorMessages"] == ["You do not have the permission this needs."]
    _ = OTHER


def test_tokens_are_listed_without_their_secret(ws: Workspace) -> None:
    ws.access.add_user("rina", "long password 1", by="tests")
    plain, _ = ws.access.create_token("rina", "dash", days=None)
    [info] = ws.access.tokens("rina")
    assert info.expires_at is None and plain not in repr(info)
    with ws.session() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is None
