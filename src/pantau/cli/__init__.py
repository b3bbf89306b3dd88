"""The `pantau` command. It only wraps the Python API (`pantau.Workspace`)."""

from __future__ import annotations

from pantau.cli import (  # noqa: F401  (registers commands)
    analytics,
    check,
    demo,
    form,
    gazetteer,
    match,
    operations,
    pull,
    pull_central,
    pull_kobo,
    serve,
    sites,
    submissions,
)
from pantau.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
