"""KoboToolbox: its exports (`files`) and its API v2 (`api`), and `reparse` for the
quarantine."""

from __future__ import annotations

import io
import json
from typing import Any

from pantau.ingest.incoming import Incoming
from pantau.ingest.stream import Unreadable


def reparse(raw: bytes, raw_format: str, fields: list[dict[str, Any]],
            origin: str) -> Incoming | Unreadable:
    """Read one kept Kobo record again: a CSV header and row, an API v2 JSON record, or the
    JSON document of an XLSX row with its repeat rows."""
    from pantau.ingest.kobo.files import JsonShape, read_csv, xlsx_record

    try:
        if raw_format == "csv":
            found = list(read_csv(lambda: io.BytesIO(raw), origin, fields, "file"))
        else:
            doc = json.loads(raw.decode("utf-8"))
            if not isinstance(doc, dict):
                raise ValueError("not a JSON object")
            if isinstance(doc.get("xlsx"), dict):
                found = [xlsx_record(doc["xlsx"], fields, raw, origin)]
            else:
                found = [JsonShape(fields).record(doc, raw, "kobo", origin)]
    except Exception as exc:  # noqa: BLE001 — whatever fails, the record stays quarantined
        return Unreadable(origin, f"cannot be read as a KoboToolbox record ({exc})", raw,
                          raw_format, "kobo")
    if len(found) != 1:
        return Unreadable(origin, "not exactly one KoboToolbox submission", raw, raw_format,
                          "kobo")
    rec = found[0]
    if isinstance(rec, Incoming):
        rec.origin = origin
    return rec
