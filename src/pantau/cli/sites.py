"""`pantau sites …` — the master list of sites and locations of an operation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pantau.cli.app import app, console, date_option, err, friendly, opened

sites_app = typer.Typer(
    help=(
        "The master list of sites and locations of an operation: camps, collective centres, "
        "villages, flow monitoring points … Each site keeps its id across rounds; every "
        "change is kept as history.\n\n"
        "Typical use: `pantau sites import OPERATION sites.xlsx` (again whenever the list "
        "changes), `pantau sites list OPERATION --open-on 2018-11-01`, "
        "`pantau sites close OPERATION SITE --on 2019-03-31 --reason \"relocated\"`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(sites_app, name="sites")

Operation = Annotated[str, typer.Argument(help="Operation id, e.g. idn-sulteng-2018.")]
Code = Annotated[str, typer.Argument(help="Site id as in the master list, e.g. PAL-001.")]
By = Annotated[str, typer.Option("--by", help="Who makes the change, kept in the history.")]


@sites_app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    operation: Operation,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX master list.")],
    by: By = "",
) -> None:
    """Import or update the master list from a CSV or XLSX file.

    Columns (any case; aliases and HXL tags accepted): site id (#loc+code, required), name
    (#loc+name, required), alternative names (separated by ; or |), type (camp, collective
    centre, informal settlement, host community, village, neighbourhood, flow monitoring
    point, transit centre, other), latitude and longitude (#geo+lat, #geo+lon), admin1–admin4
    P-codes (#adm1+code …), opened and closed dates. Other columns are kept as attributes.

    When the operation's gazetteer has boundaries, P-codes come from the coordinates;
    otherwise the P-codes in the file are checked against the gazetteer. Known sites are
    updated in place (their history keeps the old values); sites missing from the file are
    left alone. Any error and nothing is imported: every problem is listed with its row.
    """
    with opened(ctx) as ws, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True,
    ) as bar:
        task = bar.add_task("reading", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{step} sites", completed=done, total=total)

        result = ws.sites.import_file(operation, file, changed_by=by, progress=progress)
    console.print(
        f"{result.source}: [bold]{result.created}[/] created, [bold]{result.updated}[/] "
        f"updated, [bold]{result.closed}[/] closed, [bold]{result.reopened}[/] reopened, "
        f"{result.unchanged} unchanged.", highlight=False)
    if result.notes:
        console.print("Read as " + ", ".join(result.notes) + ".", style="dim", highlight=False)
    for w in result.warnings[:30]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    if len(result.warnings) > 30:
        console.print(f"… and {len(result.warnings) - 30} more warnings", highlight=False)


@sites_app.command("export")
@friendly
def export(
    ctx: typer.Context,
    operation: Operation,
    file: Annotated[Path, typer.Argument(help="Where to write: .csv or .xlsx.")],
) -> None:
    """Write the master list to CSV or XLSX, with an HXL hashtag row.

    The file re-imports unchanged, so the usual way to edit the list is: export, edit in a
    spreadsheet, import. Cells that a spreadsheet would run as formulas are written safely.
    """
    with opened(ctx) as ws:
        path = ws.sites.export(operation, file)
        count = len(ws.sites.list(operation))
    console.print(f"Wrote {count} sites to {path}", highlight=False)


@sites_app.command("list")
@friendly
def list_(
    ctx: typer.Context,
    operation: Operation,
    admin: Annotated[str | None, typer.Option(
        "--admin", help="Only sites in this admin area (a P-code of any level).")] = None,
    open_on: Annotated[str | None, typer.Option(
        "--open-on", help="Only sites open on this date (YYYY-MM-DD).")] = None,
    site_type: Annotated[str | None, typer.Option(
        "--type", help="Only sites of this type (code or label, e.g. camp).")] = None,
) -> None:
    """List the sites of an operation, optionally by area, date and type."""
    with opened(ctx) as ws:
        sites = ws.sites.list(operation, admin, date_option(open_on), site_type)
    t = Table("id", "name", "type", "admin P-codes", "latitude", "longitude", "opened",
              "closed", title=f"{len(sites)} site{'' if len(sites) == 1 else 's'}")
    for s in sites:
        t.add_row(s.code, s.name, s.site_type, " ".join(s.admin_pcodes.values()),
                  _num(s.latitude), _num(s.longitude), str(s.opened_on or ""),
                  str(s.closed_on or ""))
    console.print(t)


@sites_app.command("show")
@friendly
def show(ctx: typer.Context, operation: Operation, code: Code) -> None:
    """Show one site and its history: every change, when, by whom and from which file."""
    with opened(ctx) as ws:
        site = ws.sites.get(operation, code)
        history = ws.sites.history(operation, code)
    t = Table(show_header=False, title=f"{site.code} — {site.name} (version {site.version})")
    rows = [("type", site.site_type), ("alternative names", "; ".join(site.alt_names)),
            ("coordinates", f"{_num(site.latitude)}, {_num(site.longitude)}"
             if site.latitude is not None else ""),
            *((f"admin{lv}", pc) for lv, pc in site.admin_pcodes.items()),
            ("P-codes from", site.pcode_source), ("opened", str(site.opened_on or "")),
            ("closed", str(site.closed_on or "")),
            *((k, str(v)) for k, v in site.attributes.items())]
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    h = Table("version", "action", "changes", "source", "by", "when", title="history")
    for c in history:
        what = "; ".join(f"{f}: {old if old is not None else '—'} → "
                         f"{new if new is not None else '—'}" for f, (old, new) in
                         c.changes.items())
        h.add_row(str(c.version), c.action, what, c.source, c.changed_by,
                  c.changed_at.strftime("%Y-%m-%d %H:%M"))
    console.print(h)


@sites_app.command("close")
@friendly
def close(
    ctx: typer.Context,
    operation: Operation,
    code: Code,
    on: Annotated[str, typer.Option("--on", help="Date the site closed (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why, e.g. 'residents relocated to "
                                        "Huntap Tondo'. Kept with the site.")],
    by: By = "",
) -> None:
    """Close a site from a date. It stays in the list (and in past rounds) as closed."""
    with opened(ctx) as ws:
        site = ws.sites.close(operation, code, date_option(on) or dt.date.min, reason, by)
    console.print(f"Closed {site.code} ({site.name}) on {site.closed_on}", highlight=False)


@sites_app.command("reopen")
@friendly
def reopen(ctx: typer.Context, operation: Operation, code: Code, by: By = "") -> None:
    """Reopen a closed site (its closing date and reason are cleared; history keeps them)."""
    with opened(ctx) as ws:
        site = ws.sites.reopen(operation, code, by)
    console.print(f"Reopened {site.code} ({site.name})", highlight=False)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")
