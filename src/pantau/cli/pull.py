"""`pantau pull …` — bring submissions in from KoboToolbox or ODK Central."""

from __future__ import annotations

import typer

from pantau.cli.app import app

pull_app = typer.Typer(
    help="Pull submissions from a KoboToolbox or ODK Central server, incrementally: a pull "
         "that stops halfway resumes where it stopped, with no gap and nothing twice.",
    no_args_is_help=True)
app.add_typer(pull_app, name="pull")
