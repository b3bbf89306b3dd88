"""The root Typer app, the global options and the one place errors are printed."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from pantau.config import Settings
from pantau.errors import ImportFailed, PantauError
from pantau.workspace import Workspace

console = Console()
err = Console(stderr=True)

app = typer.Typer(
    name="pantau",
    help=(
        "pantau — an open Displacement Tracking Matrix.\n\n"
        "Start with `pantau demo` to see a whole operation, or `pantau init` to create an "
        "empty workspace, then load a gazetteer (`pantau gazetteer import`), create an "
        "operation (`pantau operation create`) and its master list of sites "
        "(`pantau sites import`).\n\n"
        "The workspace is a folder with a SQLite store; set PANTAU_DATABASE_URL to use "
        "PostgreSQL instead."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", "-w", envvar="PANTAU_HOME",
        help="Workspace folder (default ./pantau-workspace).")] = None,
) -> None:
    ctx.obj = Settings.load(workspace=workspace)


def settings(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, Settings) else Settings.load()


@contextmanager
def opened(ctx: typer.Context) -> Iterator[Workspace]:
    ws = Workspace.open(settings(ctx))
    try:
        yield ws
    finally:
        ws.close()


def friendly(fn: F) -> F:
    """Print a PantauError as a message (with every problem of a failed import), exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ImportFailed as exc:
            err.print(f"[bold red]Error:[/] {exc}", highlight=False)
            err.print(exc.details(), highlight=False, markup=False)
            sys.exit(1)
        except PantauError as exc:
            err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def date_option(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD option value, or a usage error that says so."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (use YYYY-MM-DD)") from None


@app.command()
@friendly
def init(ctx: typer.Context) -> None:
    """Create the workspace (or bring its store up to date). Safe to run again."""
    s = settings(ctx)
    ws = Workspace.init(s)
    ws.close()
    console.print(f"Workspace ready at [bold]{s.workspace}[/] (store: {s.safe_url()})")
