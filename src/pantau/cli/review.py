"""`pantau review approve|reopen|status`: approval per round × admin area."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pantau.cli.app import app, console, friendly, opened

review_app = typer.Typer(
    help=(
        "Review and approval per round × admin area (admin 1 or 2 P-code), bottom-up as in "
        "DHIS2: `pantau review status OPERATION --round 3`, `pantau review approve OPERATION "
        "--round 3 --area ID7271`, `pantau review reopen OPERATION --round 3 --area ID7271 "
        "--reason \"…\"`. Approved data is locked and is what analytics count."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(review_app, name="review")

Operation = Annotated[str, typer.Argument(help="Operation id.")]
RoundOpt = Annotated[int, typer.Option("--round", help="Round number.")]
TypeOpt = Annotated[str | None, typer.Option(
    "--type", help="Assessment type of the round (when several types have that number).")]
By = Annotated[str | None, typer.Option(
    "--by", help="Who acts (default: the OS user, until accounts exist).")]


@review_app.command("approve")
@friendly
def approve(
    ctx: typer.Context,
    operation: Operation,
    round_number: RoundOpt,
    area: Annotated[str | None, typer.Option(
        "--area", help="Admin 1 or admin 2 P-code (default: every area, bottom-up).")] = None,
    kind: TypeOpt = None,
    by: By = None,
) -> None:
    """Approve an area of a round: its submissions become approved and locked."""
    with opened(ctx) as ws:
        done = ws.review.approve(operation, round_number, area=area, type=kind, by=by)
    areas = ", ".join(f"{code} (admin {lvl})" for lvl, code in done.areas)
    console.print(f"{done.assessment_type} round {done.round}: approved {areas}; "
                  f"{done.submissions:,} submission(s) now approved.", highlight=False)


@review_app.command("reopen")
@friendly
def reopen(
    ctx: typer.Context,
    operation: Operation,
    round_number: RoundOpt,
    area: Annotated[str, typer.Option("--area", help="Admin 1 or admin 2 P-code.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is reopened (required).")],
    kind: TypeOpt = None,
    by: By = None,
) -> None:
    """Reopen an approved area (with a reason): its submissions are unlocked."""
    with opened(ctx) as ws:
        done = ws.review.reopen(operation, round_number, area=area, reason=reason, type=kind,
                                by=by)
    console.print(f"{done.assessment_type} round {done.round}: reopened {area}; "
                  f"{done.submissions:,} submission(s) back to received.", highlight=False)


@review_app.command("status")
@friendly
def status(
    ctx: typer.Context,
    operation: Operation,
    round_number: Annotated[int | None, typer.Option(
        "--round", help="Only this round (default: every round).")] = None,
    kind: TypeOpt = None,
) -> None:
    """Progress per round: expected sites vs received, approved and flagged, per admin area
    and per enumerator."""
    with opened(ctx) as ws:
        rounds = ws.review.status(operation, round_number, type=kind)
    for r in rounds:
        t = Table("area", "expected", "received", "approved", "flagged", "state",
                  title=f"{r.assessment_type} round {r.round}")
        for p in r.areas:
            name = p.key if p.level == 1 else f"  {p.key}"
            t.add_row(name, str(p.expected or 0), str(p.received), str(p.approved),
                      str(p.flagged), p.state)
        console.print(t)
        if r.enumerators:
            e = Table("enumerator", "received", "approved", "flagged")
            for p in r.enumerators:
                e.add_row(p.key, str(p.received), str(p.approved), str(p.flagged))
            console.print(e)
