"""`pantau pull central` — bring a form's submissions in from an ODK Central server."""

from __future__ import annotations

from typing import Annotated

import typer

from pantau.cli.app import friendly, opened
from pantau.cli.pull import (
    AttachmentsOnly,
    NoAttachments,
    print_pull,
    pull_app,
    pull_progress,
    warn_cleartext,
)
from pantau.config import setting, setting_value

EMAIL, PASSWORD, TOKEN = (setting(n) for n in ("central_email", "central_password",
                                              "central_token"))


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
        show_default=False,
        help=f"Central account (web user) email. Default: {EMAIL.env}.")] = None,
    token: Annotated[str | None, typer.Option(
        hidden=True, show_default=False,
        help=f"A Central session token instead of email and password. Default: "
             f"{TOKEN.env}.")] = None,
    page_size: Annotated[int, typer.Option(
        min=1, max=10000, help="Submissions asked for per page.")] = 250,
    no_attachments: NoAttachments = False,
    attachments_only: AttachmentsOnly = False,
) -> None:
    """Pull what changed on ODK Central since the last pull: new submissions, edits (as new
    versions) and review states. The password comes from PANTAU_CENTRAL_PASSWORD or is asked
    for (hidden); a session token in PANTAU_CENTRAL_TOKEN also works. Each page is stored as
    it arrives: a pull that stops (network, server error) resumes where it stopped when run
    again, with no gap and nothing twice. Attachments come along (each at most 25 MB); one
    that cannot be downloaded is reported, the submission stored without it, and
    --attachments-only fetches it later."""
    warn_cleartext(server, "ODK Central")
    email = email or setting_value(EMAIL.name)
    password = setting_value(PASSWORD.name)
    token = None if password else token or setting_value(TOKEN.name)
    if email and not password and not token:
        password = typer.prompt(f"Central password for {email}", hide_input=True)
    with opened(ctx) as ws, pull_progress() as progress:
        result = ws.ingest.pull_central(
            operation, form, server, project, xml_form_id, email=email, password=password,
            token=token, page_size=page_size, progress=progress,
            attachments=not no_attachments, attachments_only=attachments_only)
    again = f"pantau pull central {operation} {form} --server {server} --project {project}"
    if xml_form_id:
        again += f" --xml-form-id {xml_form_id}"
    print_pull(result, operation, again + " --attachments-only", attachments_only)
