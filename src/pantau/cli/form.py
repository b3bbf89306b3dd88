"""`pantau form …` — filled in by the field-data work."""

from __future__ import annotations

import typer

from pantau.cli.app import app

form_app = typer.Typer(help="form", no_args_is_help=True)
app.add_typer(form_app, name="form")
