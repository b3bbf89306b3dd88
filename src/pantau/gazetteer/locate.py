"""Which admin areas contain a point: one shapely STRtree per admin level of a gazetteer version.

A master list of thousands of sites is located in one bulk query per level instead of testing
every point against every polygon. Boundaries are generalised and neighbours overlap or leave
slivers, so a point may touch two areas or none: the locator prefers the area that nests in the
area found one level up, and a point just outside every area (within `TOLERANCE` degrees, about
2 km at the equator) goes to the nearest one, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.strtree import STRtree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pantau.store.models import AdminUnit, GazetteerVersion

TOLERANCE = 0.02  # degrees; how far outside the boundaries a point may be and still be placed


@dataclass
class Found:
    """Where one point fell: P-code per level, plus what the user should know about it."""

    pcodes: dict[int, str] = field(default_factory=dict)
    nearest: dict[int, str] = field(default_factory=dict)  # level -> P-code taken as nearest
    issues: list[str] = field(default_factory=list)  # levels that do not nest


@dataclass(frozen=True)
class _Level:
    tree: STRtree
    pcodes: list[str]
    parents: list[str | None]


def latest_version_id(s: Session, country: str) -> int | None:
    """The country's current gazetteer version: latest valid-from date, then latest import."""
    return s.scalar(
        select(GazetteerVersion.id)
        .where(GazetteerVersion.country_iso3 == country)
        .order_by(GazetteerVersion.valid_from.desc(), GazetteerVersion.id.desc())
        .limit(1)
    )


def geometry_key(s: Session, version_id: int) -> tuple[int, int]:
    """Changes whenever boundaries are added to a version, so a cached locator can be reused."""
    count, top = s.execute(
        select(func.count(AdminUnit.id), func.max(AdminUnit.id))
        .where(AdminUnit.version_id == version_id, AdminUnit.geometry.is_not(None))
    ).one()
    return int(count or 0), int(top or 0)


class Locator:
    """Point-in-polygon over one gazetteer version's boundaries, level by level."""

    def __init__(self, country: str, version_id: int | None,
                 units: Iterable[tuple[str, int, str | None, bytes]]) -> None:
        self.country = country
        self.version_id = version_id
        grouped: dict[int, tuple[list[str], list[str | None], list[bytes]]] = {}
        for pcode, level, parent, wkb in units:
            codes, parents, blobs = grouped.setdefault(level, ([], [], []))
            codes.append(pcode)
            parents.append(parent)
            blobs.append(wkb)
        self._levels: dict[int, _Level] = {}
        bounds = []
        for level, (codes, parents, blobs) in sorted(grouped.items()):
            geoms = shapely.from_wkb(blobs)
            shapely.prepare(geoms)
            self._levels[level] = _Level(STRtree(geoms), codes, parents)
            bounds.append(shapely.total_bounds(geoms))
        self.bounds: tuple[float, float, float, float] | None = None
        if bounds:
            b = np.array(bounds)
            self.bounds = (float(b[:, 0].min()), float(b[:, 1].min()),
                           float(b[:, 2].max()), float(b[:, 3].max()))

    @classmethod
    def load(cls, s: Session, country: str, version_id: int | None = None) -> Locator:
        """Build from the stored boundaries of a version (the latest when none is given)."""
        if version_id is None:
            version_id = latest_version_id(s, country)
        rows = s.execute(
            select(AdminUnit.pcode, AdminUnit.level, AdminUnit.parent_pcode, AdminUnit.geometry)
            .where(AdminUnit.version_id == version_id, AdminUnit.geometry.is_not(None))
        ) if version_id is not None else []
        return cls(country, version_id, ((p, lv, par, g) for p, lv, par, g in rows))

    @property
    def levels(self) -> list[int]:
        """Admin levels that have boundaries, top first."""
        return sorted(self._levels)

    def __bool__(self) -> bool:
        return bool(self._levels)

    # one point ---------------------------------------------------------------
    def locate(self, lon: float, lat: float) -> dict[int, str]:
        """Level → P-code for every level with boundaries that holds the point."""
        return self.locate_many([lon], [lat])[0].pcodes

    def contains_country(self, lon: float, lat: float) -> bool:
        """Whether the point lies in the country's top-level boundaries (with the tolerance)."""
        return bool(self.contains_country_many([lon], [lat])[0])

    # many points -------------------------------------------------------------
    def contains_country_many(self, lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
        """One bool per point: inside (or within `TOLERANCE` of) the top-level areas.

        The top level's areas together are the country, so a query against them answers the
        same as their union would, without building a union of thousands of vertices.
        """
        inside = np.zeros(len(lons), dtype=bool)
        if not self._levels or not len(lons):
            return inside
        top = self._levels[self.levels[0]]
        pairs = top.tree.query(shapely.points(lons, lats), predicate="dwithin",
                               distance=TOLERANCE)
        inside[pairs[0]] = True
        return inside

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Found]:
        """Locate many points with one STRtree query per level (the bulk path of an import)."""
        points = shapely.points(lons, lats)
        found = [Found() for _ in range(len(points))]
        chosen: list[dict[int, int]] = [{} for _ in range(len(points))]
        previous: int | None = None
        for level in self.levels:
            data = self._levels[level]
            candidates, nearest_only = self._candidates(data, points)
            for i, cands in enumerate(candidates):
                if not cands:
                    continue
                pick = cands[0]
                if previous is not None and previous in chosen[i]:
                    upper = self._levels[previous].pcodes[chosen[i][previous]]
                    nested = [c for c in cands if data.parents[c] == upper]
                    if nested:
                        pick = nested[0]
                    else:
                        found[i].issues.append(
                            f"admin-{level} area {data.pcodes[pick]} lies in "
                            f"{data.parents[pick] or 'no parent'}, not in the admin-{previous} "
                            f"area {upper} that holds the point")
                chosen[i][level] = pick
                found[i].pcodes[level] = data.pcodes[pick]
            for i in nearest_only:
                if level in chosen[i]:
                    found[i].nearest[level] = found[i].pcodes[level]
            previous = level
        return found

    def _candidates(self, data: _Level, points: np.ndarray) -> tuple[list[list[int]], list[int]]:
        """Indices of the areas holding each point; the nearest one for points just outside."""
        out: list[list[int]] = [[] for _ in range(len(points))]
        pairs = data.tree.query(points, predicate="intersects")
        for p, g in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            out[p].append(g)
        missing = np.array([i for i, c in enumerate(out) if not c], dtype=int)
        nearest_only: list[int] = []
        if len(missing):
            near = data.tree.query_nearest(points[missing], max_distance=TOLERANCE,
                                           all_matches=False)
            for p, g in zip(near[0].tolist(), near[1].tolist(), strict=True):
                out[int(missing[p])].append(g)
                nearest_only.append(int(missing[p]))
        return out, nearest_only
