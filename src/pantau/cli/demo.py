"""`pantau demo` — filled in by the demo work."""

from __future__ import annotations

from pantau.cli.app import app  # noqa: F401
