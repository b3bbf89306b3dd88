"""`pantau gazetteer …` — load admin units and boundaries, list them, check and convert P-codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from pantau.cli.app import app, console, date_option, err, friendly, opened

gazetteer_app = typer.Typer(
    help=(
        "Admin units and P-codes: import the HDX global P-code list, COD-AB tables and "
        "boundaries, list versions and units, check and convert P-codes, and map old P-codes "
        "to new ones.\n\n"
        "Typical start: `pantau gazetteer import global-pcode-lengths.csv`, then "
        "`pantau gazetteer import global-pcodes-adm-1-2.csv --country IDN`, then the country's "
        "COD-AB boundaries (`pantau gazetteer import idn_adm2.zip --country IDN`)."
    ),
    no_args_is_help=True, rich_markup_mode="markdown",
)
app.add_typer(gazetteer_app, name="gazetteer")

WARNINGS_SHOWN = 10


@gazetteer_app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        help="HDX global P-code list or length table (CSV), COD-AB table (CSV/XLSX), or "
             "boundaries (.geojson, .gpkg, .shp, .zip of a shapefile).")],
    country: Annotated[str | None, typer.Option(
        help="Import only this country (ISO3 or ISO2); needed when the file does not say.")]
        = None,
    label: Annotated[str | None, typer.Option(
        help="Version label (default: the valid-from date, e.g. 2020-04-01). For boundaries, "
             "an existing label attaches them to that version.")] = None,
    valid_from: Annotated[str | None, typer.Option(
        help="Date the version is valid from (YYYY-MM-DD); overrides the file's dates.")]
        = None,
) -> None:
    """Import a gazetteer file; the format is recognised from its suffix and columns.

    Every row is checked first (country codes, P-code format and parents, duplicates, names);
    if anything is wrong, every problem is listed with its row and nothing is imported.
    """
    with opened(ctx) as ws, Progress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), console=err, transient=True) as bar:
        task = bar.add_task(f"Reading {file.name}", total=None)

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        result = ws.gazetteer.import_file(file, country, label, date_option(valid_from), report)
    if result.kind == "pcode-lengths":
        console.print(f"Stored the P-code format of {result.formats} countries.")
    else:
        _summary(result)
    _warnings(result.warnings)


def _summary(result) -> None:  # type: ignore[no-untyped-def]
    levels = sorted({lv for c in result.countries for lv in c.added})
    t = Table("country", "version", "valid from", "", *(f"adm{lv}" for lv in levels),
              "with boundary", title=f"{result.source} ({result.kind})")
    for c in result.countries:
        t.add_row(c.country_iso3, c.label, str(c.valid_from), c.action,
                  *(f"{c.added.get(lv, 0):,}" for lv in levels), f"{c.with_geometry:,}")
    console.print(t)
    added = sum(sum(c.added.values()) for c in result.countries)
    console.print(f"{added:,} units added in {len(result.countries)} countr"
                  f"{'y' if len(result.countries) == 1 else 'ies'}.")


def _warnings(warnings) -> None:  # type: ignore[no-untyped-def]
    if not warnings:
        return
    err.print(f"[yellow]{len(warnings)} warning(s):[/]")
    for w in warnings[:WARNINGS_SHOWN]:
        err.print(f"  {w}", markup=False, highlight=False)
    if len(warnings) > WARNINGS_SHOWN:
        err.print(f"  … and {len(warnings) - WARNINGS_SHOWN} more")


@gazetteer_app.command("versions")
@friendly
def versions(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="Only this country.")] = None,
) -> None:
    """List gazetteer versions: one per country and valid-from date, with unit counts."""
    with opened(ctx) as ws:
        items = ws.gazetteer.versions(country)
    t = Table("country", "version", "valid from", "source", "units by level", "with boundary",
              "file")
    for v in items:
        t.add_row(v.country_iso3, v.label, str(v.valid_from), v.source,
                  ", ".join(f"adm{lv}: {n:,}" for lv, n in v.units.items()),
                  f"{v.with_geometry:,}", v.source_file)
    console.print(t)


@gazetteer_app.command("units")
@friendly
def units(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="Country ISO3 or ISO2 code.")],
    level: Annotated[int | None, typer.Option(help="Only this admin level (0–5).")] = None,
    parent: Annotated[str | None, typer.Option(help="Only units inside this P-code.")] = None,
    version: Annotated[str | None, typer.Option(
        help="Version label (default: the current version).")] = None,
) -> None:
    """List a country's admin units with P-code, name, level and parent."""
    with opened(ctx) as ws:
        items = ws.gazetteer.units(country, version, level, parent)
    t = Table("P-code", "name", "level", "parent", "boundary")
    for u in items:
        t.add_row(u.pcode, u.name, str(u.level), u.parent_pcode or "",
                  "yes" if u.has_geometry else "")
    console.print(t)
    console.print(f"{len(items):,} unit(s)")


