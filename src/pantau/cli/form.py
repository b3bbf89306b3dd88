"""`pantau form …` — import XLSForms, see how their HXL tags map to observations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pantau.cli.app import app, console, err, friendly, opened

form_app = typer.Typer(
    help="Import XLSForms (every version is kept) and see how their `hxl` column maps fields "
         "onto observations. pantau ships three ready DTM forms (BA, SA, ETT): "
         "`pantau form library`.", no_args_is_help=True)
app.add_typer(form_app, name="form")


@form_app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    file: Annotated[Path, typer.Argument(help="The XLSForm (.xlsx).")],
    type_: Annotated[str | None, typer.Option(
        "--type", help="Assessment type (BA, SA, ETT …). Default: the settings column "
                       "assessment_type, else a part of the form_id such as dtm_sa.")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="A YAML mapping file for fields without HXL tags, or to override them "
             "(see docs/forms.md).")] = None,
) -> None:
    """Import an XLSForm into an operation. A new `version` in its settings sheet becomes the
    current version and older ones are kept; importing the same file again changes nothing."""
    with opened(ctx) as ws:
        info = ws.forms.import_xlsform(operation, file, type_, mapping)
    said = {"created": "Imported new form", "new_version": "Imported a new version of",
            "unchanged": "Already imported, nothing changed:",
            "mapping_updated": "Updated the mapping of"}[info.status]
    console.print(f"{said} [bold]{info.form_id}[/] version {info.version} "
                  f"({info.assessment_type or 'no assessment type'}; {info.fields} fields, "
                  f"{info.values} counted, {len(info.unmapped)} unmapped; "
                  f"{info.versions} version(s) kept)", highlight=False)
    if info.status == "mapping_updated":
        console.print(f"Observations recomputed for {info.recomputed:,} submission(s) of "
                      "this version.", highlight=False)
    for w in info.warnings:
        err.print(f"[yellow]Warning:[/] {w}", highlight=False)


@form_app.command("list")
@friendly
def list_(ctx: typer.Context,
          operation: Annotated[str, typer.Argument(help="Operation id.")]) -> None:
    """List an operation's forms with their current version."""
    with opened(ctx) as ws:
        forms = ws.forms.list(operation)
    t = Table("form id", "title", "type", "current version", "versions", "counted fields",
              "unmapped")
    for f in forms:
        t.add_row(f.form_id, f.title, f.assessment_type or "", f.version, str(f.versions),
                  str(f.values), str(len(f.unmapped)))
    console.print(t)


@form_app.command("inspect")
@friendly
def inspect(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(
        help="An operation id (then FORM_ID), or an XLSForm file to inspect without "
             "importing it.")],
    form_id: Annotated[str | None, typer.Argument(help="Form id within the operation.")]
        = None,
    version: Annotated[str | None, typer.Option(help="Form version (default: current).")]
        = None,
    mapping: Annotated[Path | None, typer.Option(
        help="With a file: a YAML mapping file to apply.")] = None,
) -> None:
    """Show how each field maps to observations (its type, HXL tag and dimensions), then the
    fields that are not mapped. `pantau form inspect OPERATION FORM_ID` for an imported form,
    `pantau form inspect FORM.xlsx` for a file."""
    from pantau.forms.personal import file_fields, version_fields

    if form_id is None:
        from pantau.forms import inspect_file

        result = inspect_file(Path(target), mapping)
        fields = file_fields(Path(target), mapping)
    else:
        with opened(ctx) as ws:
            result = ws.forms.inspect(target, form_id, version)
            fields = version_fields(ws, target, form_id, version)
    _show(result, {f["path"]: f for f in fields})


@form_app.command("library")
@friendly
def library() -> None:
    """List the DTM forms shipped with pantau (HXL-tagged, English and Bahasa Indonesia)."""
    from pantau.forms.library import shipped

    t = Table("file", "form id", "version", "type", "title")
    for f in shipped():
        t.add_row(f["file"], f["form_id"], f["version"], f["assessment_type"], f["title"])
    console.print(t)
    console.print("Write them to a folder with `pantau form export-library DIR`, then upload "
                  "them to KoboToolbox or ODK Central, or import them with "
                  "`pantau form import`.")


@form_app.command("export-library")
@friendly
def export_library(
    folder: Annotated[Path, typer.Argument(help="Folder to write the .xlsx files to.")],
) -> None:
    """Write the shipped XLSForms to a folder, ready to upload to KoboToolbox or ODK Central."""
    from pantau.forms.library import export

    for path in export(folder):
        console.print(f"Wrote {path}", highlight=False)


def _show(result: dict[str, Any], classified: dict[str, dict[str, Any]]) -> None:
    title = (f"{result['form_id']} version {result['version']} — {result['title']} "
             f"({result.get('assessment_type') or 'no assessment type'})")
    t = Table("field", "type", "hxl", "role", "dimensions", "personal data", title=title)
    for f in result["fields"]:
        if f["type"] in ("group", "repeat") and not f["hxl"]:
            continue
        c = classified.get(f["path"], {})
        data = f"personal: {c.get('personal_why')}" if c.get("personal") else \
            "quasi-identifier" if c.get("quasi") else ""
        t.add_row(f["path"], f["type"], f["hxl"] or "", f["role"] or "",
                  f["dimensions"], data, style=None if f["role"] else "dim")
    console.print(t)
    personal = [p for p, c in classified.items() if c.get("personal")]
    console.print(f"Personal fields ({len(personal)}), never published: "
                  + (", ".join(personal) or "none"), highlight=False)
    if result.get("estimate_individuals"):
        console.print("Individuals are estimated as households × the operation's average "
                      "household size where the form has no individuals answer.")
    unmapped = result["unmapped"]
    console.print(f"Unmapped fields ({len(unmapped)}): " + (", ".join(unmapped) or "none"),
                  highlight=False)
    if result["unmapped_values"]:
        console.print("[yellow]Numeric fields not counted:[/] "
                      + ", ".join(result["unmapped_values"]), highlight=False)
    for w in result.get("warnings", []):
        err.print(f"[yellow]Warning:[/] {w}", highlight=False)
