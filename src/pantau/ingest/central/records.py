"""One OData submission record of ODK Central → an `Incoming`.

Central's OData nests groups as objects, expands repeats as arrays (with `$expand=*`), types
numbers as JSON numbers and geopoints as GeoJSON. `data` must equal what the CSV export and
the submission XML give, so values are turned back into the XML's text: numbers as written
(`3`, `2.5`), a geopoint as "lat lon alt acc", a geotrace or geoshape as its points so
written and joined by ";", select_multiple already space-separated. A decimal written `2.50`
in the XML comes back `2.5` from OData (JSON keeps no trailing zeros).
"""

from __future__ import annotations

import json
from typing import Any

from pantau.ingest.central.files import parse_time
from pantau.ingest.headers import is_container
from pantau.ingest.incoming import Incoming
from pantau.ingest.review import from_central
from pantau.ingest.stream import Unreadable


class Shape:
    """The form's fields by path, to know what a key of a record is."""

    def __init__(self, fields: list[dict[str, Any]]) -> None:
        self.by_path = {f["path"]: f for f in fields if f.get("path")}

    def kind(self, path: str) -> str:
        f = self.by_path.get(path)
        if f is None:
            return ""
        t = str(f.get("type", "")).lower()
        if "repeat" in t:
            return "repeat"
        return "group" if is_container(f) else t


def read_record(record: dict[str, Any], shape: Shape, origin: str) -> Incoming | Unreadable:
    """One OData record, or — when it holds answers to fields the form does not have (the
    form in pantau is not the one on Central) — the record kept whole for the quarantine,
    rather than stored without those answers. As for Kobo JSON."""
    unknown = unknown_keys(record, shape)
    if unknown:
        raw = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Unreadable(origin, "keys the form does not know: "
                          + ", ".join(sorted(set(unknown))[:20]), raw, "json", "central")
    return incoming(record, shape, origin)


def unknown_keys(obj: dict[str, Any], shape: Shape, prefix: str = "") -> list[str]:
    """Paths of the answers in `obj` that no field of the form holds. Central's own keys
    (`__id`, `__system`, `meta`, `…@odata.…`) and empty answers (Central lists every field
    of its newest form version, null where a submission has none) are not answers."""
    out: list[str] = []
    for key, value in obj.items():
        if key.startswith("__") or "@" in key or value is None or (not prefix and key == "meta"):
            continue
        path = f"{prefix}{key}"
        kind = shape.kind(path)
        if kind == "group" or (not kind and isinstance(value, dict)
                               and "coordinates" not in value):
            if isinstance(value, dict):
                out.extend(unknown_keys(value, shape, path + "/"))
        elif kind == "repeat" or (not kind and isinstance(value, list)
                                  and all(isinstance(i, dict) for i in value)):
            for item in value if isinstance(value, list) else []:
                if isinstance(item, dict):
                    out.extend(unknown_keys(item, shape, path + "/"))
        elif not kind and value != "" and value != []:
            out.append(path)
    return out


def incoming(record: dict[str, Any], shape: Shape, origin: str) -> Incoming:
    """Map Central's identity: `__id` is the submission (the root instance id), and
    `meta.instanceID` the id of its current version, which differs after an edit."""
    system = record.get("__system") or {}
    meta = record.get("meta") or {}
    root = str(record.get("__id") or "")
    return Incoming(
        instance_id=str(meta.get("instanceID") or root),
        data=flatten(record, shape, ""),
        raw=json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        raw_format="json", source="central", origin=origin,
        form_version=system.get("formVersion") or None,
        deprecated_id=meta.get("deprecatedID") or None,
        root_id=root or None,
        submitted_at=parse_time(system.get("submissionDate")),
        submitter=system.get("submitterName") or None,
        external_id=root or None,
        review_state=from_central(system.get("reviewState")))


def flatten(obj: dict[str, Any], shape: Shape, prefix: str) -> dict[str, Any]:
    """Nested groups → `group/field` keys; repeats → lists of such dicts; keys the form does
    not know (`__id`, `__system`, `meta`, `…@odata.navigationLink`) are left to `raw`."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key.startswith("__") or "@" in key or value is None:
            continue
        path = f"{prefix}{key}"
        kind = shape.kind(path)
        if kind == "group" and isinstance(value, dict):
            out.update(flatten(value, shape, path + "/"))
        elif kind == "repeat" and isinstance(value, list):
            out[path] = [flatten(item, shape, path + "/") for item in value
                         if isinstance(item, dict)]
        elif kind in GEO_TEXT and isinstance(value, dict):
            # a shape that cannot be read back is kept as its JSON text, never dropped
            out[path] = GEO_TEXT[kind](value) or json.dumps(
                value, ensure_ascii=False, separators=(",", ":"))
        elif kind and not isinstance(value, dict | list):
            text = scalar_text(value)
            if text != "":
                out[path] = text
    return out


def geopoint_text(value: dict[str, Any]) -> str:
    """GeoJSON `{"coordinates": [lon, lat, alt], "properties": {"accuracy": a}}` → the ODK
    text "lat lon alt acc"."""
    coords = list(value.get("coordinates") or [])
    if len(coords) < 2:
        return ""
    parts = [coords[1], coords[0], *coords[2:3]]
    accuracy = (value.get("properties") or {}).get("accuracy")
    if accuracy is not None:
        parts.append(accuracy)
    return " ".join(scalar_text(p) for p in parts)


def geotrace_text(value: dict[str, Any]) -> str:
    """GeoJSON `{"type": "LineString", "coordinates": [[lon, lat, alt], …]}` → the ODK text
    "lat lon alt;lat lon alt…". Central's GeoJSON has no accuracy per point, so the XML's
    fourth number cannot come back (a fourth coordinate, if a server sends one, is kept)."""
    return _points_text(value.get("coordinates"))


def geoshape_text(value: dict[str, Any]) -> str:
    """GeoJSON `{"type": "Polygon", "coordinates": [[[lon, lat, alt], …]]}` → the ODK text
    of its (only) ring, as for a geotrace; ODK writes a shape closed, its last point the
    first one again, and so does GeoJSON."""
    rings = value.get("coordinates")
    return _points_text(rings[0] if isinstance(rings, list) and rings else None)


def _points_text(points: Any) -> str:
    """Points `[lon, lat, alt?, acc?]` → "lat lon alt acc" joined by ";". Empty points
    (`[null, null]`, which Central 0.7–0.9 appended) are left out; anything else that is not
    a point gives "" (the caller keeps the value as JSON text)."""
    if not isinstance(points, list):
        return ""
    texts = []
    for point in points:
        if not isinstance(point, list) or len(point) < 2:
            return ""
        if point[0] is None or point[1] is None:
            continue
        texts.append(" ".join(scalar_text(p) for p in [point[1], point[0], *point[2:4]]
                              if p is not None))
    return ";".join(texts)


GEO_TEXT = {"geopoint": geopoint_text, "geotrace": geotrace_text, "geoshape": geoshape_text}


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
