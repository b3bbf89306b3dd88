"""Who is asking, and what they may do: the answer to every access check.

A principal is computed once per request (from a session cookie, a token or HTTP Basic
credentials) and then answers `can(permission, operation)` from memory, so a check costs a
dictionary look-up, not a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pantau.access.roles import (
    GLOBAL_PERMISSIONS,
    PUBLIC_PERMISSIONS,
    ROLE_PERMISSIONS,
    check_permission,
)


@dataclass(frozen=True)
class Grant:
    """A role in one operation; `areas` (P-codes) limits a manager to those areas."""

    role: str
    areas: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Principal:
    """An authenticated user, or the anonymous public (`user_id` None)."""

    username: str
    user_id: int | None = None
    is_admin: bool = False
    grants: dict[str, Grant] = field(default_factory=dict)  # operation slug → grant
    public_operations: frozenset[str] = frozenset()
    scopes: frozenset[str] | None = None  # an API token's scopes; None: not limited
    via: str = "anonymous"  # anonymous | session | token | basic | cli
    csrf_token: str | None = None
    session_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    def _scoped(self, permission: str) -> bool:
        return self.scopes is None or permission in self.scopes or permission == "public"

    def can(self, permission: str, operation: str | None = None) -> bool:
        """May this principal use `permission` on `operation`? Without an operation: on at
        least one (the handler then limits what it shows with `operations(permission)`)."""
        check_permission(permission)
        if permission == "public":
            return True
        if not self._scoped(permission):
            return False
        if self.is_admin:
            return True
        if permission in GLOBAL_PERMISSIONS:
            return False
        if operation is None:
            return bool(self.operations(permission))
        grant = self.grants.get(operation)
        if grant is not None and permission in ROLE_PERMISSIONS[grant.role]:
            return True
        return permission in PUBLIC_PERMISSIONS and operation in self.public_operations

    def operations(self, permission: str) -> frozenset[str] | None:
        """The operations (slugs) this principal may use `permission` on; None means all
        (an admin)."""
        check_permission(permission)
        if not self._scoped(permission):
            return frozenset()
        if self.is_admin:
            return None
        mine = {slug for slug, g in self.grants.items()
                if permission in ROLE_PERMISSIONS[g.role]}
        if permission in PUBLIC_PERMISSIONS:
            mine |= self.public_operations
        return frozenset(mine)

    def areas(self, operation: str) -> tuple[str, ...] | None:
        """The admin areas (P-codes) this principal is limited to in `operation`; None: all."""
        if self.is_admin:
            return None
        grant = self.grants.get(operation)
        return None if grant is None else grant.areas

    def covers_area(self, operation: str, pcode: str | None) -> bool:
        """True if `pcode` lies in one of the principal's areas of `operation` (P-codes are
        hierarchical: ID7271 lies in ID72). An unplaced record (no P-code) is outside a
        limited manager's areas."""
        limit = self.areas(operation)
        if limit is None:
            return True
        return pcode is not None and any(pcode.upper().startswith(a.upper()) for a in limit)

    def sees_only_own_submissions(self, operation: str) -> bool:
        """True for a collector: the submissions they may see are those they sent."""
        return not self.can("records:read", operation) and self.can("submissions:own",
                                                                     operation)


def anonymous(public_operations: Iterable[str] = ()) -> Principal:
    return Principal("anonymous", public_operations=frozenset(public_operations))
