"""Throughput of `ws.sites.import_file` with point-in-polygon, and the STRtree against a naive scan.

    python benchmarks/sites.py [--sites 10000] [--grid 20] [--database-url URL]

Builds a grid of admin-2 polygons (grid × grid cells, each densified to about 400 vertices as
real boundaries are, grouped 5 × 5 into admin-1 areas), loads it into a fresh workspace,
imports a master list of random sites inside it, imports it again (all unchanged), then times
locating the same points with the locator's bulk STRtree query and with a naive loop that tests
every polygon of every level for every point. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import shapely
from shapely.geometry import box, mapping

from pantau.config import Settings
from pantau.gazetteer.locate import Locator
from pantau.workspace import Workspace

WEST, SOUTH, CELL = 110.0, -5.0, 0.25  # degrees; a grid in Indonesia's extent


def grid_units(n: int) -> list[tuple[str, int, str, shapely.Geometry]]:
    """(P-code, level, parent, polygon) for n × n districts in (n/5)² provinces."""
    units = []
    per = 5
    for pi in range(0, n, per):
        for pj in range(0, n, per):
            adm1 = f"ID{10 + (pi // per) * ((n + per - 1) // per) + pj // per}"
            outer = box(WEST + pi * CELL, SOUTH + pj * CELL,
                        WEST + min(pi + per, n) * CELL, SOUTH + min(pj + per, n) * CELL)
            units.append((adm1, 1, "IDN", shapely.segmentize(outer, CELL / 25)))
            for i in range(pi, min(pi + per, n)):
                for j in range(pj, min(pj + per, n)):
                    cell = box(WEST + i * CELL, SOUTH + j * CELL, WEST + (i + 1) * CELL,
                               SOUTH + (j + 1) * CELL)
                    units.append((f"{adm1}{i % per}{j % per}", 2, adm1,
                                  shapely.segmentize(cell, CELL / 100)))
    return units


def load_boundaries(ws: Workspace, folder: Path, units: list) -> None:  # type: ignore[type-arg]
    """Through the public gazetteer import when it is there, else straight into the store."""
    if hasattr(ws.gazetteer, "import_file"):
        for level in (1, 2):
            features = [{"type": "Feature", "geometry": mapping(g), "properties": {
                f"ADM{level}_PCODE": code, f"ADM{level}_EN": code,
                **({"ADM1_PCODE": parent, "ADM1_EN": parent} if level == 2 else {})}}
                for code, lv, parent, g in units if lv == level]
            path = folder / f"grid_adm{level}.geojson"
            path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
            ws.gazetteer.import_file(path, country="IDN", label="grid")
        return
    import datetime as dt

    from pantau.store.models import AdminUnit, GazetteerVersion

    with ws.session() as s:
        v = GazetteerVersion(country_iso3="IDN", label="grid", valid_from=dt.date(2020, 1, 1),
                             source="boundaries")
        s.add(v)
        s.flush()
        s.add_all(AdminUnit(version_id=v.id, country_iso3="IDN", level=lv, pcode=code,
                            name=code, parent_pcode=parent, geometry=shapely.to_wkb(g))
                  for code, lv, parent, g in units)


def naive_locate(units: list, lons: list[float], lats: list[float]) -> list[dict[int, str]]:  # type: ignore[type-arg]
    """The baseline: every polygon of every level against every point, no index."""
    prepared = []
    for code, level, _, geom in units:
        shapely.prepare(geom)
        prepared.append((code, level, geom))
    out = []
    for lon, lat in zip(lons, lats, strict=True):
        point = shapely.Point(lon, lat)
        found: dict[int, str] = {}
        for code, level, geom in prepared:
            if level not in found and geom.intersects(point):
                found[level] = code
        out.append(found)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--grid", type=int, default=20, help="districts per side")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings.load(workspace=folder / "ws", database_url=args.database_url
                                 or f"sqlite:///{folder / 'ws' / 'pantau.db'}")
        ws = Workspace.init(settings)
        ws.operations.create("bench", "IDN", "Benchmark")
        units = grid_units(args.grid)
        load_boundaries(ws, folder, units)
        rng = random.Random(2018)
        span = args.grid * CELL
        lons = [WEST + rng.random() * span for _ in range(args.sites)]
        lats = [SOUTH + rng.random() * span for _ in range(args.sites)]
        src = folder / "sites.csv"
        with src.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["Site ID", "Site Name", "Type", "Latitude", "Longitude"])
            w.writerows([f"S{i:05d}", f"Site {i}", "camp", lat, lon]
                        for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)))
        polygons = len(units)
        store = "PostgreSQL" if args.database_url else "SQLite"
        vertices = int(sum(shapely.get_num_coordinates(g) for *_, g in units) / polygons)
        print(f"# {args.sites:,} sites, {polygons} polygons (~{vertices} vertices each), "
              f"{store}, Python {sys.version.split()[0]}, shapely {shapely.__version__}")

        t = time.perf_counter()
        first = ws.sites.import_file("bench", src)
        dt_import = time.perf_counter() - t
        assert first.created == args.sites, first
        print(f"sites import, new (STRtree point-in-polygon): {dt_import:.2f} s, "
              f"{args.sites / dt_import:,.0f} sites/s")
        t = time.perf_counter()
        again = ws.sites.import_file("bench", src)
        dt_again = time.perf_counter() - t
        assert again.unchanged == args.sites, again
        print(f"sites re-import, all unchanged: {dt_again:.2f} s, "
              f"{args.sites / dt_again:,.0f} sites/s")

        with ws.session() as s:
            t = time.perf_counter()
            locator = Locator.load(s, "IDN")
            dt_build = time.perf_counter() - t
        t = time.perf_counter()
        fast = [f.pcodes for f in locator.locate_many(lons, lats)]
        dt_fast = time.perf_counter() - t
        t = time.perf_counter()
        slow = naive_locate(units, lons, lats)
        dt_slow = time.perf_counter() - t
        assert fast == slow, "the STRtree and the naive scan disagree"
        print(f"locator build (load WKB, STRtree per level): {dt_build:.2f} s")
        print(f"point-in-polygon, STRtree bulk query: {dt_fast:.3f} s, "
              f"{args.sites / dt_fast:,.0f} points/s")
        print(f"point-in-polygon, naive loop over all polygons (baseline): {dt_slow:.2f} s, "
              f"{args.sites / dt_slow:,.0f} points/s ({dt_slow / dt_fast:,.0f}× slower)")
        ws.close()


if __name__ == "__main__":
    main()
