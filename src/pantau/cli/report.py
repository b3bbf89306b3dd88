"""What an import or a pull did, printed the same way by every command that brings
submissions in (`pantau submissions import`, `pantau pull kobo`, `pantau pull central`),
and what became of a pull's attachments; and `pantau report round`, the printable round
report as PDF or HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pantau.cli.app import app, console, friendly, opened
from pantau.errors import PantauError

if TYPE_CHECKING:
    from pantau.ingest.attachments import Pulled

SHOWN = 20  # messages printed; the rest are in `pantau submissions quarantine`
# storage outcome → how the summary names it, in the order it is printed
WORDS = (("created", "new"), ("updated", "edited"), ("duplicate", "already here"),
         ("conflict", "conflict(s)"), ("quarantined", "quarantined"))


def print_outcomes(lead: str, counts: Mapping[str, int], messages: Sequence[str],
                   operation: str) -> None:
    """`lead` ("Pulled 7 record(s) in 2 page(s)"), the count of each outcome, then the first
    messages (conflicts and quarantine reasons: no answers, so no personal data) and where
    to find the rest."""
    tally = ", ".join(f"{counts.get(status, 0):,} {word}" for status, word in WORDS)
    console.print(f"{lead}: {tally}.", highlight=False, markup=False)
    for message in messages[:SHOWN]:
        console.print(f"  {message}", highlight=False, markup=False)
    more = counts.get("conflict", 0) + counts.get("quarantined", 0) - min(len(messages), SHOWN)
    if more > 0:
        console.print(f"  … and {more:,} more: see `pantau submissions quarantine "
                      f"{operation}`", highlight=False, markup=False)


# attachment outcome → how the summary names it, in the order it is printed
FILE_WORDS = (("stored", "stored"), ("refused", "refused"), ("failed", "failed"),
              ("not_on_server", "not on the server yet"), ("not_stored", "not stored"))


def print_attachments(result: Pulled, again: str) -> None:
    """One line counting the attachments, then the first problems (file names and
    reasons; never answers). `again` is the command that fetches what is missing."""
    counts = result.attachments
    if not sum(counts.values()):
        return
    tally = ", ".join(f"{counts.get(status, 0):,} {word}" for status, word in FILE_WORDS
                      if counts.get(status, 0) or status == "stored")
    console.print(f"Attachments: {tally}.", highlight=False, markup=False)
    for note in result.notes[:SHOWN]:
        console.print(f"  {note}", highlight=False, markup=False)
    if len(result.notes) > SHOWN:
        console.print(f"  … and {len(result.notes) - SHOWN:,} more", highlight=False,
                      markup=False)
    if counts.get("failed", 0) or counts.get("not_on_server", 0):
        console.print(f"  The submissions are stored; `{again}` fetches the missing files "
                      "later.", highlight=False, markup=False)


report_app = typer.Typer(help="Printable reports of an operation's figures.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("round")
@friendly
def round_report(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    assessment_type: Annotated[str, typer.Option("--type", "-t",
                                                 help="Assessment type, e.g. SA.")],
    number: Annotated[int, typer.Option("--round", "-r", min=0, help="Round number.")],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help=(
        "File to write: .pdf (printed by headless Chromium) or .html (one self-contained "
        "page, no Chromium needed)."))],
    lang: Annotated[str, typer.Option(help="Language of the labels: en or id.")] = "en",
) -> None:
    """The round report: key figures, a map of IDPs by admin-2 area, tables by admin area,
    reasons, needs and the methodology note (period, coverage, approvals, gazetteer
    version, small-cell rule), on A4. The same page as /operations/OP/rounds/TYPE/N/report.
    Run `pantau refresh` first."""
    from pantau.publish import round_report as rr
    from pantau.web.dashboard.i18n import LANGUAGES

    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise typer.BadParameter(f"'{out}': the file must end in .pdf or .html",
                                 param_hint="--out")
    if lang not in LANGUAGES:
        raise typer.BadParameter(f"'{lang}' is not one of {', '.join(LANGUAGES)}",
                                 param_hint="--lang")
    if suffix == ".pdf" and rr.chromium() is None:
        raise rr.NoChromium
    with opened(ctx) as ws, Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                     TimeElapsedColumn(), console=console,
                                     transient=True) as bar:
        task = bar.add_task("Reading the figures")
        data = rr.report_data(ws, operation, assessment_type, number)
        if data["source"] is None:
            raise PantauError("invalid", message=f"operation {operation} has no approved "
                              f"figures in its analytics tables: run `pantau refresh "
                              f"{operation}` (after approving the round's data)")
        html = rr.render_html(data, lang, inline_css=True)
        if suffix == ".pdf":
            bar.update(task, description="Printing the PDF with headless Chromium")
            content = rr.print_pdf(html)
        else:
            content = html.encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    source = data["source"]
    console.print(f"Round report of {operation}, {source['assessment_type']} round "
                  f"{source['round_number']}: {out} ({len(content):,} bytes)",
                  highlight=False, markup=False)
