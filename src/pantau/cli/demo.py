"""`pantau demo` — build the Central Sulawesi 2018 demo workspace and show it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from pantau.cli.app import app, console, err, friendly
from pantau.config import Settings
from pantau.demo import DemoResult, Reporter, build
from pantau.workspace import Workspace


@app.command()
@friendly
def demo(
    workspace: Annotated[Path, typer.Option(
        "--workspace", "-w",
        help="Folder of the demo workspace. It is deleted and rebuilt on every run, so the "
             "demo only accepts a folder it made itself (marked by a .pantau-demo file), an "
             "empty one, or a new one.")] = Path("pantau-demo"),
    port: Annotated[int, typer.Option(help="Port to serve the pages on (localhost only).")]
    = 8000,
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="Serve the pages when the workspace is built.")] = True,
) -> None:
    """Build a whole example operation and open it in the browser: **Indonesia — Central
    Sulawesi Earthquake 2018**.

    The demo loads the real admin 1–2 P-codes of Sulawesi Tengah with approximate demo
    boundaries, creates the operation and four site-assessment rounds (October 2018 to
    February 2019), and imports a master list of about 300 sites round by round — through
    the same importers you use for real data. Then it prints a summary and serves the pages
    on http://127.0.0.1:PORT/ (Ctrl+C stops).

    The store is a SQLite file in the demo folder, or the database in PANTAU_DATABASE_URL if
    that is set — which must then be empty or hold only an earlier demo.

    Example: `pantau demo --workspace /tmp/pantau-demo --port 8080`
    """
    settings = Settings.load(workspace=workspace)
    with _RichReporter() as reporter:
        result = build(settings, reporter)
    ws = Workspace.open(settings)
    try:
        _print_result(result)
        _print_summary(ws)
        if serve:
            _serve(ws, port)
    finally:
        ws.close()


class _RichReporter(Reporter):
    """The build's steps as one overall bar plus a bar for the rows of the current file."""

    def __init__(self) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), console=err, transient=True)
        self.overall: TaskID | None = None
        self.current: TaskID | None = None

    def __enter__(self) -> _RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def step(self, label: str, number: int, total: int) -> None:
        if self.overall is None:
            self.overall = self.progress.add_task("Building the demo", total=total)
        self.progress.update(self.overall, completed=number - 1)
        if self.current is not None:
            self.progress.remove_task(self.current)
        self.current = self.progress.add_task(f"  {label}", total=None)

    def rows(self, what: str, done: int, total: int | None) -> None:
        if self.current is not None:
            self.progress.update(self.current, completed=done, total=total or None)


def _print_result(result: DemoResult) -> None:
    console.print(f"Demo workspace built at [bold]{result.workspace}[/] "
                  f"(store: {result.store})", highlight=False)
    table = Table(title="Files imported (kept in the workspace's inputs/ folder)",
                  title_justify="left")
    table.add_column("file", no_wrap=True)
    table.add_column("what")
    table.add_column("result")
    table.add_column("warnings", justify="right")
    for item in result.imported:
        counts = ", ".join(f"{k} {v}" for k, v in item.counts.items() if v)
        table.add_row(item.file, item.what, counts, str(len(item.warnings)))
    console.print(table)
    for item in result.imported:
        for warning in item.warnings:
            console.print(f"  [yellow]warning[/] {escape(str(warning))}", highlight=False)
    console.print(f"Quality checks: {result.flags:,} flags; cleaning log: {result.cleaned} "
                  f"answer(s) corrected; rounds approved: "
                  f"{', '.join(map(str, result.approved)) or 'none'}", highlight=False)
    console.print(f"Analytics refreshed: {result.counted:,} approved observations count; "
                  + ", ".join(f"{t} {n:,}" for t, n in result.analytics.items()) + " rows.",
                  highlight=False)
    if result.users:  # made up for this demo workspace only: never reuse them
        console.print("Demo users (passwords for this demo only; log in at /login): "
                      + ", ".join(f"{u.username} / {u.password}" for u in result.users),
                      highlight=False, markup=False)


def _print_summary(ws: Workspace) -> None:
    from pantau.web.summary import workspace_summary

    data = workspace_summary(ws)
    for op in data["operations"]:
        console.print(f"\n[bold]{escape(op['name'])}[/]\n{op['country_name']} ({op['country']})"
                      f" · {op['status']} · operation id [bold]{op['slug']}[/]",
                      highlight=False)
        rounds = Table(title="Rounds", title_justify="left")
        for col in ("type", "round", "reference period", "reporting date"):
            rounds.add_column(col)
        for r in op["rounds"]:
            rounds.add_row(r["assessment_type"], str(r["number"]),
                           f"{r['period_start']} – {r['period_end']}", r["reporting_date"] or "")
        console.print(rounds)
        sites = Table(title=f"Sites by regency ({op['sites']['total']} in the master list, "
                            f"{op['sites']['open']} open)", title_justify="left")
        for col, justify in (("regency", "left"), ("P-code", "left"), ("open", "right"),
                             ("closed", "right"), ("total", "right")):
            sites.add_column(col, justify=justify)  # type: ignore[arg-type]
        for a in op["sites_by_admin2"]:
            sites.add_row(a["name"], a["pcode"] or "", str(a["open"]), str(a["closed"]),
                          str(a["total"]))
        console.print(sites)
    gaz = Table(title="Gazetteer versions", title_justify="left")
    for col in ("country", "version", "valid from", "source", "units", "with boundaries"):
        gaz.add_column(col)
    for g in data["gazetteers"]:
        gaz.add_row(g["country"], g["label"], g["valid_from"], g["source"], str(g["units"]),
                    str(g["with_boundaries"]))
    console.print(gaz)
    if data["notice"]:
        console.print(f"[italic]{data['notice']}[/]", highlight=False)


def _serve(ws: Workspace, port: int) -> None:
    import uvicorn

    from pantau.web import create_app

    console.print(f"\nServing the demo on [bold]http://127.0.0.1:{port}/[/] "
                  f"(API: http://127.0.0.1:{port}/docs) — Ctrl+C stops.", highlight=False)
    uvicorn.run(create_app(ws), host="127.0.0.1", port=port, log_level="warning")
