"""`pantau user …` — accounts, roles, API tokens; `pantau audit` — the audit log.

The CLI needs no pantau login: the person at the shell owns the workspace files (and could
read the store directly). What it does is recorded with who did it: `--by`, else the
operating-system login.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from pantau.cli.app import app, console, friendly, opened
from pantau.errors import PantauError

user_app = typer.Typer(help="Users, their roles per operation and their API tokens.",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")
audit_app = typer.Typer(help="The audit log: who did what, when, from where.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")

By = Annotated[str | None, typer.Option(
    "--by", help="Who acts (default: the OS user), kept in the audit log.")]


def _password(given: str | None) -> str:
    """The new password: --password-env's variable, else asked twice (hidden)."""
    if given is not None:
        value = os.environ.get(given)
        if not value:
            raise PantauError("invalid", message=f"the variable {given} is empty or unset")
        return value
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


PasswordEnv = Annotated[str | None, typer.Option(
    "--password-env", help="Read the password from this environment variable instead of "
    "asking (keeps it out of the shell history), e.g. PANTAU_NEW_PASSWORD.")]


@user_app.command("add")
@friendly
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ - @).")],
    admin: Annotated[bool, typer.Option("--admin", help="Administrator of the whole "
                                        "workspace (every operation, users, audit log).")]
        = False,
    name: Annotated[str, typer.Option(help="Name shown in pages.")] = "",
    operation: Annotated[str | None, typer.Option(help="Give a role in this operation.")]
        = None,
    role: Annotated[str | None, typer.Option(
        help="manager, collector, analyst or viewer (with --operation).")] = None,
    password_env: PasswordEnv = None,
    by: By = None,
) -> None:
    """Add a user (the password is asked, hidden, unless --password-env names a variable)."""
    password = _password(password_env)
    with opened(ctx) as ws:
        ws.access.add_user(username, password, admin=admin, display_name=name, by=by)
        if operation or role:
            if not (operation and role):
                raise PantauError("invalid", message="give --operation and --role together")
            ws.access.grant(username, operation, role, by=by)
    extra = " (admin)" if admin else (f", {role} in {operation}" if role else "")
    console.print(f"Added user [bold]{username.strip().lower()}[/]{extra}", highlight=False)


@user_app.command("list")
@friendly
def list_(ctx: typer.Context) -> None:
    """Users with their roles per operation."""
    with opened(ctx) as ws:
        users = ws.access.users()
    t = Table("user", "name", "admin", "status", "roles")
    for u in users:
        t.add_row(u.username, u.display_name, "yes" if u.is_admin else "",
                  "disabled" if u.disabled else "active",
                  "; ".join(f"{op}: {r}" for op, r in u.roles.items()))
    console.print(t)


@user_app.command("role")
@friendly
def role(
    ctx: typer.Context,
    username: str,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    role_name: Annotated[str, typer.Argument(
        metavar="ROLE", help="manager, collector, analyst, viewer, or 'none' to remove.")],
    area: Annotated[list[str] | None, typer.Option(
        "--area", help="Limit a manager to this admin area (P-code; repeat for more).")]
        = None,
    by: By = None,
) -> None:
    """Set a user's role in an operation (one role per operation)."""
    with opened(ctx) as ws:
        if role_name == "none":
            ws.access.revoke_role(username, operation, by=by)
            console.print(f"{username} has no role in {operation} now")
            return
        ws.access.grant(username, operation, role_name, area, by=by)
    where = f" (areas {', '.join(area)})" if area else ""
    console.print(f"{username} is {role_name} in {operation}{where}", highlight=False)


@user_app.command("admin")
@friendly
def admin_(ctx: typer.Context, username: str,
           off: Annotated[bool, typer.Option("--off", help="Take admin away.")] = False,
           by: By = None) -> None:
    """Make a user administrator of the workspace (or not, with --off)."""
    with opened(ctx) as ws:
        ws.access.set_admin(username, not off, by=by)
    console.print(f"{username} is {'no longer ' if off else ''}an administrator")


