"""The `pantau` command. It only wraps the Python API (`pantau.Workspace`)."""

from __future__ import annotations

from pantau.cli import (  # noqa: F401  (registers commands)
    demo,
    gazetteer,
    match,
    operations,
    serve,
    sites,
)
from pantau.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
