"""Tables of accounts, roles, API tokens and the audit log (issue 7).

Secrets are never stored: a password is an argon2 hash, a session or API token is the SHA-256
of a random value the user holds (a stolen database gives no working credential). Users are
disabled, never deleted, so that the audit log's `actor` always names someone who existed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pantau.store.models import Base, _now

ROLES = ("manager", "collector", "analyst", "viewer")  # per operation; admin is global


class User(Base):
    """A person who logs in (pages, API) or submits (ODK Collect with HTTP Basic auth)."""

    __tablename__ = "user_account"  # "user" is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    created_by: Mapped[str] = mapped_column(String(120), default="")


class Membership(Base):
    """A user's role in one operation; a manager may be limited to some admin areas (P-codes,
    each covering its sub-areas)."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "operation_id"),
        CheckConstraint("role IN ('manager', 'collector', 'analyst', 'viewer')", name="role"),
        Index("ix_membership_operation", "operation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    areas: Mapped[list | None] = mapped_column(JSON)  # None: every area of the operation
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    granted_by: Mapped[str] = mapped_column(String(120), default="")


class ApiToken(Base):
    """A token shown once; kept as its SHA-256, limited to scopes, expiring and revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise it
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A browser session: the cookie holds the token, the store its SHA-256 and the CSRF
    token forms must send back (synchronizer pattern)."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class AuditEntry(Base):
    """Who did what to which target, when and from where. Append-only: triggers on both
    stores refuse UPDATE and DELETE (migration 0008). No foreign keys, so that deleting an
    operation never deletes its history."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(120))  # username, "anonymous", "os:<login>"
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(400), default="")
    operation: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")  # ok | denied | failed
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
