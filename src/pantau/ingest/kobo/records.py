"""KoboToolbox's meta columns and answer values → an `Incoming`, the same for every format.

Identity: `meta/instanceID` (`uuid:…`, as Kobo and ODK write it), else `_uuid` with the `uuid:`
prefix added, so an instance id reads the same from CSV, XLSX, JSON and the API.
`meta/rootUuid` and `meta/deprecatedID` get the same prefix when they lack it.

Form version: Kobo's `__version__` is Kobo's own deployment id (`vGdf…`), never the XLSForm's
`version` setting that pantau stores versions by; only `_version_` (which carries the
XLSForm's version when the form sets one) is passed on. Without it, the submission is read
with the form's current version.

Values: as the submission XML holds them, as text: `12` (never `12.0` from a spreadsheet),
dates ISO (Excel serial numbers in date fields converted), select values as choice names
(labels from a "labels" export mapped back), select_multiple space-separated. Anything else
(thousands separators, HTML, typos) stays text as written: judging values is the mapping's job.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from pantau.ingest.headers import SELECT_MULTIPLE, choice_name, choice_names
from pantau.ingest.incoming import Incoming
from pantau.ingest.review import from_kobo
from pantau.ingest.stream import Unreadable

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(:00(\.0+)?)?$")  # a date Excel typed
_BARE_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                        r"[0-9a-fA-F]{12}$")
# Kobo's export labels for validation statuses, when the export wrote labels, not uids
_STATUS_LABELS = {"approved": "validation_status_approved",
                  "not approved": "validation_status_not_approved",
                  "on hold": "validation_status_on_hold"}


_DATES = frozenset({"date", "datetime", "today"})


def text_value(value: Any, f: dict[str, Any] | None) -> str:
    """One answer as the XML text; `f` is its field (None when unknown)."""
    type_ = str(f.get("type", "")).lower() if f else ""
    if value.__class__ is str:  # the common case first: JSON and CSV give text
        if not value or value.isspace():
            return ""
        if type_ in SELECT_MULTIPLE:
            return choice_names(f, value)
        if type_.startswith("select_one"):
            return choice_name(f, value.strip())
        if type_ in _DATES:
            text = value.strip()
            if _SERIAL.match(text):
                return _serial(float(text), type_)
            if type_ != "datetime" and _MIDNIGHT.match(text):
                return text[:10]
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if type_ in ("date", "today") else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float) and type_ in _DATES:
        return _serial(float(value), type_)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text_value(str(value), f)


def value_reader(f: dict[str, Any] | None) -> Callable[[Any], str]:
    """`text_value` for one field, with the common case decided once instead of per cell:
    a text answer of a plain field as it is, a select answer that already holds choice names."""
    type_ = str(f.get("type", "")).lower() if f else ""
    if f is None or type_ in _DATES:
        return lambda value: text_value(value, f)
    choices = f.get("choices")
    if type_ in SELECT_MULTIPLE or type_.startswith("select_one"):
        names = frozenset(str(c.get("name")) for c in choices or ())
        multiple = type_ in SELECT_MULTIPLE

        def select(value: Any) -> str:
            if value.__class__ is str and names:
                tokens = value.split()
                if tokens and (len(tokens) == 1 or multiple) and all(t in names for t in tokens):
                    return " ".join(tokens)
            return text_value(value, f)
        return select

    def plain(value: Any) -> str:
        if value.__class__ is str:
            return "" if not value or value.isspace() else value
        return text_value(value, f)
    return plain


def _serial(serial: float, type_: str) -> str:
    """An Excel serial day number (Excel re-saved the export) as an ISO date or time."""
    if not 1 <= serial < 2_958_466:
        return f"{serial:g}"
    when = EXCEL_EPOCH + dt.timedelta(days=serial)
    if type_ == "datetime":
        return when.replace(microsecond=0).isoformat()
    return when.date().isoformat()


def with_uuid_prefix(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text or text.lower() in ("none", "null"):
        return None
    return f"uuid:{text}" if _BARE_UUID.match(text) else text


def parse_time(value: Any) -> dt.datetime | None:
    """Kobo's `_submission_time` (UTC, usually without an offset) as an aware datetime."""
    if isinstance(value, dt.datetime):
        when = value
    elif value in (None, ""):
        return None
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def review_state(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                return from_kobo(json.loads(text))
            except ValueError:
                return "received"
        return from_kobo(_STATUS_LABELS.get(text.casefold(), text))
    return from_kobo(value if isinstance(value, dict) else None)


def build(data: dict[str, Any], meta: dict[str, Any], raw: bytes, raw_format: str,
          source: str, origin: str) -> Incoming | Unreadable:
    """An `Incoming` from a record's answers and its meta columns (keyed as Kobo names them:
    `instanceID`, `deprecatedID`, `rootUuid`, `_uuid`, `_id`, `_submission_time`, …)."""
    instance = with_uuid_prefix(meta.get("instanceID")) or with_uuid_prefix(meta.get("_uuid"))
    if not instance:
        return Unreadable(origin, "no instance id (neither meta/instanceID nor _uuid)", raw,
                          raw_format, source)
    ext = meta.get("_id")
    if isinstance(ext, float) and ext.is_integer():
        ext = int(ext)
    version = meta.get("_version_")
    submitter = meta.get("_submitted_by")
    return Incoming(
        instance_id=instance, data=data, raw=raw, raw_format=raw_format, source=source,
        origin=origin,
        form_version=text_value(version, None) or None,
        deprecated_id=with_uuid_prefix(meta.get("deprecatedID")),
        root_id=with_uuid_prefix(meta.get("rootUuid")),
        submitted_at=parse_time(meta.get("_submission_time")),
        submitter=with_uuid_prefix(submitter) if submitter else None,
        external_id=text_value(ext, None) or None,
        review_state=review_state(meta.get("_validation_status")))
