"""`pantau clean export|apply`: the cleaning log, edited offline in Excel and applied back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pantau.cli.app import app, console, friendly, opened

clean_app = typer.Typer(
    help=(
        "The cleaning log (uuid, field, old value, new value, reason; who and when are "
        "recorded): `pantau clean export OPERATION --flagged --out log.xlsx`, edit `new_value` "
        "and `reason` in Excel, then `pantau clean apply OPERATION log.xlsx`. Changes become "
        "new versions, never overwrites; a `_delete` row deletes a submission softly."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(clean_app, name="clean")

Operation = Annotated[str, typer.Argument(help="Operation id.")]
FormOpt = Annotated[str | None, typer.Option("--form", help="Only this form.")]


@clean_app.command("export")
@friendly
def export(
    ctx: typer.Context,
    operation: Operation,
    out: Annotated[Path, typer.Option("--out", dir_okay=False,
                                      help="The file to write: .csv or .xlsx.")],
    form: FormOpt = None,
    flagged: Annotated[bool, typer.Option(
        "--flagged", help="Only answers with flags (else every answer).")] = False,
) -> None:
    """Write the answers to clean, with the current value as old and new value."""
    with opened(ctx) as ws:
        n = ws.quality.clean_export(operation, out, form=form, flagged=flagged)
    console.print(f"{n:,} row(s) written to [bold]{out}[/]. Edit new_value and reason, then "
                  f"`pantau clean apply {operation} {out.name}`.", highlight=False)


@clean_app.command("apply")
@friendly
def apply(
    ctx: typer.Context,
    operation: Operation,
    file: Annotated[Path, typer.Argument(help="The edited cleaning log (CSV or XLSX).")],
    form: FormOpt = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Who cleans (default: the OS user, until accounts exist).")] = None,
) -> None:
    """Check every row, then apply them all as new versions (or nothing, listing every
    problem by file, row and field)."""
    with opened(ctx) as ws, Progress(
            TextColumn("Applying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True) as bar:
        task = bar.add_task("apply", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = ws.quality.clean_apply(operation, file, by=by, form=form, progress=progress)
    console.print(f"{file.name}: {result.changed:,} change(s) in {len(result.versions):,} "
                  f"new version(s), {result.deleted:,} submission(s) deleted, "
                  f"{result.unchanged:,} row(s) unchanged.", highlight=False)
