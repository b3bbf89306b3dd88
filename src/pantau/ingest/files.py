"""Recognise a submissions export and pick its reader (KoboToolbox or ODK Central)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pantau.errors import PantauError
from pantau.ingest.incoming import Incoming
from pantau.ingest.stream import Unreadable

Records = Iterator[Incoming | Unreadable]


def read_export(path: Path, fields: list[dict[str, Any]]) -> Records:
    """Records of a KoboToolbox export (CSV, XLSX, JSON) or an ODK Central export (CSV or
    `submissions.csv.zip`), streamed. `fields` is the form version's field list."""
    if not path.exists():
        raise PantauError("unreadable_file", source=path.name, message="no such file")
    if _is_central(path):
        from pantau.ingest.central.files import read_central_export

        return read_central_export(path, fields)
    from pantau.ingest.kobo.files import read_kobo_export

    return read_kobo_export(path, fields)


def _is_central(path: Path) -> bool:
    """Central's exports are zips of CSVs, or CSVs with KEY and meta-instanceID columns."""
    if path.suffix.lower() == ".zip":  # a broken zip gets Central's "not a readable zip"
        return True
    if path.suffix.lower() != ".csv":
        return False
    with path.open("rb") as f:
        head = f.read(65536).decode("utf-8", errors="replace").splitlines()[:1]
    return bool(head) and "KEY" in head[0] and "instanceID" in head[0]
