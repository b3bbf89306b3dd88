"""APPROXIMATE demo boundaries of Sulawesi Tengah's regencies — not official boundaries.

No real boundaries ship with pantau and nothing may download at run time, so the demo grows
stand-in shapes: a hand-drawn rough outline of the province is cut into Voronoi cells around a
few seed points per regency (its capital first, see `places.py`), and islands go to their
regency whole. Palu, Sigi, Donggala and Parigi Moutong come out roughly where they are, which is
all the demo needs to exercise point-in-polygon placement and, later, the map.

The shipped file `sulteng-adm2-approximate.geojson` is written by
`python -m pantau.demo.shapes`; `tests/test_demo.py` checks it still matches these seeds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from pantau.demo.places import ISLANDS, MAINLAND, PROVINCE, REGENCIES

HERE = Path(__file__).parent
BOUNDARIES_FILE = HERE / "sulteng-adm2-approximate.geojson"
GRID = 0.0001  # degrees (~11 m): coordinates are rounded to this, keeping polygons valid
NOTICE = ("APPROXIMATE DEMO SHAPES, NOT OFFICIAL BOUNDARIES: Voronoi cells around seed points "
          "of each regency, clipped to a rough outline of Sulawesi Tengah drawn by hand for "
          "pantau's demo. P-codes and names are real (COD-AB); the shapes are not. Do not use "
          "them for anything but the demo.")
VALID_ON = "2018-01-01"


def regency_shapes() -> dict[str, BaseGeometry]:
    """Admin-2 P-code → approximate shape (Polygon or MultiPolygon), snapped to `GRID`."""
    mainland = Polygon(MAINLAND)
    owners: list[str] = []
    points: list[tuple[float, float]] = []
    for regency in REGENCIES:
        if regency.pcode in ISLANDS and len(regency.seeds) == 1:
            continue  # an island regency: no share of the mainland
        for seed in regency.seeds:
            owners.append(regency.pcode)
            points.append(seed)
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=mainland.buffer(1))
    parts: dict[str, list[BaseGeometry]] = {r.pcode: [] for r in REGENCIES}
    for cell in shapely.get_parts(cells):
        index = next(i for i, p in enumerate(points) if cell.intersects(shapely.Point(p)))
        parts[owners[index]].append(cell.intersection(mainland))
    for pcode, outline in ISLANDS.items():
        parts[pcode].append(Polygon(outline))
    out = {}
    for pcode, pieces in parts.items():
        shape = shapely.set_precision(unary_union(pieces), GRID)
        out[pcode] = shapely.make_valid(shape) if not shape.is_valid else shape
    return out


def feature_collection() -> dict[str, Any]:
    """The admin-2 layer with COD-AB property names, as the gazetteer import expects."""
    adm1_pcode, adm1_name = PROVINCE
    shapes = regency_shapes()
    features = []
    for regency in sorted(REGENCIES, key=lambda r: r.pcode):
        features.append({
            "type": "Feature",
            "properties": {
                "ADM0_PCODE": "ID", "ADM0_EN": "Indonesia",
                "ADM1_PCODE": adm1_pcode, "ADM1_EN": adm1_name,
                "ADM2_PCODE": regency.pcode, "ADM2_EN": regency.name,
                "validOn": VALID_ON, "note": "approximate demo shape, not an official boundary",
            },
            "geometry": _rounded(mapping(shapes[regency.pcode])),
        })
    return {"type": "FeatureCollection", "name": "sulteng_adm2_approximate_demo",
            "description": NOTICE, "crs": {"type": "name", "properties": {
                "name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
            "features": features}


def _rounded(geometry: Any) -> Any:
    """Coordinates as short decimals: the file stays small and diffs stay readable."""
    if isinstance(geometry, dict):
        return {k: _rounded(v) for k, v in geometry.items()}
    if isinstance(geometry, list | tuple):
        if geometry and isinstance(geometry[0], float):
            return [round(c, 4) for c in geometry]
        return [_rounded(g) for g in geometry]
    return geometry


def write(path: Path = BOUNDARIES_FILE) -> Path:
    text = json.dumps(feature_collection(), ensure_ascii=False, separators=(",", ":"))
    path.write_text(text.replace('{"type":"Feature"', '\n{"type":"Feature"') + "\n",
                    encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
