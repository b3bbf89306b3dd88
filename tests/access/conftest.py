"""People of two operations, one per role, each with an API token (every scope), on each store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from pantau.access.roles import PERMISSIONS
from pantau.web import create_app
from pantau.workspace import Workspace
from tests.ingest.sample_form import OP, add_form

OTHER = "other-op"  # a second operation: roles there give nothing in OP
PASSWORD = "a long test password"
ROLES = ("anonymous", "viewer", "analyst", "collector", "manager", "admin", "outsider")


@dataclass(frozen=True)
class People:
    """Who is who in the test workspace: user name and API token per role."""

    tokens: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @staticmethod
    def basic(role: str) -> httpx.BasicAuth:
        return httpx.BasicAuth(f"u-{role}", PASSWORD)


def add_people(ws: Workspace) -> People:
    """OP with the sample form, OTHER beside it; u-<role> for every role in OP, u-admin a
    global admin, u-outsider a manager of OTHER only."""
    add_form(ws)
    ws.operations.create(OTHER, "IDN", "Another operation")
    tokens = {}
    for role in ROLES[1:]:
        name = f"u-{role}"
        ws.access.add_user(name, PASSWORD, admin=role == "admin", by="tests")
        if role in ("viewer", "analyst", "collector", "manager"):
            ws.access.grant(name, OP, role, by="tests")
        if role == "outsider":
            ws.access.grant(name, OTHER, "manager", by="tests")
        tokens[role], _ = ws.access.create_token(name, "tests", list(PERMISSIONS), by="tests")
    return People(tokens)


@pytest.fixture
def people(ws: Workspace) -> People:
    return add_people(ws)


@pytest.fixture
def client(ws: Workspace, people: People) -> Iterator[TestClient]:
    """The app over plain http://testserver, so cookies are sent without the Secure flag."""
    _ = people
    with TestClient(create_app(ws, secure_cookies=False)) as c:
        yield c
