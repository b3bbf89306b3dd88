"""`pantau flow …` — flow monitoring: points (FMPs), daily counts (FMR) and flow figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pantau.cli.app import app, console, date_option, err, friendly, opened
from pantau.flow import Filter

flow_app = typer.Typer(
    help=(
        "Flow monitoring: flow monitoring points (FMPs) at border crossings, landing points, "
        "ports, bus stations and transit centres; daily counts of people on the move (FMR); "
        "and the figures made of them — flows over time, departure-country and nationality "
        "shares, origin–destination matrices, generated statements.\n\n"
        "Typical use: `pantau flow points import OPERATION fmps.xlsx`, "
        "`pantau flow import OPERATION fmr-export.xlsx`, "
        "`pantau flow statements OPERATION --direction incoming`, "
        "`pantau flow export OPERATION flows.csv --period month`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
points_app = typer.Typer(help="Flow monitoring points of an operation.", no_args_is_help=True)
flow_app.add_typer(points_app, name="points")
app.add_typer(flow_app, name="flow")

Operation = Annotated[str, typer.Argument(help="Operation id, e.g. ita-flow.")]
Start = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
End = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]
Points = Annotated[list[str] | None, typer.Option(
    "--point", help="Only this FMP (repeat for several).")]
Direction = Annotated[str | None, typer.Option(
    "--direction", help="incoming, outgoing or transit.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _filter(start: str | None, end: str | None, points: list[str] | None,
            direction: str | None) -> Filter:
    return Filter(date_option(start), date_option(end), tuple(points or ()), direction)


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def _print(rows: list[dict[str, Any]], title: str, as_json: bool, limit: int = 200) -> None:
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    if not rows:
        console.print(f"{title}: no FMR groups match.")
        return
    t = Table(*rows[0].keys(), title=f"{title} ({len(rows)} rows)")
    for r in rows[:limit]:
        t.add_row(*(f"{v:.1%}" if isinstance(v, float) and "share" in k else
                    "" if v is None else str(v) for k, v in r.items()))
    console.print(t)
    if len(rows) > limit:
        console.print(f"… {len(rows) - limit} more rows (use --json for all)")


@points_app.command("import")
@friendly
def points_import(
    ctx: typer.Context, operation: Operation,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX list of FMPs.")],
    by: Annotated[str, typer.Option("--by", help="Who makes the change (history).")] = "",
) -> None:
    """Create or update flow monitoring points from a CSV/XLSX file.

    The master-list columns (site id, name, latitude, longitude, admin1–4 P-codes, opened,
    closed — see `pantau sites import --help`) plus the FMP columns: **FMP type**
    (border_crossing, landing_point, port, bus_station, transit_centre, checkpoint),
    **directions** (incoming; outgoing; transit), **observation days** (daily, Mon-Fri,
    "mon, wed, sat") and **observation hours** (08:00-20:00, 24h). All rows or nothing.
    """
    with opened(ctx) as ws:
        result = ws.flow.import_points(operation, file, changed_by=by)
    r = result.sites
    console.print(f"{r.source}: sites {r.created} created, {r.updated} updated, "
                  f"{r.unchanged} unchanged; FMP details {result.points_created} created, "
                  f"{result.points_updated} updated.", highlight=False)
    for w in result.warnings[:30]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)


@points_app.command("list")
@friendly
def points_list(ctx: typer.Context, operation: Operation, as_json: AsJson = False) -> None:
    """The flow monitoring points of an operation with what they watch and when."""
    with opened(ctx) as ws:
        points = ws.flow.points(operation)
    if as_json:
        _print([p.as_dict() for p in points], "", True)
        return
    rows = [{"id": p.code, "name": p.name, "type": p.point_type,
             "directions": ", ".join(p.directions), "days": p.days, "hours": p.hours,
             "admin P-codes": " ".join(p.admin_pcodes.values())} for p in points]
    _print(rows, "Flow monitoring points", False)


@flow_app.command("import")
@friendly
def import_(
    ctx: typer.Context, operation: Operation,
    file: Annotated[Path, typer.Argument(help="FMR export (CSV/XLSX) from Kobo or ODK.")],
) -> None:
    """Import FMR daily counts: a KoboToolbox/ODK export of the shipped form `dtm_fmr`
    (XML names as headers; `group/field` is fine) or any sheet with the same columns or
    their HXL tags.

    Refused, with file, row and field: a missing or negative group, men + women + boys +
    girls not equal to the total, more unaccompanied children than children, a date the FMP
    does not observe (weekday, before it opened, after it closed), a direction it does not
    watch, an unknown FMP or country. Countries may be ISO3, ISO2 or names; what was matched
    is printed. Importing the same export again changes nothing."""
    with opened(ctx) as ws, _bar() as bar:
        task = bar.add_task("reading", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{step} FMR groups", completed=done, total=total)

        result = ws.flow.import_fmr(operation, file, progress)
    console.print(f"{result.source}: {result.created} created, {result.updated} updated, "
                  f"{result.unchanged} unchanged ({result.people:,} individuals in the groups "
                  "created or updated).", highlight=False)
    if result.matched:
        console.print("Countries matched: " + "; ".join(result.matched), highlight=False)


@flow_app.command("flows")
@friendly
def flows(
    ctx: typer.Context, operation: Operation,
    period: Annotated[str, typer.Option(help="day, week (from Monday) or month.")] = "week",
    by: Annotated[str, typer.Option(help="Comma-separated: point, direction, nationality, "
                                         "previous_country, final_country, transport …")]
    = "point,direction,nationality",
    start: Start = None, end: End = None, point: Points = None, direction: Direction = None,
    as_json: AsJson = False,
) -> None:
    """Individuals (with the sex and age groups) per period and the chosen dimensions."""
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    with opened(ctx) as ws:
        rows = ws.flow.flows(operation, period, dims, _filter(start, end, point, direction))
    _print(rows, f"Flows per {period}", as_json)


@flow_app.command("compare")
@friendly
def compare(
    ctx: typer.Context, operation: Operation,
    period: Annotated[str, typer.Option(help="day, week (from Monday) or month.")] = "month",
    by: Annotated[str, typer.Option(help="Comma-separated dimensions.")] = "point,direction",
    start: Start = None, end: End = None, point: Points = None, direction: Direction = None,
    as_json: AsJson = False,
) -> None:
    """Each period against the previous one: individuals, previous, change and relative
    change (empty where the previous period has no groups counted)."""
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    with opened(ctx) as ws:
        rows = ws.flow.compare(operation, period, dims, _filter(start, end, point, direction))
    _print(rows, f"Each {period} against the previous", as_json)


@flow_app.command("shares")
@friendly
def shares(
    ctx: typer.Context, operation: Operation,
    by: Annotated[str, typer.Option(help="previous_country (departure), nationality, "
                                         "final_country …")] = "previous_country",
    start: Start = None, end: End = None, point: Points = None, direction: Direction = None,
    as_json: AsJson = False,
) -> None:
    """Each value's share of the individuals whose value is known, with base and period."""
    with opened(ctx) as ws:
        rows = ws.flow.shares(operation, by, _filter(start, end, point, direction))
    _print(rows, f"Shares by {by}", as_json)


