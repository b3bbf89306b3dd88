"""The plain records every reader produces, whatever the file format, before checks and storage."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as _field

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")


@dataclass
class Geometry:
    """A boundary ready for storage: WKB plus the bbox and a point inside it."""

    wkb: bytes
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    point_lon: float  # representative point: always inside the area, unlike the centroid
    point_lat: float


@dataclass
class UnitRecord:
    """One admin unit as a file states it. `derived` units come from a child's parent columns."""

    country_iso3: str
    level: int
    pcode: str
    name: str
    parent: str | None
    row: int | None
    source: str
    field: str | None = None  # the column holding the P-code, for messages
    name_field: str | None = None
    names: dict[str, object] = _field(default_factory=dict)
    valid_from: dt.date | None = None
    geometry: Geometry | None = None
    derived: bool = False


def clean_name(value: object) -> str:
    """A name as text: control characters removed, runs of spaces collapsed, NFC-composed.

    HTML or script in a name is kept as typed; escaping it is the job of whatever renders it.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()
