"""Fixtures for the master list: an IDN operation, boundaries around Palu, the HDX P-code list.

The boundaries are simplified but real-shaped: Kota Palu (ID7271), Donggala (ID7205) and Sigi
(ID7210) in Sulawesi Tengah (ID72); Mamuju Utara (ID7605) and Mamuju (ID7604) in Sulawesi
Barat (ID76). They are written as COD-AB style GeoJSON and loaded through the public import.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Polygon, box, mapping
from shapely.ops import unary_union

OP = "idn-sulteng"

ADM2 = {
    "ID7271": ("Kota Palu", "ID72", box(119.80, -0.98, 119.95, -0.70)),
    "ID7205": ("Donggala", "ID72", Polygon([(119.40, -0.98), (119.80, -0.98), (119.80, -0.70),
                                            (120.10, -0.70), (120.10, 0.30), (119.40, 0.30)])),
    "ID7210": ("Sigi", "ID72", Polygon([(119.40, -1.80), (120.40, -1.80), (120.40, -0.70),
                                        (119.95, -0.70), (119.95, -0.98), (119.40, -0.98)])),
    "ID7605": ("Mamuju Utara", "ID76", box(119.10, -1.80, 119.40, -0.98)),
    "ID7604": ("Mamuju", "ID76", box(118.80, -2.90, 119.40, -1.80)),
}
ADM1 = {"ID72": "Sulawesi Tengah", "ID76": "Sulawesi Barat"}

# (lat, lon) of real places, inside the simplified boundaries above
HUNTAP_TONDO = (-0.8650, 119.8840)  # Kota Palu
JONO_OGE = (-1.0200, 119.9300)  # Sigi
PASANGKAYU = (-1.1700, 119.3600)  # Mamuju Utara
BANAWA = (-0.6700, 119.7400)  # Donggala


def boundaries_geojson(folder: Path) -> tuple[Path, Path]:
    """Two COD-AB style files: admin 1 and admin 2 boundaries."""
    adm1 = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ADM1_PCODE": code, "ADM1_EN": name,
                                           "ADM0_PCODE": "ID"},
         "geometry": mapping(unary_union([g for _, p, g in ADM2.values() if p == code]))}
        for code, name in ADM1.items()]}
    adm2 = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ADM2_PCODE": code, "ADM2_EN": name,
                                           "ADM1_PCODE": parent, "ADM1_EN": ADM1[parent]},
         "geometry": mapping(geom)}
        for code, (name, parent, geom) in ADM2.items()]}
    p1, p2 = folder / "idn_adm1.geojson", folder / "idn_adm2.geojson"
    p1.write_text(json.dumps(adm1), encoding="utf-8")
    p2.write_text(json.dumps(adm2), encoding="utf-8")
    return p1, p2


@pytest.fixture
def op(ws):  # type: ignore[no-untyped-def]
    ws.operations.create(OP, "IDN", "Indonesia — Central Sulawesi Earthquake 2018")
    return OP


@pytest.fixture
def boundaries(ws, tmp_path):  # type: ignore[no-untyped-def]
    """Admin 1 and 2 boundaries of the Palu area loaded into the IDN gazetteer."""
    folder = tmp_path / "bnd"
    folder.mkdir()
    p1, p2 = boundaries_geojson(folder)
    ws.gazetteer.import_file(p1, country="IDN", label="cod-ab-2020")
    ws.gazetteer.import_file(p2, country="IDN", label="cod-ab-2020")


@pytest.fixture
def hdx_pcodes(ws, pcodes_csv):  # type: ignore[no-untyped-def]
    """The IDN rows of the HDX global P-code list (admin 1–2, no boundaries)."""
    ws.gazetteer.import_file(pcodes_csv, country="IDN")


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], title: str | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    if title:
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(list(row))
    wb.save(path)
    return path
