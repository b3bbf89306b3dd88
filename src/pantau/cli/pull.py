"""`pantau pull …` — bring submissions in from KoboToolbox or ODK Central."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pantau.cli.app import app, console

pull_app = typer.Typer(
    help="Pull submissions from a KoboToolbox or ODK Central server, incrementally: a pull "
         "that stops halfway resumes where it stopped, with no gap and nothing twice.",
    no_args_is_help=True)
app.add_typer(pull_app, name="pull")


@contextmanager
def pull_progress() -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar for a pull; yields the `progress(done, total)` callback the pullers
    call after each page (the total is known once the server said it)."""
    with Progress(TextColumn("[bold]Pulling[/]"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("pull", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield progress
