"""Who may do what: the role → permission table, in one place.

A route, page or command names the permission it needs (`allow("records:read")`); this
table says which roles hold it. Roles are held per operation (a `Membership`), except admin,
which is global. The anonymous public holds only `PUBLIC_PERMISSIONS`, and only on operations
marked public (`operation.public`).
"""

from __future__ import annotations

# Every permission a route may name. A name not here is a programming error (KeyError early).
PERMISSIONS: dict[str, str] = {
    "public": "anyone, logged in or not: the login page, static files, the API description",
    "aggregates:read": "published aggregated figures (tables, maps, DTM API)",
    "forms:read": "list and download the operation's forms (ODK Collect, Enketo)",
    "submit": "send submissions over OpenRosa",
    "submissions:own": "see the submissions one sent oneself",
    "records:read": "record-level data without personal fields",
    "personal:read": "record-level data with personal fields (every read is audited)",
    "export": "record-level exports (audited)",
    "review": "review, flag, clean and approve submissions",
    "configure": "forms, sites, rounds and settings of an operation",
    "publish": "publish datasets (HDX, public pages)",
    "audit:read": "read the audit log",
    "users:manage": "add users, set roles, issue tokens for others",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"public", "aggregates:read"}),
    "analyst": frozenset({"public", "aggregates:read", "records:read", "export"}),
    "collector": frozenset({"public", "forms:read", "submit", "submissions:own"}),
    "manager": frozenset({"public", "aggregates:read", "forms:read", "submit",
                          "submissions:own", "records:read", "personal:read", "export",
                          "review", "configure", "publish"}),
    "admin": frozenset(PERMISSIONS),
}
PUBLIC_PERMISSIONS = frozenset({"public", "aggregates:read"})  # anonymous, public operations
GLOBAL_PERMISSIONS = frozenset({"audit:read", "users:manage"})  # admin only, no operation
ROLES = ("admin", "manager", "collector", "analyst", "viewer")
OPERATION_ROLES = ROLES[1:]


def role_permissions(role: str) -> frozenset[str]:
    """The permissions of `role`; ValueError naming the roles for an unknown one."""
    try:
        return ROLE_PERMISSIONS[role]
    except KeyError:
        raise ValueError(f"unknown role '{role}' (use one of {', '.join(ROLES)})") from None


def check_permission(name: str) -> str:
    """`name` if it is a declared permission, else ValueError listing them."""
    if name not in PERMISSIONS:
        raise ValueError(f"unknown permission '{name}' (declared: {', '.join(PERMISSIONS)})")
    return name
