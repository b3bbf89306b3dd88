"""`pantau refresh` and `pantau export`: build the analytics tables, write them as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pantau.cli.app import app, console, friendly, opened


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


@app.command()
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
) -> None:
    """Write an analytics table as HXL-tagged CSV, XLSX (with a metadata sheet), GeoJSON
    (with the gazetteer's boundaries) or Parquet. Run `pantau refresh` first."""
    with opened(ctx) as ws:
        result = ws.publish.export(operation, table, out, format,
                                   assessment_type=assessment_type.upper()
                                   if assessment_type else None,
                                   round_number=round_number, admin_level=level)
    mapped = "" if result.with_geometry is None else \
        f", {result.with_geometry:,} with a boundary"
    console.print(f"Wrote {result.rows:,} rows ({result.format}{mapped}) to "
                  f"[bold]{result.path}[/]", highlight=False)
