"""ODK Central: its exports (`files`), its OData feed (`odata`), and `reparse` for the
quarantine."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pantau.ingest.incoming import Incoming
from pantau.ingest.stream import Unreadable


def reparse(raw: bytes, raw_format: str, fields: list[dict[str, Any]],
            origin: str) -> Incoming | Unreadable:
    """Read one kept Central record again: a CSV header and row, the JSON document of a row
    with its repeat rows (from a `submissions.csv.zip`), or an OData record."""
    from pantau.ingest.central.files import SOURCE, read_tables
    from pantau.ingest.central.records import Shape, read_record

    try:
        text = raw.decode("utf-8")
        if raw_format == "csv":
            tables = {"submission.csv": text}
        else:
            doc = json.loads(text)
            if isinstance(doc, dict) and "__id" in doc:
                return read_record(doc, Shape(fields), origin)
            if not isinstance(doc, dict) or not all(isinstance(v, str) for v in doc.values()):
                raise ValueError("not a Central record")
            tables = doc
        rows = {name: list(csv.reader(io.StringIO(t, newline=""))) for name, t in tables.items()}
        found = [r for r in read_tables(rows, origin, fields) if isinstance(r, Incoming)]
    except Exception as exc:  # noqa: BLE001 — whatever fails, the record stays quarantined
        return Unreadable(origin, f"cannot be read as an ODK Central record ({exc})", raw,
                          raw_format, "central")
    if len(found) != 1:
        return Unreadable(origin, "not exactly one ODK Central submission", raw, raw_format,
                          SOURCE)
    found[0].origin = origin
    return found[0]
