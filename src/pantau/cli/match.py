"""`pantau gazetteer match` — add P-codes to a table of place names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pantau.cli.app import console, err, friendly, opened
from pantau.cli.gazetteer import gazetteer_app
from pantau.gazetteer.match_file import KINDS, match_file

Column = Annotated[str | None, typer.Option(
    help="Column holding these names (default: recognised from the header).")]


@gazetteer_app.command("match")
@friendly
def match(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Your table of place names: CSV or XLSX.")],
    country: Annotated[str, typer.Option(help="Country of the names (ISO3 or ISO2).")],
    adm1: Annotated[str | None, typer.Option(
        "--adm1", help="Column of admin 1 names (province, region …).")] = None,
    adm2: Annotated[str | None, typer.Option(
        "--adm2", help="Column of admin 2 names (district, regency …).")] = None,
    adm3: Annotated[str | None, typer.Option(
        "--adm3", help="Column of admin 3 names (sub-district …).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Where to write your table with P-codes added; .csv or .xlsx "
             "(default: NAME.pcoded.csv beside the input).")] = None,
    report: Annotated[Path | None, typer.Option(
        help="Where to write the match report, one line per row and level "
             "(default: NAME.match-report.csv beside the output).")] = None,
    version: Annotated[str | None, typer.Option(
        help="Gazetteer version label to match against (default: the current one).")]
        = None,
) -> None:
    """Find the P-codes of the place names in your table, forgiving how they are spelt.

    Admin 1 names are matched first, then admin 2 names among the children of the row's
    admin 1 (the whole country when that admin 1 was not found), then admin 3. Spelling
    habits are forgiven: case, accents, spaces and hyphens, typos, admin-type words ("Kota",
    "Kabupaten", "District", "Province" …), abbreviations ("St.", "N."), transliteration
    variants ("Darwazi Bala" for "Darwaz-e-Balla") and French or Indonesian direction words.

    Your table comes back with every row and column unchanged, plus admN_pcode, admN_name,
    admN_match (exact, fuzzy, ambiguous or not_found) and admN_score for each level. An
    ambiguous or unfound name gets no P-code: check those in the report, which lists the
    closest candidates with their scores, then fix the names and run again.

    Example: `pantau gazetteer match sites.xlsx --country IDN --adm1 Provinsi --adm2 Kabupaten`
    """
    with opened(ctx) as ws, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True,
    ) as bar:
        task = bar.add_task("loading the gazetteer", total=None)
        matcher = ws.gazetteer.matcher(country, version=version)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{step} rows", completed=done, total=total)

        result = match_file(matcher, file, {1: adm1, 2: adm2, 3: adm3}, out, report,
                            progress)
    t = Table("level", "column", *KINDS, "searched whole country", title=(
        f"{result.source}: {result.rows} rows"))
    for level, s in result.levels.items():
        t.add_row(f"admin {level}", s.column, *(str(s.counts[k]) for k in KINDS),
                  str(s.country_wide) if level > 1 else "")
    console.print(t)
    for level, s in result.levels.items():
        if level > 1 and s.country_wide:
            console.print(f"{s.country_wide} admin {level} name(s) were searched in the whole "
                          f"country because the admin {level - 1} of their row was not "
                          "matched.", highlight=False)
    console.print(f"Wrote [bold]{result.out}[/] and the report [bold]{result.report}[/].",
                  highlight=False)
    if result.notes:
        console.print("Read as " + ", ".join(result.notes) + ".", style="dim", highlight=False)
    for w in result.warnings[:10]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
