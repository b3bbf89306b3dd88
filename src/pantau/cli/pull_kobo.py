"""`pantau pull kobo` — bring a form's submissions in from a KoboToolbox server."""

from __future__ import annotations

from typing import Annotated

import typer

from pantau.cli.app import friendly, opened
from pantau.cli.pull import pull_app, pull_progress
from pantau.cli.report import print_outcomes
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
) -> None:
    """Pull what was submitted to a KoboToolbox project since the last pull. Each page is
    stored as it arrives: a pull that stops (network, server error, a bad token) resumes where
    it stopped when run again, with no gap and nothing twice. Re-sent submissions count as
    'already here'; edits become new versions of their submission."""
    with opened(ctx) as ws, pull_progress() as progress:
        # no token given: the puller reads the kobo_token setting
        result = ws.ingest.pull_kobo(operation, form, server, asset, token=token,
                                     page_size=page_size, progress=progress, full=full)
    print_outcomes(f"Pulled {result.records:,} record(s) in {result.pages:,} page(s)",
                   result.counts, result.messages, operation)
