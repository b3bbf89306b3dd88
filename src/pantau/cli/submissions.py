"""`pantau submissions …` — see what came in, import exports, and work the quarantine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pantau.cli.app import app, console, friendly, opened
from pantau.cli.report import print_outcomes

submissions_app = typer.Typer(
    help="Submissions received from files, KoboToolbox, ODK Central and ODK Collect/Enketo: "
         "list them, show one with its versions, import an export file, and list or "
         "re-process the quarantine (records that could not be parsed or placed).",
    no_args_is_help=True)
app.add_typer(submissions_app, name="submissions")


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "—"  # type: ignore[str-format]


@submissions_app.command("list")
@friendly
def list_(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str | None, typer.Option(help="Only this form (its form_id).")] = None,
    state: Annotated[str | None, typer.Option(
        help="Only this review state: received, has_issues, approved or rejected.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
) -> None:
    """List an operation's submissions: instance id, form, review state, source, versions."""
    with opened(ctx) as ws:
        subs = ws.ingest.submissions(operation, form, state, limit)
    t = Table("instance id", "form", "review state", "source", "versions", "submitted",
              "received")
    for s in subs:
        t.add_row(s.instance_id, s.form, s.review_state, s.source, str(s.versions_count),
                  _when(s.submitted_at), _when(s.created_at))
    console.print(t)
    console.print(f"{len(subs)} submission(s)")


@submissions_app.command("show")
@friendly
def show(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str, typer.Argument(help="The form's form_id.")],
    instance_id: Annotated[str, typer.Argument(
        help="The submission's instance id (the first one, or that of any version).")],
    data: Annotated[bool, typer.Option(
        "--data", help="Also print the answers of every version, personal ones (names, "
                       "phones, household GPS, free text …) shown as ‹personal›.")] = False,
    include_personal: Annotated[bool, typer.Option(
        "--include-personal", help="With --data: print personal answers too.")] = False,
) -> None:
    """Show one submission: review state, origin and every version (the current one marked),
    with the number of answers and the attachments. Answers only with --data; personal
    answers only with --include-personal."""
    from pantau.forms.personal import personal_paths, redact, version_fields

    with opened(ctx) as ws:
        d = ws.ingest.submission(operation, form, instance_id)
        hidden = {v.form_version: personal_paths(version_fields(ws, operation, form,
                                                                v.form_version))
                  for v in d.versions} if data and not include_personal else {}
    console.print(f"[bold]{d.info.instance_id}[/] ({d.info.form}) — review state "
                  f"{d.info.review_state}, source {d.info.source}, "
                  f"{d.info.versions_count} version(s)", highlight=False)
    t = Table("", "instance id", "edits", "form version", "answers", "attachments", "origin",
              "received")
    for v in d.versions:
        files = ", ".join(f"{a.name} ({a.size:,} B)" for a in v.attachments) or "—"
        t.add_row("current" if v.current else "", v.instance_id, v.deprecated_id or "—",
                  v.form_version or "—", str(len(v.data)), files, v.origin, _when(v.created_at))
    console.print(t)
    if data:
        for v in d.versions:
            console.print(f"[bold]{v.instance_id}[/]", highlight=False)
            shown = v.data if include_personal else redact(v.data, hidden[v.form_version])
            console.print_json(json.dumps(shown, ensure_ascii=False))


@submissions_app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str, typer.Argument(help="The form's form_id (import the form first).")],
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False,
        help="A KoboToolbox export (CSV, XLSX, JSON) or an ODK Central export "
             "(submissions .csv.zip or CSV).")],
) -> None:
    """Import an export file. Every record is created, updated (an edit), recognised as a
    duplicate, reported as a conflict, or kept in the quarantine — never dropped. The whole
    file goes in one transaction: an error leaves the store as it was."""
    with opened(ctx) as ws, Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            TextColumn("{task.completed:,} records"), TimeElapsedColumn(),
            console=console, transient=True) as bar:
        task = bar.add_task(f"Importing {file.name}", total=None)
        result = ws.ingest.import_file(operation, form, file,
                                       progress=lambda n: bar.update(task, completed=n))
    print_outcomes(f"Imported {sum(result.counts.values()):,} record(s) from {file.name}",
                   result.counts, result.messages, operation)


@submissions_app.command("quarantine")
@friendly
def quarantine(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    all_: Annotated[bool, typer.Option(
        "--all", help="Also list records re-processed successfully since.")] = False,
) -> None:
    """List the records kept in the quarantine: when, from where, why. Fix the form or its
    mapping, then run `pantau submissions reprocess`."""
    with opened(ctx) as ws:
        rows = ws.ingest.quarantined(operation, unresolved=not all_)
    t = Table("id", "received", "source", "form", "origin", "reason", "resolved")
    for q in rows:
        t.add_row(str(q.id), _when(q.created_at), q.source, q.form or "—", q.origin,
                  q.reason, _when(q.resolved_at) if q.resolved_at else "")
    console.print(t)
    console.print(f"{len(rows)} record(s)")


@submissions_app.command("reprocess")
@friendly
def reprocess(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    ids: Annotated[list[int] | None, typer.Argument(
        help="Quarantine ids (see `pantau submissions quarantine`); default: all.")] = None,
) -> None:
    """Run quarantined records through the readers and the storage rules again. Those that
    go in are marked resolved; those that still fail stay, with the new reason."""
    with opened(ctx) as ws:
        result = ws.ingest.reprocess(operation, ids or None)
    t = Table("id", "outcome")
    for qid, outcome in result.outcomes.items():
        t.add_row(str(qid), outcome)
    console.print(t)
    console.print(f"{result.counts.get('resolved', 0)} resolved, "
                  f"{result.counts.get('still_failing', 0)} still failing")
