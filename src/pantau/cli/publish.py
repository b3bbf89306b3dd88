"""`pantau publish hdx` — the HDX package of an operation, built offline, uploaded with a key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pantau.cli.app import app, console, friendly, opened
from pantau.config import setting_value

publish_app = typer.Typer(help="Publish an operation's figures on data platforms.",
                          no_args_is_help=True)
app.add_typer(publish_app, name="publish")


@publish_app.command("hdx")
@friendly
def hdx(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    out: Annotated[Path, typer.Option("--out", "-o", file_okay=False,
                                      help="Folder to write the package to.")],
    org: Annotated[str, typer.Option(help="HDX organisation (its name) that owns the "
                                          "dataset.")],
    maintainer: Annotated[str, typer.Option(help="HDX user (name or id) who maintains it.")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Build and check the package offline; never upload.")] = False,
    name: Annotated[str | None, typer.Option(
        help="Dataset name on HDX (default: OPERATION-displacement-tracking-matrix).")] = None,
    licence: Annotated[str, typer.Option(help="HDX licence id, e.g. cc-by, cc-by-igo.")] =
        "cc-by",
    frequency: Annotated[str, typer.Option(
        help="Expected update frequency as HDX names it, e.g. 'Every month'.")] = "As needed",
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", help="HDX tag (repeat); default: displacement, hxl, internally displaced "
                      "persons-idp.")] = None,
    url: Annotated[str | None, typer.Option(
        help="HDX site to upload to (default https://data.humdata.org).")] = None,
    suppress_below: Annotated[int | None, typer.Option(
        "--suppress-below", min=1, help="Suppress cells of fewer people than this, and "
        "their complements (default: the operation's min_cell, 5).")] = None,
) -> None:
    """Build the HDX package of an operation: the public tables (current, area_totals,
    displacement) as HXL CSV and XLSX, and dataset.json with HDX's metadata, checked
    offline. With PANTAU_HDX_KEY set and without --dry-run, upload it. Run `pantau refresh`
    first."""
    key = setting_value("hdx_key")
    extra = {"tags": tuple(tag)} if tag else {}
    with opened(ctx) as ws, Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                     TimeElapsedColumn(), console=console,
                                     transient=True) as bar:
        bar.add_task("Uploading to HDX" if key and not dry_run else "Building the package")
        result = ws.publish.hdx(operation, out, org=org, maintainer=maintainer,
                               dry_run=dry_run, key=key, url=url, name=name, licence=licence,
                               frequency=frequency, suppress_below=suppress_below, **extra)
    console.print(f"Package [bold]{result.name}[/]: {len(result.files)} files and "
                  f"{result.metadata.name} in {result.folder}", highlight=False)
    cells = sum(result.suppressed.values())
    console.print(f"Disclosure control: {cells:,} cell(s) suppressed (fewer than "
                  f"{result.threshold} people, and their complements): "
                  + ", ".join(f"{n} in {f}" for f, n in result.suppressed.items()),
                  highlight=False)
    if result.uploaded:
        console.print(f"Uploaded to {result.url}", highlight=False)
    elif not dry_run:
        console.print("Not uploaded: set PANTAU_HDX_KEY to upload (checked offline only).",
                      highlight=False)
