"""`pantau operation …` — operations and their rounds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pantau.cli.app import app, console, date_option, friendly, opened

op_app = typer.Typer(help="Create and list operations (one DTM deployment each) and their "
                     "rounds.", no_args_is_help=True)
app.add_typer(op_app, name="operation")


@op_app.command("create")
@friendly
def create(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Short id, e.g. idn-sulteng-2018.")],
    country: Annotated[str, typer.Option(help="Country ISO3 (or ISO2) code.")],
    name: Annotated[str, typer.Option(help="Name as published.")],
    description: Annotated[str, typer.Option(help="What the operation covers.")] = "",
    household_size: Annotated[float | None, typer.Option(
        help="Average household size, used when individuals are estimated from households.")]
        = None,
) -> None:
    """Create an operation: one DTM deployment in one country."""
    with opened(ctx) as ws:
        op = ws.operations.create(slug, country, name, description, household_size)
    console.print(f"Created operation [bold]{op.slug}[/] ({op.country_iso3}): {op.name}")


@op_app.command("list")
@friendly
def list_(ctx: typer.Context) -> None:
    """List operations."""
    with opened(ctx) as ws:
        ops = ws.operations.list()
    t = Table("id", "country", "name", "status", "avg. household")
    for o in ops:
        t.add_row(o.slug, o.country_iso3, o.name, o.status,
                  "" if o.avg_household_size is None else f"{o.avg_household_size:g}")
    console.print(t)


@op_app.command("status")
@friendly
def status(ctx: typer.Context, slug: str,
           value: Annotated[str, typer.Argument(help="active or inactive")]) -> None:
    """Mark an operation active or inactive."""
    with opened(ctx) as ws:
        op = ws.operations.set_status(slug, value)
    console.print(f"{op.slug} is now {op.status}")


@op_app.command("add-round")
@friendly
def add_round(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Operation id.")],
    assessment_type: Annotated[str, typer.Argument(help="BA, SA, ETT, FMR, FMS, REG, RIS …")],
    number: Annotated[int, typer.Argument(help="Round number (0 or more).")],
    start: Annotated[str | None, typer.Option(help="Start of the reference period.")] = None,
    end: Annotated[str | None, typer.Option(help="End of the reference period.")] = None,
    reported: Annotated[str | None, typer.Option(help="Reporting date.")] = None,
    gazetteer: Annotated[str | None, typer.Option(
        help="Gazetteer version label the round uses (default: the one valid at the start "
             "of its period).")] = None,
) -> None:
    """Add a round of one assessment type to an operation."""
    with opened(ctx) as ws:
        r = ws.operations.add_round(slug, assessment_type, number, date_option(start),
                                    date_option(end), date_option(reported), gazetteer)
    pinned = f", gazetteer {r.gazetteer_version}" if r.gazetteer_version else ""
    console.print(f"Added {r.assessment_type} round {r.number} to {slug}{pinned}")


@op_app.command("rounds")
@friendly
def rounds(ctx: typer.Context, slug: str) -> None:
    """List an operation's rounds."""
    with opened(ctx) as ws:
        rs = ws.operations.rounds(slug)
    t = Table("type", "round", "period", "reported", "gazetteer")
    for r in rs:
        t.add_row(r.assessment_type, str(r.number),
                  f"{r.period_start or ''} – {r.period_end or ''}", str(r.reporting_date or ""),
                  r.gazetteer_version or "")
    console.print(t)


@op_app.command("vocabularies")
@friendly
def vocabularies(ctx: typer.Context) -> None:
    """Show the vocabularies: assessment types, population groups, reasons, site types."""
    with opened(ctx) as ws:
        vocab = ws.operations.vocabularies()
    for name, items in vocab.items():
        t = Table(*items[0].keys(), title=name.replace("_", " "))
        for item in items:
            t.add_row(*("" if v is None else str(v) for v in item.values()))
        console.print(t)
