"""`pantau pull kobo` — filled in by the kobo work."""

from __future__ import annotations

from pantau.cli.pull import pull_app  # noqa: F401
