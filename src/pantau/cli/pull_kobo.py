"""`pantau pull kobo` — bring a form's submissions in from a KoboToolbox server."""

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
from pantau.config import setting

TOKEN = setting("kobo_token")


@pull_app.command("kobo")
@friendly
def kobo(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="Operation id.")],
    form: Annotated[str, typer.Argument(help="The form's id in pantau (its XLSForm form_id).")],
    server: Annotated[str, typer.Option(
        help="Address of the KoboToolbox server, e.g. https://kf.kobotoolbox.org or "
             "https://eu.kobotoolbox.org.")],
    asset: Annotated[str, typer.Option(
        help="The project's asset uid, as in its address: …/#/forms/<uid>/summary.")],
    token: Annotated[str | None, typer.Option(
        show_default=False,
        help="API token of a Kobo account that can view the submissions (Account "
             f"settings → Security). Default: {TOKEN.env}, which is better than typing "
             "it here (shell history).")] = None,
    page_size: Annotated[int, typer.Option(
        min=1, max=1000, help="Submissions asked for per page (Kobo allows at most 1000).")
    ] = 1000,
    full: Annotated[bool, typer.Option(
        "--full", help="Go through every submission again, not only those submitted since "
                       "the last pull: Kobo does not say which submissions were edited or "
                       "had their validation status changed, so this is how edits and "
                       "statuses of older submissions come in.")] = False,
    no_attachments: NoAttachments = False,
    attachments_only: AttachmentsOnly = False,
) -> None:
    """Pull what was submitted to a KoboToolbox project since the last pull. Each page is
    stored as it arrives: a pull that stops (network, server error, a bad token) resumes where
    it stopped when run again, with no gap and nothing twice. Re-sent submissions count as
    'already here'; edits become new versions of their submission. Attachments come along
    (each at most 25 MB); one that cannot be downloaded is reported, the submission stored
    without it, and --attachments-only fetches it later."""
    warn_cleartext(server, "KoboToolbox")
    with opened(ctx) as ws, pull_progress() as progress:
        # no token given: the puller reads the kobo_token setting
        result = ws.ingest.pull_kobo(operation, form, server, asset, token=token,
                                     page_size=page_size, progress=progress, full=full,
                                     attachments=not no_attachments,
                                     attachments_only=attachments_only)
    print_pull(result, operation, f"pantau pull kobo {operation} {form} --server {server} "
               f"--asset {asset} --attachments-only", attachments_only)
