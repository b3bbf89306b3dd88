"""Is a point in the country? Boundaries answer exactly; without them, a bounding-box table does.

`country_bboxes.csv` holds one bounding box per country part (mainland, Alaska, Hawaii,
Corsica …), because a single box per country would span half the globe for the USA or France.
It is derived from the Natural Earth 1:50m "admin 0 map subunits" layer (public domain,
naturalearthdata.com) as packaged in `country-bounding-boxes` 0.2.3 (Apache-2.0, Graydon
Hoare), with each part given the ISO3 code of OCHA's country list. The test is coarse — a box
holds neighbours too — but it catches what matters in a master list: swapped latitude and
longitude, a dropped minus sign, a point on another continent.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pantau.gazetteer.locate import Locator

MARGIN = 0.25  # degrees added around each box: islets and coastal sites the 1:50m data omits


@cache
def _boxes() -> dict[str, list[tuple[float, float, float, float]]]:
    out: dict[str, list[tuple[float, float, float, float]]] = {}
    with (Path(__file__).parent / "country_bboxes.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            box = (float(r["min_lon"]), float(r["min_lat"]), float(r["max_lon"]),
                   float(r["max_lat"]))
            out.setdefault(r["iso3"], []).append(box)
    return out


class Extent:
    """Where a country is: its boundaries when loaded, its bounding boxes otherwise."""

    def __init__(self, country: str, locator: Locator | None) -> None:
        self.country = country
        self.locator = locator if locator else None
        self.boxes = _boxes().get(country, [])

    @property
    def known(self) -> bool:
        return self.locator is not None or bool(self.boxes)

    @property
    def how(self) -> str:
        if self.locator is not None:
            return "its boundaries"
        return "its bounding box"

    def contains_many(self, lons: list[float], lats: list[float]) -> list[bool]:
        """One answer per point; every point counts as inside when nothing is known."""
        if self.locator is not None:
            return [bool(v) for v in self.locator.contains_country_many(lons, lats)]
        if not self.boxes:
            return [True] * len(lons)
        return [self._in_boxes(lon, lat) for lon, lat in zip(lons, lats, strict=True)]

    def _in_boxes(self, lon: float, lat: float) -> bool:
        return any(x0 - MARGIN <= lon <= x1 + MARGIN and y0 - MARGIN <= lat <= y1 + MARGIN
                   for x0, y0, x1, y1 in self.boxes)
