"""Write a dataset as HXL-tagged CSV, XLSX with a metadata sheet, GeoJSON or Parquet.

CSV and XLSX go through pantau's formula-safe cells (`pantau.tabular`), so an area name
that starts with "=" is shown as text in Excel, never run. Whole numbers are written as
whole numbers (450, not 450.0); an empty cell means "not reported", never 0.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from pantau.tabular import safe_cell, write_table

Row = Sequence[Any]


def plain(value: Any) -> Any:
    """450.0 → 450; dates stay dates (CSV writes them as YYYY-MM-DD)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def write_csv(path: Path, columns: list[str], tags: list[str], rows: Iterable[Row]) -> None:
    """Header row, then the HXL hashtag row, then the data (UTF-8 with BOM, for Excel)."""
    write_table(path, columns, ([plain(v) for v in r] for r in rows), hxl=tags)


def write_xlsx(path: Path, columns: list[str], tags: list[str], rows: Iterable[Row],
               metadata: dict[str, Any]) -> None:
    """Sheet `data` (header, hashtags, rows) and sheet `metadata` (what, when, which rule)."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    data = wb.create_sheet("data")
    data.append(columns)
    data.append(tags)
    for r in rows:
        data.append([safe_cell(plain(v)) for v in r])
    meta = wb.create_sheet("metadata")
    meta.append(["field", "value"])
    for key, value in metadata.items():
        meta.append([key, safe_cell(_text(value))])
    wb.save(path)


def write_geojson(path: Path, columns: list[str], tags: list[str], rows: Iterable[Row],
                  metadata: dict[str, Any],
                  geometry: Callable[[dict[str, Any]], bytes | None]) -> int:
    """One feature per row, with the boundary of the row's area where the gazetteer has it
    (else `geometry: null`, which GeoJSON allows); returns how many features have one."""
    features, with_geometry = [], 0
    for r in rows:
        props = {c: _json_value(plain(v)) for c, v in zip(columns, r, strict=True)}
        wkb = geometry(props)
        geom = mapping(shapely.from_wkb(wkb)) if wkb else None
        with_geometry += geom is not None
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    doc = {"type": "FeatureCollection", "name": metadata.get("table"),
           "metadata": {k: _text(v) for k, v in metadata.items()},
           "hxl": dict(zip(columns, tags, strict=True)), "features": features}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return with_geometry


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