@gazetteer_app.command("validate")
@friendly
def validate(
    ctx: typer.Context,
    codes: Annotated[list[str], typer.Argument(help="P-codes to check.")],
    country: Annotated[str | None, typer.Option(
        help="Country the codes belong to (default: read from each code's prefix).")] = None,
    level: Annotated[int | None, typer.Option(help="Admin level the codes should be.")] = None,
) -> None:
    """Check P-codes against the country prefix and the P-code length table.

    Exits with status 1 when any code is invalid, so scripts can use it.
    """
    bad = 0
    with opened(ctx) as ws:
        for code in codes:
            problems = ws.gazetteer.validate(code, country, level)
            bad += bool(problems)
            text = "; ".join(problems) if problems else "valid"
            console.print(f"{code}: {text}", markup=False, highlight=False)
    if bad:
        raise typer.Exit(1)


@gazetteer_app.command("convert")
@friendly
def convert(
    ctx: typer.Context,
    codes: Annotated[list[str], typer.Argument(help="P-codes to convert.")],
    to: Annotated[str | None, typer.Option(
        help="iso2 or iso3 prefix (default: the country's own, from the length table).")]
        = None,
    country: Annotated[str | None, typer.Option(help="Country of the codes.")] = None,
) -> None:
    """Rewrite P-codes: upper case, no spaces, ISO2 ↔ ISO3 prefix, leading zeros restored.

    With the length table loaded, `ID7` becomes `ID07` and `TD07` becomes `TCD07`. Prints
    the code as given, a tab, and the converted code, one per line, for use in scripts.
    """
    with opened(ctx) as ws:
        for code in codes:
            typer.echo(f"{code}\t{ws.gazetteer.convert(code, to, country)}")


@gazetteer_app.command("crosswalk")
@friendly
def crosswalk(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="Country ISO3 or ISO2 code.")],
    from_label: Annotated[str, typer.Argument(metavar="FROM", help="Older version label.")],
    to_label: Annotated[str, typer.Argument(metavar="TO", help="Newer version label.")],
    file: Annotated[Path | None, typer.Option(
        "--file", help="CSV/XLSX with old_pcode, new_pcode, change[, note] for splits and "
                       "merges; overrides the computed rows of the codes it names.")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the crosswalk to CSV/XLSX.")]
        = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Also list unchanged codes.")] = False,
) -> None:
    """Map the P-codes of one version to the next: unchanged, renamed, recoded, split, merged,
    retired, new. The result is stored and used by `pantau gazetteer translate`."""
    with opened(ctx) as ws:
        rows = ws.gazetteer.crosswalk(country, from_label, to_label, file)
    t = Table("old P-code", "new P-code", "change", "note")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.change] = counts.get(r.change, 0) + 1
        if all_rows or r.change != "unchanged":
            t.add_row(r.old_pcode or "", r.new_pcode or "", r.change, r.note)
    console.print(t)
    console.print(", ".join(f"{n:,} {c}" for c, n in sorted(counts.items())))
    if out:
        from pantau.tabular import write_table

        write_table(out, ["old_pcode", "new_pcode", "change", "note"],
                    ([r.old_pcode, r.new_pcode, r.change, r.note] for r in rows))
        console.print(f"Wrote {out}")


@gazetteer_app.command("translate")
@friendly
def translate(
    ctx: typer.Context,
    pcode: Annotated[str, typer.Argument(help="An older P-code.")],
    country: Annotated[str, typer.Argument(help="Country ISO3 or ISO2 code.")],
    to: Annotated[str | None, typer.Option(
        help="Target version label (default: the current version).")] = None,
) -> None:
    """Show the P-code(s) an older code became in a newer version (none when retired)."""
    with opened(ctx) as ws:
        codes = ws.gazetteer.translate(pcode, country, to)
    console.print(f"{pcode} → {', '.join(codes) if codes else '(retired)'}", markup=False,
                  highlight=False)
