"""`pantau gazetteer …` — filled in by the gazetteer work."""

from __future__ import annotations

import typer

from pantau.cli.app import app

gazetteer_app = typer.Typer(help="gazetteer", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")
