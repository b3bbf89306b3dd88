"""`pantau pull central` — filled in by the central work."""

from __future__ import annotations

from pantau.cli.pull import pull_app  # noqa: F401
