"""`pantau pull central` — bring a form's submissions in from an ODK Central server."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pantau.cli.app import console, friendly, opened
from pantau.cli.pull import pull_app


@pull_app.command("central")
@friendly
def central(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str, typer.Argument(help="The form's id in pantau (its XLSForm form_id).")],
    server: Annotated[str, typer.Option(
        help="Address of the Central server, e.g. https://central.example.org.")],
    project: Annotated[int, typer.Option(help="Central project number (in the project's "
                                         "address: /projects/N).")],
    xml_form_id: Annotated[str | None, typer.Option(
        help="The form's id on Central, when it differs from FORM.")] = None,
    email: Annotated[str | None, typer.Option(
        envvar="PANTAU_CENTRAL_EMAIL", help="Central account (web user) email.")] = None,
    token: Annotated[str | None, typer.Option(
        envvar="PANTAU_CENTRAL_TOKEN", hidden=True,
        help="A Central session token instead of email and password.")] = None,
    page_size: Annotated[int, typer.Option(
        min=1, max=10000, help="Submissions asked for per page.")] = 250,
) -> None:
    """Pull what changed on ODK Central since the last pull: new submissions, edits (as new
    versions) and review states. The password comes from PANTAU_CENTRAL_PASSWORD or is asked
    for (hidden); a token from PANTAU_CENTRAL_TOKEN also works. Each page is stored as it
    arrives: a pull that stops (network, server error) resumes where it stopped when run
    again, with no gap and nothing twice."""
    import os

    password = os.environ.get("PANTAU_CENTRAL_PASSWORD") or None
    if email and password is None and not token:
        password = typer.prompt(f"Central password for {email}", hide_input=True)
    with opened(ctx) as ws, Progress(
            TextColumn("[bold]Pulling[/]"), BarColumn(), MofNCompleteColumn(),
            console=console, transient=True) as bar:
        task = bar.add_task("pull", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        result = ws.ingest.pull_central(
            operation, form, server, project, xml_form_id, email=email, password=password,
            token=None if password else token, page_size=page_size, progress=progress)
    counts = result.counts
    console.print(
        f"Pulled {result.records} record(s) in {result.pages} page(s): "
        f"{counts['created']} new, {counts['updated']} edited, "
        f"{counts['duplicate']} already here, {counts['conflict']} conflict(s), "
        f"{counts['quarantined']} quarantined.", highlight=False)
    for message in result.messages[:20]:
        console.print(f"  {message}", highlight=False, markup=False)
