"""`pantau check` and `pantau flags`: run the data quality checks, read what they found."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pantau.cli.app import app, console, friendly, opened
from pantau.store.models import SEVERITIES


@app.command()
@friendly
def check(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str | None, typer.Option("--form", help="Only this form.")] = None,
    round_number: Annotated[int | None, typer.Option("--round", help="Only this round.")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", dir_okay=False,
        help="Quality settings (YAML); default WORKSPACE/quality/OPERATION.yaml if it "
             "exists.")] = None,
) -> None:
    """Check the current submissions: the form's own rules, DTM logic, outliers across
    rounds and duplicates. Flags of the checks that ran are replaced; the table counts them."""
    with opened(ctx) as ws, Progress(
            TextColumn("Checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True) as bar:
        task = bar.add_task("check", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = ws.quality.check(operation, form=form, round=round_number, config=config,
                                  progress=progress)
    console.print(f"[bold]{operation}[/]: {result.versions:,} submission(s) checked, "
                  f"{result.total:,} flag(s).", highlight=False)
    t = Table("check", *SEVERITIES, "total")
    for name in result.checks:
        counts = [result.flags.get((name, sev), 0) for sev in SEVERITIES]
        t.add_row(name, *(f"{n:,}" if n else "·" for n in counts), f"{sum(counts):,}")
    console.print(t)
    for note in result.notes:
        console.print(f"[yellow]Note:[/] {note}", highlight=False)


@app.command()
@friendly
def flags(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str | None, typer.Option("--form", help="Only this form.")] = None,
    round_number: Annotated[int | None, typer.Option("--round", help="Only this round.")] = None,
    check_name: Annotated[str | None, typer.Option("--check", help="Only this check.")] = None,
    severity: Annotated[str | None, typer.Option(
        "--severity", help="error, warning or info.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 200,
) -> None:
    """List the flags of the current submissions: submission, check, severity, field and
    message (messages state the rule, never the answer)."""
    with opened(ctx) as ws:
        found = ws.quality.flags(operation, form=form, round=round_number, check=check_name,
                                 severity=severity, limit=limit + 1)
    t = Table("submission", "form", "round", "check", "severity", "field", "message")
    for f in found[:limit]:
        t.add_row(f.instance_id, f.form, "" if f.round is None else str(f.round), f.check,
                  f.severity, f.field or "", f.message)
    console.print(t)
    more = " (more: raise --limit)" if len(found) > limit else ""
    console.print(f"{min(len(found), limit):,} flag(s){more}", highlight=False)
