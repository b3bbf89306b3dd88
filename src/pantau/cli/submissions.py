"""`pantau submissions …` — filled in by the field-data work."""

from __future__ import annotations

import typer

from pantau.cli.app import app

submissions_app = typer.Typer(help="submissions", no_args_is_help=True)
app.add_typer(submissions_app, name="submissions")