@flow_app.command("od")
@friendly
def od(
    ctx: typer.Context, operation: Operation,
    origin: Annotated[str, typer.Option(help="previous_country, nationality …")]
    = "previous_country",
    dest: Annotated[str, typer.Option(help="final_country, next_country, final_area …")]
    = "final_country",
    start: Start = None, end: End = None, point: Points = None, direction: Direction = None,
    as_json: AsJson = False,
) -> None:
    """Origin–destination matrix: individuals per origin × destination."""
    with opened(ctx) as ws:
        rows = ws.flow.od_matrix(operation, origin, dest,
                                 _filter(start, end, point, direction))
    _print(rows, f"{origin} → {dest}", as_json)


@flow_app.command("statements")
@friendly
def statements(
    ctx: typer.Context, operation: Operation,
    by: Annotated[str, typer.Option(help="Comma-separated dimensions.")]
    = "previous_country,nationality",
    top: Annotated[int, typer.Option(help="Statements per dimension.")] = 3,
    start: Start = None, end: End = None, point: Points = None, direction: Direction = None,
    as_json: AsJson = False,
) -> None:
    """Sentences computed from the data, each with its base (n) and period."""
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    with opened(ctx) as ws:
        rows = ws.flow.statements(operation, dims, _filter(start, end, point, direction), top)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for r in rows:
        console.print(r["text"], highlight=False)


