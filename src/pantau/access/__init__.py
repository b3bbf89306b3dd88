"""Accounts, roles per operation, API tokens, sessions and the audit log (`ws.access`).

    ws.access.add_user("rina", "a long password", by="admin")
    ws.access.grant("rina", "idn-sulteng-2018", "manager", areas=["ID7271"], by="admin")
    token = ws.access.create_token("rina", "dashboard", scopes=["aggregates:read"], days=90)

Credentials become a `Principal` (pantau.access.principal) that answers every access check
from memory. Looking a credential up costs a query or two (a password an argon2 verification,
tens of milliseconds by design), so principals are cached for a few seconds per process:
`CACHE_SECONDS` is how long a revocation by ANOTHER process (the CLI while the server runs)
may take to bite; in the same process it bites at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from pantau.access import audit as _audit
from pantau.access.passwords import hash_password, verify_password
from pantau.access.principal import Grant, Principal, anonymous
from pantau.access.roles import OPERATION_ROLES, check_permission
from pantau.access.tokens import digest, new_api_token, new_secret
from pantau.errors import PantauError
from pantau.operations import get_operation
from pantau.store.accounts import ApiToken, AuditEntry, LoginSession, Membership, User
from pantau.store.models import Operation

if TYPE_CHECKING:
    from pantau.workspace import Workspace

CACHE_SECONDS = 5.0
BASIC_CACHE_SECONDS = 60.0  # ODK Collect sends Basic credentials with every request
SESSION_HOURS = 12
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
DEFAULT_SCOPES = ("aggregates:read",)
LAST_USED_EVERY = dt.timedelta(minutes=1)  # how precisely a token's last use is kept


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back; they were stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _invalid(message: str) -> PantauError:
    return PantauError("invalid", message=message)


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not (2 <= len(name) <= 80) or not set(name) <= USERNAME_CHARS:
        raise _invalid(f"'{username}' is not a valid user name (2–80 characters: letters, "
                       "digits, '.', '_', '-', '@')")
    return name


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    is_admin: bool
    disabled: bool
    roles: dict[str, str]  # operation slug → role (with areas: "manager [ID7271]")


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    name: str
    prefix: str
    scopes: list[str]
    expires_at: dt.datetime | None
    revoked: bool
    last_used_at: dt.datetime | None


class _Cache:
    """key → (principal, expiry) for a few seconds; cleared by any change in this process."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Principal | None]:
        hit = self._items.get(key)
        if hit is None or hit[1] < time.monotonic():
            return False, None
        return True, hit[0]

    def put(self, key: str, value: Principal | None, seconds: float) -> None:
        with self._lock:
            if len(self._items) > 50_000:
                self._items.clear()
            self._items[key] = (value, time.monotonic() + seconds)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Access:
    """The verbs of accounts and access on one workspace (`ws.access`)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.cache_seconds = CACHE_SECONDS
        self.session_hours = SESSION_HOURS
        self._cache = _Cache()
        self._basic_key = secrets.token_bytes(32)  # keys the cache of Basic credentials
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # --- users and roles ------------------------------------------------------------------

    def add_user(self, username: str, password: str, *, admin: bool = False,
                 display_name: str = "", by: str | None = None) -> UserInfo:
        name = check_username(username)
        try:
            pw = hash_password(password)
        except ValueError as exc:
            raise _invalid(f"user '{name}': {exc}") from None
        actor = _audit.cli_actor(by)
        with self.ws.session() as s:
            if s.scalar(select(User.id).where(User.username == name)) is not None:
                raise PantauError("already_exists", what="User", key=name)
            s.add(User(username=name, display_name=display_name, password_hash=pw,
                       is_admin=admin, created_by=actor))
            _audit.audit(s, actor, "user.add", name, detail="admin" if admin else "")
        return self.user(name)

    def set_password(self, username: str, password: str, *, by: str | None = None) -> None:
        try:
            pw = hash_password(password)
        except ValueError as exc:
            raise _invalid(f"user '{username}': {exc}") from None
        with self.ws.session() as s:
            user = self._user(s, username)
            user.password_hash = pw
            s.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            _audit.audit(s, _audit.cli_actor(by), "user.password", user.username)
        self._cache.clear()

    def set_admin(self, username: str, admin: bool, *, by: str | None = None) -> None:
        with self.ws.session() as s:
            user = self._user(s, username)
            user.is_admin = admin
            _audit.audit(s, _audit.cli_actor(by), "user.admin", user.username,
                         detail="on" if admin else "off")
        self._cache.clear()

    def grant(self, username: str, operation: str, role: str,
              areas: Iterable[str] | None = None, *, by: str | None = None) -> None:
        """Give `username` `role` in `operation` (replacing any role held there). `areas`
        (P-codes) limit a manager to those admin areas."""
        if role not in OPERATION_ROLES:
            raise _invalid(f"unknown role '{role}' in an operation (use one of "
                           f"{', '.join(OPERATION_ROLES)}; admin is given with --admin)")
        area_list = sorted({a.strip().upper() for a in areas or () if a.strip()}) or None
        if area_list and role != "manager":
            raise _invalid("only a manager can be limited to admin areas")
        with self.ws.session() as s:
            user = self._user(s, username)
            op = get_operation(s, operation)
            m = s.scalar(select(Membership).where(Membership.user_id == user.id,
                                                  Membership.operation_id == op.id))
            if m is None:
                m = Membership(user_id=user.id, operation_id=op.id)
                s.add(m)
            m.role, m.areas, m.granted_by = role, area_list, _audit.cli_actor(by)
            m.granted_at = _now()
            _audit.audit(s, _audit.cli_actor(by), "user.role", user.username,
                         operation=op.slug,
                         detail=role + (f" areas={','.join(area_list)}" if area_list else ""))
        self._cache.clear()

    def revoke_role(self, username: str, operation: str, *, by: str | None = None) -> None:
        with self.ws.session() as s:
            user = self._user(s, username)
            op = get_operation(s, operation)
            gone = s.execute(delete(Membership).where(Membership.user_id == user.id,
                                                      Membership.operation_id == op.id))
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise PantauError("not_found", what=f"role of {user.username} in",
                                  key=op.slug)
            _audit.audit(s, _audit.cli_actor(by), "user.role.remove", user.username,
                         operation=op.slug)
        self._cache.clear()

    def disable(self, username: str, *, by: str | None = None, enable: bool = False) -> None:
        """Disable a user (never deleted: the audit log names them): their sessions end and
        their tokens stop working. `enable=True` lets them in again."""
        with self.ws.session() as s:
            user = self._user(s, username)
            user.disabled_at = None if enable else _now()
            if not enable:
                s.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            _audit.audit(s, _audit.cli_actor(by), "user.enable" if enable else "user.disable",
                         user.username)
        self._cache.clear()

    def user(self, username: str) -> UserInfo:
        with self.ws.session() as s:
            return self._info(s, self._user(s, username))

    def users(self) -> list[UserInfo]:
        with self.ws.session() as s:
            return [self._info(s, u) for u in s.scalars(select(User).order_by(User.username))]

    def set_public(self, operation: str, public: bool, *, by: str | None = None) -> None:
        """Let anonymous visitors read the operation's published aggregates (or stop that)."""
        with self.ws.session() as s:
            op = get_operation(s, operation)
            op.public = public
            _audit.audit(s, _audit.cli_actor(by), "operation.public", op.slug,
                         operation=op.slug, detail="on" if public else "off")
        self._cache.clear()

    # --- API tokens -----------------------------------------------------------------------

    def create_token(self, username: str, name: str, scopes: Iterable[str] = DEFAULT_SCOPES,
                     days: int | None = 90, *, by: str | None = None) -> tuple[str, TokenInfo]:
        """A new token for `username`: the plain token (shown once, never stored) and its
        record. It can do what its scopes name AND its user's roles allow."""
        try:
            scope_list = sorted({check_permission(x) for x in scopes})
        except ValueError as exc:
            raise _invalid(str(exc)) from None
        if not scope_list:
            raise _invalid("a token needs at least one scope")
        if days is not None and days <= 0:
            raise _invalid("--days must be 1 or more")
        plain = new_api_token()
        with self.ws.session() as s:
            user = self._user(s, username)
            tok = ApiToken(user_id=user.id, name=name[:120], prefix=plain[:14],
                           token_sha256=digest(plain), scopes=scope_list,
                           expires_at=None if days is None else _now() + dt.timedelta(days=days))
            s.add(tok)
            s.flush()
            _audit.audit(s, _audit.cli_actor(by), "token.create", f"token {tok.id}",
                         detail=f"user={user.username} scopes={','.join(scope_list)}")
            info = self._token_info(tok, user.username)
        return plain, info

    def revoke_token(self, token_id: int, *, by: str | None = None) -> None:
        with self.ws.session() as s:
            tok = s.get(ApiToken, token_id)
            if tok is None:
                raise PantauError("not_found", what="token", key=token_id)
            tok.revoked_at = tok.revoked_at or _now()
            _audit.audit(s, _audit.cli_actor(by), "token.revoke", f"token {tok.id}")
        self._cache.clear()

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        with self.ws.session() as s:
            q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
            if username:
                q = q.where(User.username == check_username(username))
            return [self._token_info(t, u) for t, u in s.execute(q.order_by(ApiToken.id))]

    # --- authentication -------------------------------------------------------------------

    def public_operations(self, c=None) -> frozenset[str]:  # type: ignore[no-untyped-def]
        """Slugs of the public operations (`c`: a connection already open, to reuse)."""
        hit, cached = self._cache.get("public")
        if hit and cached is not None:
            return cached.public_operations
        q = select(Operation.slug).where(Operation.public.is_(True))
        if c is None:
            with self.ws.engine.connect() as c:
                slugs = frozenset(c.execute(q).scalars())
        else:
            slugs = frozenset(c.execute(q).scalars())
        self._cache.put("public", anonymous(slugs), self.cache_seconds)
        return slugs

    def operation_names(self, slugs: frozenset[str]) -> frozenset[str]:
        """The names of the operations `slugs` (the DTM API names operations by name)."""
        key = "n:" + "\0".join(sorted(slugs))
        hit, cached = self._cache.get(key)
        if hit and cached is not None:
            return cached.public_operations
        with self.ws.engine.connect() as c:
            names = frozenset(c.execute(select(Operation.name)
                                        .where(Operation.slug.in_(slugs))).scalars())
        self._cache.put(key, anonymous(names), self.cache_seconds)  # a frozenset holder
        return names

    def anonymous(self) -> Principal:
        return anonymous(self.public_operations())

    def by_token(self, plain: str) -> Principal | None:
        """The principal of an API token; None if unknown, expired, revoked or disabled."""
        key = "t:" + digest(plain)
        hit, cached = self._cache.get(key)
        if hit:
            return cached
        with self.ws.engine.connect() as c:
            row = c.execute(select(ApiToken.id, ApiToken.scopes, ApiToken.expires_at,
                                   ApiToken.revoked_at, User.id, User.username,
                                   User.is_admin, User.disabled_at, ApiToken.last_used_at)
                            .join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_sha256 == key[2:])).first()
            found = None
            now = _now()
            if row is not None and row[3] is None and row[7] is None and \
                    (row[2] is None or _aware(row[2]) > now):  # type: ignore[operator]
                found = self._principal(c, row[4], row[5], row[6], via="token",
                                        scopes=frozenset(row[1]))
                last = _aware(row[8])
                if last is None or now - last > LAST_USED_EVERY:  # a write now and then,
                    c.execute(update(ApiToken).where(ApiToken.id == row[0])  # not per call
                              .values(last_used_at=now))
                    c.commit()
        self._cache.put(key, found, self.cache_seconds)
        return found

    def by_password(self, username: str, password: str, via: str = "basic") -> Principal | None:
        """The principal of a user name and password (argon2; unknown users cost the same
        time); None if wrong or disabled. Successes are cached for a minute, keyed by an HMAC
        with a per-process key, so that Collect's Basic auth on every request does not cost
        an argon2 verification each time."""
        key = "b:" + hmac.new(self._basic_key, f"{username}\0{password}".encode(
            "utf-8", "surrogateescape"), hashlib.sha256).hexdigest()
        hit, cached = self._cache.get(key)
        if hit and cached is not None:
            return cached
        with self._verifying(key):  # fifty devices of one account: one argon2, not fifty
            hit, cached = self._cache.get(key)
            if hit and cached is not None:
                return cached
            name = username.strip().lower()
            with self.ws.engine.connect() as c:
                row = c.execute(select(User.id, User.username, User.is_admin,
                                       User.disabled_at, User.password_hash)
                                .where(User.username == name)).first()
            # no connection is held during the (deliberately slow) verification
            ok = verify_password(row[4] if row is not None else None, password)
            if not ok or row is None or row[3] is not None:
                return None
            with self.ws.engine.connect() as c:
                found = self._principal(c, row[0], row[1], row[2], via=via)
            self._cache.put(key, found, BASIC_CACHE_SECONDS)
            return found

    def _verifying(self, key: str) -> threading.Lock:
        with self._locks_lock:
            if len(self._locks) > 10_000:
                self._locks.clear()
            return self._locks.setdefault(key, threading.Lock())

    def login(self, username: str, password: str, ip: str = "",
              user_agent: str = "") -> tuple[str, Principal] | None:
        """Check the password and open a session: (cookie value, principal), or None. The
        caller audits and rate-limits (it knows the address)."""
        principal = self.by_password(username, password, via="session")
        if principal is None:
            return None
        plain, csrf = new_secret(), new_secret()
        with self.ws.session() as s:
            row = LoginSession(user_id=principal.user_id, token_sha256=digest(plain),
                               csrf_token=csrf, ip=ip[:64], user_agent=user_agent[:300],
                               expires_at=_now() + dt.timedelta(hours=self.session_hours))
            s.add(row)
            s.flush()
            sid = row.id
        return plain, Principal(**{**principal.__dict__, "via": "session", "csrf_token": csrf,
                                   "session_id": sid})

    def by_session(self, plain: str) -> Principal | None:
        key = "s:" + digest(plain)
        hit, cached = self._cache.get(key)
        if hit:
            return cached
        with self.ws.engine.connect() as c:
            row = c.execute(select(LoginSession.id, LoginSession.csrf_token,
                                   LoginSession.expires_at, User.id, User.username,
                                   User.is_admin, User.disabled_at)
                            .join(User, User.id == LoginSession.user_id)
                            .where(LoginSession.token_sha256 == key[2:])).first()
            found = None
            if row is not None and row[6] is None and _aware(row[2]) > _now():  # type: ignore[operator]
                found = self._principal(c, row[3], row[4], row[5], via="session",
                                        csrf=row[1], session_id=row[0])
        self._cache.put(key, found, self.cache_seconds)
        return found

    def logout(self, plain: str) -> None:
        with self.ws.session() as s:
            s.execute(delete(LoginSession).where(LoginSession.token_sha256 == digest(plain)))
        self._cache.clear()

    # --- audit ----------------------------------------------------------------------------

    def audit(self, actor: str | Principal, action: str, target: str = "",
              **kwargs: str | None) -> None:
        """Append one entry in a transaction of its own (see pantau.access.audit.audit to
        write it in the transaction of the audited change)."""
        _audit.audit(self.ws, actor, action, target, **kwargs)  # type: ignore[arg-type]

    def audit_log(self, *, limit: int = 100, actor: str | None = None,
                  action: str | None = None, operation: str | None = None) -> list[AuditEntry]:
        return _audit.entries(self.ws, limit=limit, actor=actor, action=action,
                              operation=operation)

    # --- helpers --------------------------------------------------------------------------

    def _principal(self, c, user_id: int, username: str, is_admin: bool, *, via: str,  # type: ignore[no-untyped-def]
                   scopes: frozenset[str] | None = None, csrf: str | None = None,
                   session_id: int | None = None) -> Principal:
        rows = c.execute(select(Operation.slug, Membership.role, Membership.areas)
                         .join(Operation, Operation.id == Membership.operation_id)
                         .where(Membership.user_id == user_id)).all()
        grants = {slug: Grant(role, tuple(areas) if areas else None)
                  for slug, role, areas in rows}
        return Principal(username, user_id, bool(is_admin), grants, self.public_operations(c),
                         scopes, via, csrf, session_id)

    @staticmethod
    def _user(s, username: str) -> User:  # type: ignore[no-untyped-def]
        user = s.scalar(select(User).where(User.username == check_username(username)))
        if user is None:
            raise PantauError("not_found", what="user", key=username)
        return user

    @staticmethod
    def _info(s, user: User) -> UserInfo:  # type: ignore[no-untyped-def]
        roles = {}
        for slug, role, areas in s.execute(
                select(Operation.slug, Membership.role, Membership.areas)
                .join(Operation, Operation.id == Membership.operation_id)
                .where(Membership.user_id == user.id).order_by(Operation.slug)):
            roles[slug] = role + (f" [{', '.join(areas)}]" if areas else "")
        return UserInfo(user.username, user.display_name, user.is_admin,
                        user.disabled_at is not None, roles)

    @staticmethod
    def _token_info(t: ApiToken, username: str) -> TokenInfo:
        return TokenInfo(t.id, username, t.name, t.prefix, list(t.scopes),
                         _aware(t.expires_at), t.revoked_at is not None,
                         _aware(t.last_used_at))


__all__ = ["Access", "Principal", "TokenInfo", "UserInfo"]
