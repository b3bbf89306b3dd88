"""`pantau pull …` — bring submissions in from KoboToolbox or ODK Central."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pantau.cli.app import app, console, err
from pantau.cli.report import print_attachments, print_outcomes
from pantau.ingest.http import cleartext_warning

if TYPE_CHECKING:
    from pantau.ingest.attachments import Pulled

pull_app = typer.Typer(
    help="Pull submissions from a KoboToolbox or ODK Central server, incrementally: a pull "
         "that stops halfway resumes where it stopped, with no gap and nothing twice.",
    no_args_is_help=True)
app.add_typer(pull_app, name="pull")


NoAttachments = Annotated[bool, typer.Option(
    "--no-attachments", help="Bring the submissions only, not their attachments (photos, "
    "audio); --attachments-only fetches those later.")]
AttachmentsOnly = Annotated[bool, typer.Option(
    "--attachments-only", help="Bring no submissions: download the attachments that the "
    "submissions already pulled from this server lack (pulled with --no-attachments, or a "
    "download that failed).")]


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


def warn_cleartext(server: str, name: str) -> None:
    """Warn (on stderr, not an error) before credentials go to a plain http:// address."""
    warning = cleartext_warning(server, name)
    if warning:
        err.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)


def print_pull(result: Pulled, operation: str, again: str, only: bool) -> None:
    """The summary of a pull (or of an --attachments-only sweep)."""
    if only:
        console.print(f"Checked {result.checked:,} submission(s) for missing attachments.",
                      highlight=False, markup=False)
        print_attachments(result, again)
        return
    print_outcomes(f"Pulled {result.records:,} record(s) in {result.pages:,} page(s)",
                   result.counts, result.messages, operation)
    print_attachments(result, again)