@flow_app.command("export")
@friendly
def export(
    ctx: typer.Context, operation: Operation,
    file: Annotated[Path, typer.Argument(help="Where to write: .csv or .xlsx.")],
    period: Annotated[str, typer.Option(help="day, week or month.")] = "month",
    start: Start = None, end: End = None, point: Points = None,
) -> None:
    """Flows as an HXL-tagged table: period × FMP × nationality × departure country × final
    destination, individuals by direction (#affected+ind+incoming …)."""
    with opened(ctx) as ws:
        n = ws.flow.export(operation, file, period, _filter(start, end, point, None))
    console.print(f"Wrote {n} rows to {file}", highlight=False)


survey_app = typer.Typer(
    help="Flow monitoring surveys (FMS): interviews with consent, routes, vulnerability; "
         "shares of respondents with Wilson 95% intervals (not a random sample).",
    no_args_is_help=True)
flow_app.add_typer(survey_app, name="survey")


@survey_app.command("import")
@friendly
def survey_import(
    ctx: typer.Context, operation: Operation,
    file: Annotated[Path, typer.Argument(help="FMS export (XLSX with a `route` sheet, or "
                                              "CSV) from Kobo or ODK.")],
    route: Annotated[Path | None, typer.Option(
        help="The route stops as a separate CSV/XLSX (linked by _submission__uuid).")] = None,
) -> None:
    """Import FMS interviews of the shipped form `dtm_fms`, with their routes.

    An interview without consent is kept without its answers, flagged, and left out of every
    figure. Refused, with file, row and field: missing consent, sex, age group or
    nationality; an unknown FMP or country; a date the FMP does not observe; a route that
    loops (comes back to a country it left, or to the same place); a stop whose interview is
    not in the file. All or nothing."""
    with opened(ctx) as ws, _bar() as bar:
        bar.add_task("checking and saving FMS interviews", total=None)
        result = ws.flow.import_fms(operation, file, route)
    console.print(f"{result.source}: {result.created} created, {result.updated} updated, "
                  f"{result.unchanged} unchanged; {result.legs} route stops; "
                  f"{result.without_consent} without consent (kept without answers, in no "
                  "figure).", highlight=False)
    if result.matched:
        console.print("Countries matched: " + "; ".join(result.matched), highlight=False)


@survey_app.command("shares")
@friendly
def survey_shares(
    ctx: typer.Context, operation: Operation,
    by: Annotated[str, typer.Option(help="departure_country, nationality, sex, age_group, "
                                         "reasons, forced_work …")] = "departure_country",
    start: Start = None, end: End = None, point: Points = None, as_json: AsJson = False,
) -> None:
    """Shares of respondents with Wilson 95% confidence intervals."""
    with opened(ctx) as ws:
        out = ws.flow.survey_shares(operation, by, _filter(start, end, point, None))
    _print(out["rows"], f"Respondents by {by}", as_json)
    if not as_json:
        console.print(out["note"], style="dim", highlight=False)


@survey_app.command("routes")
@friendly
def survey_routes(
    ctx: typer.Context, operation: Operation,
    transit: Annotated[bool, typer.Option(
        "--transit", help="Countries passed through instead of whole routes.")] = False,
    start: Start = None, end: End = None, point: Points = None, as_json: AsJson = False,
) -> None:
    """Route frequencies: respondents per route (countries in order) or per transit
    country, with Wilson 95% intervals."""
    with opened(ctx) as ws:
        out = ws.flow.survey_routes(operation, _filter(start, end, point, None), transit)
    _print(out["rows"], "Transit countries" if transit else "Routes", as_json)
    if not as_json:
        console.print(out["note"], style="dim", highlight=False)


@survey_app.command("statements")
@friendly
def survey_statements(
    ctx: typer.Context, operation: Operation,
    by: Annotated[str, typer.Option(help="Comma-separated dimensions.")]
    = "departure_country,nationality",
    top: Annotated[int, typer.Option(help="Statements per dimension.")] = 3,
    start: Start = None, end: End = None, point: Points = None, as_json: AsJson = False,
) -> None:
    """Sentences about respondents, each with its 95% interval, n and period."""
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    with opened(ctx) as ws:
        rows = ws.flow.survey_statements(operation, dims, _filter(start, end, point, None),
                                         top)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for r in rows:
        console.print(r["text"], highlight=False)
