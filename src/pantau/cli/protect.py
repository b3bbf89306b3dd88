"""`pantau erase-personal` — retention: erase personal answers older than the period."""

from __future__ import annotations

from typing import Annotated

import typer

from pantau.cli.app import app, console, err, friendly, opened


@app.command("erase-personal")
@friendly
def erase_personal(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    older_than: Annotated[int | None, typer.Option(
        "--older-than", help="Erase in submissions older than this many days (default: the "
        "operation's retention_days).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Count what would be erased; change nothing.")] = False,
) -> None:
    """Erase the personal answers (names, phones, ID numbers, household GPS, free text,
    photos) of an operation's submissions older than its retention period, in every
    version and in the raw payloads. Figures are not changed. Cannot be undone."""
    from pantau.retention import erase_personal as erase

    with opened(ctx) as ws:
        r = erase(ws, operation, older_than, dry_run)
    verb = "Would erase" if dry_run else "Erased"
    console.print(f"{verb} the personal answers of {r.versions:,} submission version(s) "
                  f"received before {r.cutoff:%Y-%m-%d %H:%M} UTC, {r.attachments:,} "
                  f"attachment(s) and {r.quarantine:,} resolved quarantine payload(s).",
                  highlight=False)
    if r.quarantine_unresolved:
        err.print(f"[yellow]Warning:[/] {r.quarantine_unresolved:,} quarantined record(s) "
                  "older than the period are unresolved and keep their payload: re-process "
                  "or delete them.", highlight=False)
