"""First render of the dashboard pages in headless Chromium on loopback (navigation timing).

    python benchmarks/pages.py [--sites 5000] [--runs 5]

Builds the demo workspace (the Central Sulawesi operation, its analytics refreshed), then a
second one with the master list grown to `--sites` sites (the extra sites are random points
in the demo's regencies, imported through `ws.sites.import_file`, so the map draws and
clusters them all; they have no assessments, which changes nothing for the page's queries
but the site list). Setup is not timed. Each page is then opened `--runs` times, each in a
fresh browser context (empty cache: every vendored script is fetched and parsed again),
served by uvicorn on 127.0.0.1, and timed by the browser's own navigation timing:

- `load`: navigation start → the end of the load event (HTML, styles, scripts run, charts
  drawn, the map and its clusters drawn — the scripts run before `load`);
- `fcp`: first contentful paint.

Baseline in the same run: the home page (no scripts) and the map of the demo as it is (300
sites). Goal: < 1 s for the overview and for the map with 5,000 sites. Prints one line per
figure (median and slowest of the runs) and the load average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

import shapely

from pantau.config import Settings
from pantau.demo import build
from pantau.demo.scenario import SLUG
from pantau.web import create_app
from pantau.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.serving import serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const p = performance.getEntriesByName('first-contentful-paint')[0];
  return {load: n.loadEventEnd, fcp: p ? p.startTime : null, bytes: n.transferSize};
}"""


def demo(folder: Path) -> Workspace:
    settings = Settings.load(workspace=folder, database_url=f"sqlite:///{folder / 'pantau.db'}")
    build(settings)
    ws = Workspace.open(settings)
    ws.access.set_public(SLUG, True)
    return ws


def grow(ws: Workspace, sites: int, folder: Path) -> int:
    """Add random sites inside the demo's regencies until the master list holds `sites`."""
    existing = len(ws.sites.list(SLUG))
    shapes = [shapely.from_wkb(w) for _, w in ws.gazetteer.geometries("IDN", 2)]
    land = shapely.union_all(shapes)
    shapely.prepare(land)
    west, south, east, north = land.bounds
    rng = random.Random(7)
    path = folder / "more-sites.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Site ID", "Site Name", "Type", "Latitude", "Longitude"])
        added = 0
        while added < sites - existing:
            lon, lat = round(rng.uniform(west, east), 5), round(rng.uniform(south, north), 5)
            if not land.contains(shapely.Point(lon, lat)):
                continue
            out.writerow([f"BEN-{added:05d}", f"Benchmark site {added}", "camp", lat, lon])
            added += 1
    ws.sites.import_file(SLUG, path, changed_by="benchmark", source="benchmarks/pages.py")
    return sites


def measure(url: str, paths: dict[str, str], runs: int) -> dict[str, list[dict[str, float]]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for name, path in paths.items():
            for _ in range(runs + 1):  # the first run warms the server, not counted
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(url + path, wait_until="load")
                page.wait_for_timeout(200)  # let the paint entries be recorded
                results[name].append(page.evaluate(TIMING))
                context.close()
            results[name] = results[name][1:]
        browser.close()
    return results


def report(label: str, timings: list[dict[str, float]], goal: float | None = None) -> None:
    load = [t["load"] for t in timings]
    fcp = [t["fcp"] for t in timings if t["fcp"] is not None]
    verdict = "" if goal is None else (" — goal < 1 s: met" if statistics.median(load) < goal
                                        else " — goal < 1 s: NOT met")
    paint = statistics.median(fcp) if fcp else float("nan")
    print(f"{label:<44} load median {statistics.median(load):6.0f} ms (slowest "
          f"{max(load):5.0f})  first paint median {paint:5.0f} ms  "
          f"HTML {timings[0]['bytes'] / 1024:6.0f} KiB{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = demo(Path(tmp) / "demo")
        big = demo(Path(tmp) / "big")
        sites = grow(big, args.sites, Path(tmp))
        pages = {"home": "/", "overview": f"/operations/{SLUG}",
                 "map": f"/operations/{SLUG}/map"}
        with serve(create_app(small, secure_cookies=False)) as url:
            base = measure(url, pages, args.runs)
        with serve(create_app(big, secure_cookies=False)) as url:
            grown = measure(url, {"map": pages["map"], "overview": pages["overview"]},
                            args.runs)
        small.close()
        big.close()
    print(f"first render, headless Chromium on loopback, {args.runs} runs each, fresh "
          f"context (empty cache); load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} CPUs")
    report("baseline: home page (no scripts)", base["home"])
    report("baseline: map, demo (300 sites)", base["map"])
    report("overview (demo)", base["overview"], 1000)
    report(f"overview, {sites:,} sites in the master list", grown["overview"], 1000)
    report(f"map, {sites:,} sites", grown["map"], 1000)


if __name__ == "__main__":
    main()
