"""`pantau refresh` and `pantau export`: build the analytics tables, write them as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from pantau.cli.app import app, console, err, friendly, opened


@app.command()
@friendly
def refresh(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    full: Annotated[bool, typer.Option(
        "--full", help="Read every observation again, not only what changed.")] = False,
) -> None:
    """Bring the operation's analytics tables (current figures, totals per admin area,
    round-over-round change, origins, needs) up to date with the approved, current
    observations. Only what changed is read; other operations are not touched."""
    with opened(ctx) as ws, Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            TextColumn("{task.completed:,}"), TimeElapsedColumn(),
            console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            key = "read" if stage.startswith("Reading") else "build"
            if key not in tasks:
                tasks[key] = bar.add_task(stage, total=total)
            bar.update(tasks[key], description=stage, completed=done, total=total)

        result = ws.analytics.refresh(operation, progress=progress, full=full)
    console.print(f"[bold]{operation}[/] ({result.mode} refresh): {result.observations:,} "
                  f"observations count ({result.rule}); {result.added:,} submission "
                  f"version(s) read, {result.removed:,} no longer counting.", highlight=False)
    t = Table("table", "rows")
    for name, n in result.rows.items():
        t.add_row(name, f"{n:,}")
    console.print(t)
    for w in result.warnings:
        console.print(f"[yellow]Warning:[/] {w}", highlight=False)
    if result.unknown_codes:
        console.print("P-codes not in the gazetteer version of their round: " + ", ".join(
            f"{code} ({n:,})" for code, n in result.unknown_codes), highlight=False)


class _ExportGroup(TyperGroup):
    """`pantau export OPERATION …` writes an analytics table, as it always did; `pantau
    export records OPERATION …` writes records. Anything that is not a subcommand's name
    goes to `table`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["table", *args]
        return super().parse_args(ctx, args)


export_app = typer.Typer(
    cls=_ExportGroup, no_args_is_help=True,
    help="Write data as files: `pantau export OPERATION --out FILE` (same as `pantau export "
         "table …`) writes an analytics table, small cells suppressed; `pantau export "
         "records OPERATION --out FILE` writes the records of a form without personal "
         "fields, checked for re-identification risk.")
app.add_typer(export_app, name="export")


@export_app.command("table")
@friendly
def export(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False,
                                      help="File to write.")],
    table: Annotated[str, typer.Option(
        help="current, area_totals, totals, displacement, round_change, origin_matrix, needs, "
             "latest_round or rounds.")] = "current",
    format: Annotated[str | None, typer.Option(  # noqa: A002 — the option users type
        "--format", "-f",
        help="csv, xlsx, geojson or parquet (default: from the file's suffix).")] = None,
    assessment_type: Annotated[str | None, typer.Option(
        "--type", help="Only this assessment type (BA, SA, ETT …).")] = None,
    round_number: Annotated[int | None, typer.Option("--round", help="Only this round.")] = None,
    level: Annotated[int | None, typer.Option(help="Only this admin level (0–3).")] = None,
    suppress_below: Annotated[int | None, typer.Option(
        "--suppress-below", help="Suppress cells of fewer people than this, and the cells "
        "that would give them back (default: the operation's min_cell, 5). 0: no "
        "suppression, for internal use only.")] = None,
) -> None:
    """Write an analytics table as HXL-tagged CSV, XLSX (with a metadata sheet), GeoJSON
    (with the gazetteer's boundaries) or Parquet. Small cells are suppressed. Run `pantau
    refresh` first."""
    with opened(ctx) as ws:
        result = ws.publish.export(operation, table, out, format,
                                   suppress_below=suppress_below,
                                   assessment_type=assessment_type.upper()
                                   if assessment_type else None,
                                   round_number=round_number, admin_level=level)
    mapped = "" if result.with_geometry is None else \
        f", {result.with_geometry:,} with a boundary"
    console.print(f"Wrote {result.rows:,} rows ({result.format}{mapped}) to "
                  f"[bold]{result.path}[/]", highlight=False)
    if result.threshold:
        console.print(f"Suppressed {result.suppressed:,} cell(s): {result.primary:,} below "
                      f"{result.threshold} and {result.suppressed - result.primary:,} "
                      "complementary.", highlight=False)
    elif suppress_below == 0:
        err.print("[yellow]Warning:[/] no small-cell suppression (--suppress-below 0): do "
                  "not publish this file.", highlight=False)


@export_app.command("records")
@friendly
def records(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False,
                                      help="File to write (.csv or .xlsx).")],
    form: Annotated[str | None, typer.Option(
        help="The form's form_id (needed when the operation has several).")] = None,
    include_personal: Annotated[bool, typer.Option(
        "--include-personal", help="Also write personal fields (names, phones, document "
        "numbers, household GPS, free text). Never for publication.")] = False,
    key: Annotated[list[str] | None, typer.Option(
        "--key", help="A quasi-identifier for the risk check (repeat); default: the form's "
        "(sex, age, place … see `pantau form inspect`).")] = None,
    k: Annotated[int | None, typer.Option(
        help="k of k-anonymity (default: the operation's, 3).")] = None,
    max_risk: Annotated[float | None, typer.Option(
        "--max-risk", help="Block the release above this global re-identification risk "
        "(default: the operation's, 0.03 = 3%).")] = None,
    state: Annotated[list[str] | None, typer.Option(
        "--state", help="Review state(s) to export (repeat; default approved).")] = None,
) -> None:
    """Write the current records of a form as CSV or XLSX (HXL row, metadata sheet),
    without personal fields unless --include-personal. The release is checked for
    k-anonymity and re-identification risk on its quasi-identifiers and blocked above the
    threshold."""
    with opened(ctx) as ws:
        result = ws.publish.records(operation, out, form, include_personal=include_personal,
                                    keys=key, k=k, max_risk=max_risk,
                                    states=tuple(state) if state else ("approved",))
    r = result.risk
    console.print(f"Wrote {result.rows:,} records of form {result.form} to "
                  f"[bold]{result.path}[/]", highlight=False)
    if result.include_personal:
        err.print("[yellow]Warning:[/] personal fields included: not for publication.",
                  highlight=False)
    else:
        console.print("Personal fields left out: " + (", ".join(result.left_out) or "none"),
                      highlight=False)
    console.print(f"Quasi-identifiers: {', '.join(r.keys) or 'none'}; global "
                  f"re-identification risk {r.global_risk:.2%}; {r.below_k:,} record(s) "
                  f"below k={r.k}.", highlight=False)
