"""The demo's accounts: an administrator and one user per role, with passwords made up for
this demo workspace only (random, printed once by `pantau demo`: never use them elsewhere)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pantau.access.roles import OPERATION_ROLES

if TYPE_CHECKING:
    from pantau.workspace import Workspace


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # admin, or the role in the demo operation
    password: str


def add_demo_users(ws: Workspace, operation: str, by: str) -> list[DemoUser]:
    """`demo-admin` and `demo-<role>` for every role of `operation`."""
    users = []
    for role in ("admin", *OPERATION_ROLES):
        user = DemoUser(f"demo-{role}", role, "demo-" + secrets.token_urlsafe(9))
        ws.access.add_user(user.username, user.password, admin=role == "admin",
                           display_name=f"Demo {role}", by=by)
        if role != "admin":
            ws.access.grant(user.username, operation, role, by=by)
        users.append(user)
    return users
