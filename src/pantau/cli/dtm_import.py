"""`pantau import dtm-api` — records of IOM's DTM API v3 as an operation's observations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pantau.cli.app import app, console, friendly, opened

import_app = typer.Typer(help="Import data published elsewhere (IOM's DTM API) as an "
                              "operation's observations.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("dtm-api")
@friendly
def dtm_api(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="JSON: a list of DTM API v3 records, or the "
                                              "API's answer {isSuccess, result}.")],
    gazetteer_version: Annotated[str | None, typer.Option(
        "--gazetteer", help="Gazetteer version of the rounds created (default: the one "
                            "valid on their date).")] = None,
) -> None:
    """Load records of IOM's DTM API v3 (/v3/displacement/admin0|1|2) as approved
    observations of OPERATION: one submission per record, rounds created when missing.
    Every record is checked first; any error imports nothing. Run `pantau refresh` after."""
    with opened(ctx) as ws, Progress(TextColumn("[bold]Importing[/]"), BarColumn(),
                                     MofNCompleteColumn(), console=console,
                                     transient=True) as bar:
        task = bar.add_task("import", total=None)
        result = ws.publish.import_dtm_api(
            operation, file, gazetteer_version=gazetteer_version,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(f"[bold]{operation}[/]: {result.records:,} record(s) read, "
                  f"{result.created:,} imported, {result.duplicates:,} already there "
                  f"(forms {', '.join(result.forms) or '—'}).", highlight=False)
    for r in result.rounds_created:
        console.print(f"Round created: {r}", highlight=False)
    for w in result.warnings:
        console.print(f"[yellow]Warning:[/] {w}", highlight=False)
