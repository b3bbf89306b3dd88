"""The `pantau` command. It only wraps the Python API (`pantau.Workspace`)."""

from __future__ import annotations

from pantau.cli import (  # noqa: F401  (registers commands)
    analytics,
    check,
    clean,
    demo,
    dtm_import,
    flow,
    form,
    gazetteer,
    match,
    operations,
    protect,
    publish,
    pull,
    pull_central,
    pull_kobo,
    report,
    review,
    serve,
    sites,
    submissions,
    user,
)
from pantau.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