@user_app.command("password")
@friendly
def password(ctx: typer.Context, username: str, password_env: PasswordEnv = None,
             by: By = None) -> None:
    """Set a new password (ends the user's sessions)."""
    value = _password(password_env)
    with opened(ctx) as ws:
        ws.access.set_password(username, value, by=by)
    console.print(f"New password set for {username}; their sessions are closed")


@user_app.command("disable")
@friendly
def disable(ctx: typer.Context, username: str,
            enable: Annotated[bool, typer.Option("--enable", help="Let them in again.")]
            = False, by: By = None) -> None:
    """Disable a user: sessions end, tokens and passwords stop working. Users are never
    deleted (the audit log names them)."""
    with opened(ctx) as ws:
        ws.access.disable(username, by=by, enable=enable)
    console.print(f"{username} is {'enabled' if enable else 'disabled'}")


@user_app.command("token")
@friendly
def token(
    ctx: typer.Context,
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", help="Permission the token may use (repeat; default aggregates:read), "
        "e.g. records:read, submit.")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires; 0 never.")] = 90,
    list_them: Annotated[bool, typer.Option("--list", help="List the user's tokens "
                                            "instead of creating one.")] = False,
    by: By = None,
) -> None:
    """Create an API token (printed ONCE: pantau keeps only its hash), or --list them.
    Send it as `Authorization: Bearer …` (or `Ocp-Apim-Subscription-Key` to the DTM API)."""
    with opened(ctx) as ws:
        if list_them:
            t = Table("id", "name", "starts with", "scopes", "expires", "status", "last used")
            for tok in ws.access.tokens(username):
                t.add_row(str(tok.id), tok.name, tok.prefix + "…", ", ".join(tok.scopes),
                          f"{tok.expires_at:%Y-%m-%d}" if tok.expires_at else "never",
                          "revoked" if tok.revoked else "active",
                          f"{tok.last_used_at:%Y-%m-%d %H:%M}" if tok.last_used_at else "")
            console.print(t)
            return
        plain, info = ws.access.create_token(username, name, scope or ["aggregates:read"],
                                             days or None, by=by)
    expires = f"expires {info.expires_at:%Y-%m-%d}" if info.expires_at else "never expires"
    console.print(f"Token {info.id} for {info.username} ({', '.join(info.scopes)}), {expires}",
                  highlight=False)
    console.print("Copy it now, it is not shown again:")
    print(plain)


@user_app.command("revoke")
@friendly
def revoke(ctx: typer.Context,
           token_id: Annotated[int, typer.Argument(help="Token id (see `user token --list`).")],
           by: By = None) -> None:
    """Revoke an API token."""
    with opened(ctx) as ws:
        ws.access.revoke_token(token_id, by=by)
    console.print(f"Token {token_id} revoked")


@user_app.command("public")
@friendly
def public(ctx: typer.Context,
           operation: Annotated[str, typer.Argument(help="Operation id.")],
           off: Annotated[bool, typer.Option("--off", help="Stop showing it publicly.")]
           = False, by: By = None) -> None:
    """Let anyone, without logging in, read the operation's published aggregates."""
    with opened(ctx) as ws:
        ws.access.set_public(operation, not off, by=by)
    console.print(f"{operation} is {'not ' if off else ''}public")


@audit_app.command("list")
@friendly
def audit_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many entries (latest first).")] = 50,
    actor: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    action: Annotated[str | None, typer.Option(
        help="Only actions starting with this, e.g. login, user., http.post.")] = None,
    operation: Annotated[str | None, typer.Option(help="Only this operation.")] = None,
) -> None:
    """The audit log, latest first."""
    with opened(ctx) as ws:
        rows = ws.access.audit_log(limit=limit, actor=actor, action=action,
                                   operation=operation)
    t = Table("when (UTC)", "who", "action", "target", "operation", "outcome", "from")
    for e in rows:
        t.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.target,
                  e.operation or "", e.outcome, e.ip)
    console.print(t)
