"""The audit log: who did what to which target, when and from where. Append-only.

Anyone can call `audit(...)`: pass the SQLAlchemy session of the write being audited, so the
entry commits (or rolls back) with it, or a workspace for an entry of its own. Record WHAT
was touched (a path, an id, a count), never the personal data itself: the audit log is read
by admins, and names or phone numbers have no business in it.

The web layer audits every state-changing request through `audit_writer` (group commit, as
the OpenRosa receiver does), so fifty devices submitting at once cost one audit commit, not
fifty.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pantau.ingest.writer import Writer
from pantau.store.accounts import AuditEntry

if TYPE_CHECKING:
    from pantau.access.principal import Principal
    from pantau.workspace import Workspace


@dataclass(frozen=True)
class Event:
    """One thing to write to the audit log."""

    actor: str
    action: str
    target: str = ""
    operation: str | None = None
    outcome: str = "ok"
    ip: str = ""
    user_agent: str = ""
    detail: str = ""
    user_id: int | None = None

    def row(self) -> AuditEntry:
        return AuditEntry(at=dt.datetime.now(dt.UTC), actor=self.actor[:120],
                          user_id=self.user_id, action=self.action[:80],
                          target=self.target[:400], operation=self.operation,
                          outcome=self.outcome[:20], ip=self.ip[:64],
                          user_agent=self.user_agent[:300], detail=self.detail)


def cli_actor(by: str | None = None) -> str:
    """Who acts at the shell: `--by` if given, else the operating-system login. The person at
    the shell owns the workspace files, so the CLI needs no pantau login; it records who."""
    if by:
        return by
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without /etc/passwd entry)
        return "os:unknown"


def audit(where: Workspace | Session, actor: str | Principal, action: str, target: str = "",
          *, operation: str | None = None, outcome: str = "ok", ip: str = "",
          user_agent: str = "", detail: str = "") -> None:
    """Append one entry. `where` is the session of the audited write (same transaction) or a
    workspace (a transaction of its own). `actor` is a name or a `Principal`."""
    user_id = None
    if not isinstance(actor, str):
        actor, user_id = actor.username, actor.user_id
    event = Event(actor, action, target, operation, outcome, ip, user_agent, detail, user_id)
    if isinstance(where, Session):
        where.add(event.row())
        return
    with where.session() as s:
        s.add(event.row())


def _store_event(s: Session, event: Event) -> None:
    s.add(event.row())
    s.flush()


def _store_events(s: Session, events: list[Event]) -> list[None | Exception]:
    s.add_all([e.row() for e in events])
    s.flush()
    return [None] * len(events)


def audit_writer(engine: Engine) -> Writer[Event, None]:
    """Group commit for the audit entries of HTTP requests (see pantau.ingest.writer)."""
    return Writer(engine, _store_event, _store_events)


def entries(ws: Workspace, *, limit: int = 100, actor: str | None = None,
            action: str | None = None, operation: str | None = None) -> list[AuditEntry]:
    """The latest entries first, optionally of one actor, action (prefix) or operation."""
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action.startswith(action, autoescape=True))
    if operation:
        q = q.where(AuditEntry.operation == operation)
    with ws.session() as s:
        return list(s.scalars(q))
