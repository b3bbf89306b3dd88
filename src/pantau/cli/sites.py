"""`pantau sites …` — filled in by the sites work."""

from __future__ import annotations

import typer

from pantau.cli.app import app

sites_app = typer.Typer(help="sites", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
