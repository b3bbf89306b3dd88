"""Access control for every route: deny by default, one line to declare what a route needs.

Declaring. Every route names the permission it needs (see pantau.access.roles):

    router = APIRouter(prefix="/api/quality", dependencies=[allow("review")])   # whole router
    @app.get("/x", dependencies=[allow("aggregates:read")])                    # one route
    def page(who: Principal = allow("records:read")) -> ...                     # and use it

A route with an `{operation}` (or `{slug}`) path parameter is checked against that operation;
one without is allowed if the principal holds the permission somewhere, and the handler
limits what it shows with `who.operations(permission)`. A route that declares nothing answers 403 to
everyone (`install` wraps it), and tests/access/test_declared.py fails for it.

Credentials, in this order: `Authorization: Bearer <token>`, the DTM API's
`Ocp-Apim-Subscription-Key: <token>`, `Authorization: Basic` (only on routes declared with
`basic=True`: the OpenRosa ones, as ODK Collect and Enketo send it), the session cookie. None
is the anonymous public. A credential that is present but wrong is a 401, never anonymous.

The middleware adds security headers, caps request bodies (per route, `max_body`), and
writes every state-changing request to the audit log before the answer leaves.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

from pantau.access import Access, Principal
from pantau.access.audit import Event, audit_writer
from pantau.access.ratelimit import FailureLimit
from pantau.access.roles import check_permission
from pantau.access.tokens import new_secret, same

log = logging.getLogger("pantau.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "pantau_session"
LOGIN_CSRF_COOKIE = "pantau_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
DTM_KEY_HEADER = "Ocp-Apim-Subscription-Key"
DEFAULT_MAX_BODY = 1024 * 1024  # forms and JSON; uploads declare more (`max_body`)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPERATION_PARAMS = ("operation", "slug")  # path parameters that name the operation
PUBLIC_MOUNTS = frozenset({"/static"})  # explicitly public: the styles and vendored scripts
FRAMEWORK_PUBLIC = frozenset({"/openapi.json"})  # FastAPI's own route: the API description
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

# No inline scripts anywhere; inline style attributes are allowed (bar widths in tables).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs page starts Swagger UI with an inline script: allowed there, only there.
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


def tile_origin(template: str) -> str | None:
    """The origin of a configured map tile URL template, as a CSP source, so that the tile
    layer the operator chose (PANTAU_MAP_TILES) is the one outside source images may come
    from: 'https://{s}.tile.example.org/{z}/{x}/{y}.png' → 'https://*.tile.example.org'."""
    parts = urlsplit(template.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"\{[a-z]+\}", "*", parts.netloc)
    if not re.fullmatch(r"[A-Za-z0-9.*:\-\[\]]+", host):
        return None  # nothing that could break out of the header
    return f"{parts.scheme}://{host}"


def page_policy(tiles: str | None) -> str:
    """The CSP of every answer; images also from the tile server, when one is configured."""
    origin = tile_origin(tiles) if tiles else None
    return CSP if origin is None else CSP.replace("img-src 'self'", f"img-src 'self' {origin}")
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class Check:
    """The dependency `allow()` returns; the middleware and the route test find it by type."""

    def __init__(self, permission: str, *, basic: bool = False,
                 max_body: int | None = DEFAULT_MAX_BODY, audited: bool = False,
                 csrf: bool = True, refusal: Callable[[str], dict[str, Any]] | None = None,
                 ) -> None:
        self.refusal = refusal  # the body of a refusal, for APIs with their own error shape
        self.permission = check_permission(permission)
        self.basic = basic
        self.max_body = max_body
        self.audited = audited  # the route writes its own audit entries (login, logout)
        self.csrf = csrf  # False only for the login form, which checks its own token

    async def __call__(self, request: Request) -> Principal:
        try:
            who = await principal(request, basic=self.basic)
            if request.method in UNSAFE and who.via == "session" and self.csrf:
                await _check_csrf(request, who)
            operation = next((request.path_params[p] for p in OPERATION_PARAMS
                              if p in request.path_params), None)
            if who.can(self.permission, operation):
                return who
            raise _denied(request, who, self.basic)
        except HTTPException as exc:
            if self.refusal is None:
                raise
            raise Refusal(exc.status_code, self.refusal(str(exc.detail)),
                          exc.headers) from None

    def __repr__(self) -> str:
        return f"allow({self.permission!r})"


def allow(permission: str, *, basic: bool = False, max_body: int | None = DEFAULT_MAX_BODY,
          audited: bool = False, csrf: bool = True,
          refusal: Callable[[str], dict[str, Any]] | None = None) -> Any:
    """Declare (and enforce) the permission a route needs. `basic`: accept HTTP Basic
    credentials (OpenRosa). `max_body`: the largest request body in bytes (None: the route
    limits it itself). `audited`: the route writes its own audit entries. `csrf=False`: the
    route checks a CSRF token of its own (the login form). `refusal(message)`: the JSON body
    of a 401/403/429, for an API with an error shape of its own (the DTM API's envelope)."""
    return Depends(Check(permission, basic=basic, max_body=max_body, audited=audited,
                         csrf=csrf, refusal=refusal))


class Refusal(Exception):
    """A refusal with a body of the route's own shape (see `allow(refusal=…)`)."""

    def __init__(self, status: int, body: dict[str, Any],
                 headers: dict[str, str] | None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers


def visible_operation_names(request: Request,
                            permission: str = "aggregates:read") -> frozenset[str] | None:
    """Names of the operations the request's principal may use `permission` on (None: all),
    for routes that select operations by name (the DTM API)."""
    who: Principal = request.state.principal
    slugs = who.operations(permission)
    return None if slugs is None else access_of(request).operation_names(slugs)


def access_of(request: Request) -> Access:
    return request.app.state.ws.access  # type: ignore[no-any-return]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def principal(request: Request, *, basic: bool = False) -> Principal:
    """Who sent `request` (computed once per request, kept in `request.state`)."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is not None:
        return found
    access = access_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    key = request.headers.get(DTM_KEY_HEADER, "").strip()
    limits: Limits = request.app.state.access_limits
    ip = client_ip(request)
    if scheme == "bearer" or (key and not header):
        plain = value if scheme == "bearer" else key
        if limits.tokens.blocked(ip):
            raise _too_many(limits.tokens.retry_after(ip))
        found = access.by_token(plain) if plain else None
        if found is None:
            limits.tokens.fail(ip)
            raise HTTPException(401, "The API token is unknown, expired or revoked.",
                                headers={"WWW-Authenticate": 'Bearer realm="pantau"'})
    elif scheme == "basic" and basic:
        username, password = _basic(value)
        who_key = f"{ip}\0{username.lower()}"
        if limits.logins.blocked(who_key) or limits.addresses.blocked(ip):
            raise _too_many(limits.logins.retry_after(who_key))
        found = await run_in_threadpool(access.by_password, username, password)
        if found is None:
            limits.logins.fail(who_key)
            limits.addresses.fail(ip)
            raise _denied(request, access.anonymous(), basic=True)
    elif header:
        raise HTTPException(401, "This route does not take that kind of credentials.",
                            headers={"WWW-Authenticate": 'Bearer realm="pantau"'})
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = (access.by_session(cookie) if cookie else None) or access.anonymous()
    request.state.principal = found
    return found


def _basic(value: str) -> tuple[str, str]:
    import base64
    import binascii

    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    username, _, password = text.partition(":")
    return username, password


def _too_many(retry_after: int) -> HTTPException:
    return HTTPException(429, "Too many failed attempts: wait and try again.",
                         headers={"Retry-After": str(retry_after)})


def _denied(request: Request, who: Principal, basic: bool) -> HTTPException:
    """401 for the anonymous (log in, or send credentials), 403 for a user without the
    permission. A browser asking for a page is sent to the login form instead."""
    if not who.anonymous:
        return HTTPException(403, "You do not have the permission this needs.")
    if basic:
        return HTTPException(401, "Log in with your pantau user name and password.",
                             headers={"WWW-Authenticate": 'Basic realm="pantau", '
                                      'charset="UTF-8"', "X-OpenRosa-Version": "1.0"})
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        from urllib.parse import quote

        return HTTPException(303, "Log in first.", headers={
            "Location": "/login?next=" + quote(request.url.path, safe="/")})
    return HTTPException(401, "Log in or send an API token.",
                         headers={"WWW-Authenticate": 'Bearer realm="pantau"'})


async def _check_csrf(request: Request, who: Principal) -> None:
    """A state-changing request made with the session cookie must carry the session's CSRF
    token (header or form field): another site can make a browser send the cookie, never
    the token."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same(sent, who.csrf_token):
        raise HTTPException(403, "The form is out of date or did not come from pantau "
                            "(CSRF token missing or wrong): reload the page and try again.")


class Limits:
    """Failure limits of one app: per address and user name (5 a minute), per address for
    any user name (20 a minute: stops trying one password on many users), and for tokens."""

    def __init__(self) -> None:
        self.logins = FailureLimit(5, 60)
        self.addresses = FailureLimit(20, 60)
        self.tokens = FailureLimit(20, 60)


# --- which routes declare what ------------------------------------------------------------

def _check_in(dependant: Any) -> Check | None:
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Check):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def declared(route: BaseRoute, context: Any = None) -> Check | None:
    """The permission `route` declares (its `allow()` dependency, also one given to
    `include_router(dependencies=…)`, which lives in FastAPI's route `context`), or None.
    Static files and FastAPI's /openapi.json count as declared public."""
    if isinstance(route, APIRoute):
        found = _check_in(route.dependant)
        if found is None and context is not None:
            found = _check_in(getattr(context, "dependant", None))
        return found
    if isinstance(route, Mount) and route.path in PUBLIC_MOUNTS:
        return Check("public")
    if isinstance(route, Route) and route.path in FRAMEWORK_PUBLIC:
        return Check("public")
    return None


def routes(app: FastAPI) -> list[tuple[str, list[str], BaseRoute, Check | None]]:
    """Every route of `app`, included routers flattened: (path, methods, route, check)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazy router inclusion: routes are flat
        pairs: list[tuple[BaseRoute, Any, str]] = [
            (r, None, getattr(r, "path", "")) for r in app.router.routes]
    else:
        pairs = [(rc.original_route, rc._route_context, rc.path or "")
                 for rc in iter_route_contexts(app.router.routes)]
    return [(path, sorted(getattr(route, "methods", None) or ["*"]), route,
             declared(route, context)) for route, context, path in pairs]


def undeclared(app: FastAPI) -> list[str]:
    """Routes of `app` that declare no permission ("GET /path")."""
    return [f"{','.join(methods)} {path}" for path, methods, _, check in routes(app)
            if check is None]


def _refuse(route: BaseRoute, path: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """What an undeclared route's `handle` becomes: a 403 for everyone, an error logged."""
    from starlette.responses import JSONResponse

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        log.error("route %s declares no permission: refused (deny by default)", path)
        await JSONResponse({"detail": "This route declares no permission: refused."},
                           status_code=403)(scope, receive, send)

    return refuse


# --- the middleware ----------------------------------------------------------------------

class _TooLarge(Exception):
    pass


class AccessMiddleware:
    """Deny by default, body limits, security headers, audit of writes (pure ASGI, so a
    request pays a few dictionary operations, and streaming bodies stay streams)."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI, secure_cookies: bool | None) -> None:
        self.app = app
        self.fastapi = fastapi
        self.secure_cookies = secure_cookies
        from pantau.web.dashboard.routes import TILES_ENV  # here: that module imports this one

        self.csp = page_policy(os.environ.get(TILES_ENV))
        self._seen = -1
        self._checks: dict[int, Check | None] = {}

    def _scan(self) -> None:
        """Find what each route declares, and make every undeclared route refuse (routes may
        be added after `install`, so this runs again when their number changes)."""
        top = self.fastapi.router.routes
        if len(top) == self._seen:
            return
        checks: dict[int, Check | None] = {}
        for path, _, route, check in routes(self.fastapi):
            checks[id(route)] = check
            if check is None and not getattr(route, "_pantau_refused", False):
                route.handle = _refuse(route, path)  # type: ignore[method-assign]
                route._pantau_refused = True  # type: ignore[attr-defined]
        self._checks = checks
        self._seen = len(top)

    def check_of(self, scope: Scope) -> Check | None:
        route = scope.get("route")
        return None if route is None else self._checks.get(id(route))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._scan()
        state: dict[str, Any] = {"read": 0, "too_large": False, "limit": -1}
        declared_length = _content_length(scope)

        async def capped() -> Message:
            if state["limit"] == -1:
                check = self.check_of(scope)
                state["limit"] = DEFAULT_MAX_BODY if check is None else check.max_body
            limit = state["limit"]
            if limit is not None and declared_length is not None and declared_length > limit:
                state["too_large"] = True
                raise _TooLarge
            message = await receive()
            if limit is not None and message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["too_large"] = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                if state["too_large"]:
                    await _send_413(send)
                    state["done"] = True
                    return
                headers = message.setdefault("headers", [])
                path = scope.get("path", "")
                csp = CSP_DOCS if path in ("/docs", "/docs/oauth2-redirect") else self.csp
                headers.append((b"content-security-policy", csp.encode()))
                headers.extend((k.encode(), v.encode()) for k, v in HEADERS.items())
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if scope["method"] in UNSAFE:
                    await self._audit(scope, message["status"])
            elif state.get("done"):
                return
            await send(message)

        try:
            await self.app(scope, capped, guarded)
        except _TooLarge:
            if not state.get("done"):
                await _send_413(send)

    async def _audit(self, scope: Scope, status: int) -> None:
        route = scope.get("route")
        check = self.check_of(scope)
        if check is not None and check.audited:
            return
        who: Principal | None = scope.get("state", {}).get("principal")
        headers = dict(scope.get("headers") or [])
        path = getattr(route, "path", None) or scope.get("path", "")
        outcome = "ok" if status < 400 else ("denied" if status in (401, 403) else "failed")
        params = scope.get("path_params") or {}
        operation = next((params[p] for p in OPERATION_PARAMS if p in params), None)
        event = Event(actor=who.username if who else "anonymous",
                      user_id=who.user_id if who else None,
                      action=f"http.{scope['method'].lower()}", target=path,
                      operation=operation, outcome=outcome,
                      ip=(scope.get("client") or ("",))[0] or "",
                      user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
                      detail=f"status={status}")
        try:
            await self.fastapi.state.audit_writer.run(event)
        except Exception:  # noqa: BLE001 — a failing audit must be seen, not hidden
            log.exception("could not write the audit entry of %s %s", scope["method"], path)
            raise


def _content_length(scope: Scope) -> int | None:
    for k, v in scope.get("headers") or []:
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


async def _send_413(send: Send) -> None:
    body = b'{"detail":"The request body is too large."}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def secure_cookie(request: Request, setting: bool | None) -> bool:
    """Cookies are `Secure` unless turned off, or (unset) the request came over plain HTTP to
    this machine itself — http://localhost, where a browser would otherwise drop them."""
    if setting is not None:
        return setting
    return not (request.url.scheme == "http" and request.url.hostname in LOOPBACK)


def install(app: FastAPI, *, secure_cookies: bool | None = None) -> None:
    """Put access control on `app`: the middleware, the audit writer, the login routes."""
    ws = app.state.ws
    app.state.access_limits = Limits()
    app.state.audit_writer = audit_writer(ws.engine)
    app.state.secure_cookies = secure_cookies
    app.add_middleware(AccessMiddleware, fastapi=app,  # type: ignore[arg-type]
                       secure_cookies=secure_cookies)

    @app.exception_handler(Refusal)
    async def _refusal(_request: Request, exc: Refusal) -> Response:
        from fastapi.responses import JSONResponse

        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    app.include_router(router)


# --- log in and out ------------------------------------------------------------------------

router = APIRouter(tags=["accounts"])


def _local(path: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _login_page(request: Request, status: int = 200, error: str = "",
                next_path: str = "/") -> Response:
    from pantau import __version__
    from pantau.web.app import templates

    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()
    page = templates.TemplateResponse(request, "login.html", {
        "version": __version__, "json_url": "/api/me", "active": "login", "error": error,
        "csrf_token": token, "next": _local(next_path)}, status_code=status)
    page.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                    secure=secure_cookie(request, request.app.state.secure_cookies))
    page.headers["cache-control"] = "no-store"
    return page


@router.get("/login", response_class=HTMLResponse, include_in_schema=False,
            dependencies=[allow("public")])
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002
    return _login_page(request, next_path=next)


@router.post("/login", include_in_schema=False,
             dependencies=[allow("public", audited=True, csrf=False, max_body=16 * 1024)])
async def login(request: Request) -> Response:
    """Check the password, open a session, set its cookie. Failures are counted per address
    and user name (5 a minute, then 429) and per address (20 a minute)."""
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_path = _local(str(form.get("next") or "/"))
    ip, agent = client_ip(request), request.headers.get("user-agent", "")
    access = access_of(request)
    if not same(str(form.get(CSRF_FIELD) or ""), request.cookies.get(LOGIN_CSRF_COOKIE)):
        await run_in_threadpool(access.audit, "anonymous", "login", username[:120],
                                outcome="denied", ip=ip, user_agent=agent, detail="csrf")
        return _login_page(request, 403, "The form expired: please try again.", next_path)
    limits: Limits = request.app.state.access_limits
    key = f"{ip}\0{username.lower()}"
    if limits.logins.blocked(key) or limits.addresses.blocked(ip):
        await run_in_threadpool(access.audit, "anonymous", "login", username[:120],
                                outcome="denied", ip=ip, user_agent=agent,
                                detail="rate limited")
        page = _login_page(request, 429, "Too many failed attempts: wait a minute and try "
                           "again.", next_path)
        page.headers["retry-after"] = str(limits.logins.retry_after(key))
        return page
    opened = await run_in_threadpool(access.login, username, password, ip, agent)
    if opened is None:
        limits.logins.fail(key)
        limits.addresses.fail(ip)
        await run_in_threadpool(access.audit, "anonymous", "login", username[:120],
                                outcome="failed", ip=ip, user_agent=agent)
        return _login_page(request, 401, "Wrong user name or password.", next_path)
    cookie, who = opened
    limits.logins.clear(key)
    await run_in_threadpool(access.audit, who, "login", who.username, ip=ip,
                            user_agent=agent)
    done = RedirectResponse(next_path, status_code=303)
    done.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax", path="/",
                    secure=secure_cookie(request, request.app.state.secure_cookies),
                    max_age=access.session_hours * 3600)
    done.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return done


@router.post("/logout", include_in_schema=False,
             dependencies=[allow("public", audited=True, max_body=16 * 1024)])
async def logout(request: Request) -> Response:
    """End the session (the CSRF token is checked by `allow`, so no other site can log a
    user out)."""
    who = await principal(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and not who.anonymous:
        access = access_of(request)
        await run_in_threadpool(access.logout, cookie)
        await run_in_threadpool(access.audit, who, "logout", who.username,
                                ip=client_ip(request),
                                user_agent=request.headers.get("user-agent", ""))
    done = RedirectResponse("/", status_code=303)
    done.delete_cookie(SESSION_COOKIE, path="/")
    return done


@router.get("/api/me", dependencies=[allow("public")])
async def me(request: Request) -> dict[str, Any]:
    """Who you are to pantau: user name (or anonymous), admin or not, roles per operation,
    the operations open to the public, and the CSRF token pages send with their forms."""
    who = await principal(request)
    return {"username": who.username, "anonymous": who.anonymous, "admin": who.is_admin,
            "via": who.via, "roles": {op: g.role for op, g in sorted(who.grants.items())},
            "public_operations": sorted(who.public_operations),
            "scopes": None if who.scopes is None else sorted(who.scopes),
            "csrf_token": who.csrf_token}
