"""The round report: one printable page per round (key figures, a map, tables by admin area,
reasons, needs, a methodology note), as HTML and as PDF.

The figures come from the dashboard views (`pantau.analytics.views`), so the report, the
pages and the JSON API can never disagree. The page is self-contained: the map is an SVG
drawn here on the server from the gazetteer's boundaries (shapely), the stylesheet is
inlined when asked, and there is no script — it prints the same from a browser, from
`pantau report round` and from `/…/report.pdf`.

PDF: Debian's Chromium prints the rendered HTML (`--headless --print-to-pdf`) from a
temporary file. A file, not a local server: nothing listens on a port, nothing is fetched
(the page references no other file), and no Python dependency is added — Playwright is only
a test dependency. Without Chromium the PDF is refused with a clear message (HTTP 503).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from pantau.analytics import views
from pantau.errors import PantauError
from pantau.store.models import Approval, Operation, Round
from pantau.web.dashboard import i18n

if TYPE_CHECKING:
    from pantau.workspace import Workspace

WEB = Path(__file__).resolve().parents[1] / "web"
STYLESHEET = WEB / "static" / "report.css"
CHROMIUM_ENV = "PANTAU_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
PDF_TIMEOUT = 120  # seconds: a report is one or a few pages
# Chromium processes printing at once: each takes a few hundred MB, and the PDF route is
# public for public operations, so requests beyond this wait for their turn.
PRINTING = threading.BoundedSemaphore(2)
# Sequential colours (ColorBrewer YlOrRd, 5 classes; light to dark = fewer to more IDPs)
COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#e0e0e0"
MAX_LABELS = 25  # more area names than this overlap: the tables name the areas
MAP_WIDTH = 640.0  # SVG user units; the page scales it to the column width


class NoChromium(PantauError):
    """The PDF needs a Chromium that is not installed: HTTP 503 (the service cannot, now)."""

    def __init__(self) -> None:
        super().__init__("invalid", message=(
            "the PDF of a round report is printed by headless Chromium, which is not "
            f"installed here: install it (Debian: apt-get install chromium) or set "
            f"{CHROMIUM_ENV} to its path; the HTML report works without it"))
        self.status = 503


# ---- data ----------------------------------------------------------------------------------
def report_data(ws: Workspace, operation: str, assessment_type: str,
                round_number: int) -> dict[str, Any]:
    """Everything the report shows, as plain data. An unknown operation, type or round is
    the views' clear error; a round without approved figures yields `source: None`."""
    kind = assessment_type.upper()
    overview = views.overview(ws, operation, kind, round_number)  # small cells hidden
    data: dict[str, Any] = {"status": overview["status"], "source": overview["source"]}
    if overview["source"] is None:
        return data
    by_level = {level: views.map_view(ws, operation, kind, round_number, level=level)
                for level in (1, 2)}
    needs = views.needs(ws, operation, kind, round_number)
    counts = by_level[2]["counts"]
    reasons = [r for r in overview["tables"]["reasons"]["rows"]
               if r["population_group"] == views.GROUP]
    data.update(
        idps=overview["idps"], change=overview["change"],
        others=[h for h in overview["headline"] if h["population_group"] != views.GROUP],
        areas1=by_level[1]["tables"]["areas"], areas2=by_level[2]["tables"]["areas"],
        map=map_svg(by_level[2]["areas"]["features"]),
        reasons={"columns": ["reason", "ind", "hh"], "rows": reasons},
        needs=needs["tables"]["sectors"] if needs.get("available") else None,
        method=methodology(ws, operation, kind, round_number, counts))
    # the views hide small cells (never `full`: a report is printed and passed on); the
    # note says whether a cell the report shows is one of them (the views' own count also
    # covers per-site figures, which the report does not show)
    shown = [data["idps"], data["change"], *data["others"], *data["areas1"]["rows"],
             *data["areas2"]["rows"], *reasons, *(data["needs"] or {}).get("rows", [])]
    data["method"]["suppressed_here"] = any(row and row.get("suppressed") for row in shown)
    return data


def methodology(ws: Workspace, operation: str, kind: str, number: int,
                counts: dict[str, int]) -> dict[str, Any]:
    """What a reader needs to judge the figures: the round's period and dates, coverage of
    the master list, the approvals, the gazetteer version and the small-cell rule."""
    rnd = next(r for r in ws.operations.rounds(operation, kind) if r.number == number)
    with ws.session() as s:  # approvals in force (not reopened), by admin level
        approved = dict(s.execute(
            select(Approval.level, func.count()).join(Round, Round.id == Approval.round_id)
            .join(Operation, Operation.id == Round.operation_id)
            .where(Operation.slug == operation, Round.assessment_type == kind,
                   Round.number == number, Approval.reopened_at.is_(None))
            .group_by(Approval.level)).all())
    return {"assessment_type": kind, "period_start": _iso(rnd.period_start),
            "period_end": _iso(rnd.period_end), "reporting_date": _iso(rnd.reporting_date),
            "gazetteer_version": rnd.gazetteer_version,
            "sites_assessed": counts.get("sites_assessed", 0),
            "sites_listed": counts.get("sites", 0),
            "approved_admin1": approved.get(1, 0), "approved_admin2": approved.get(2, 0),
            "min_cell": ws.publish.policy(operation).min_cell,
            "generated": dt.date.today().isoformat()}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# ---- map -----------------------------------------------------------------------------------
def classes(values: list[float]) -> list[float]:
    """Upper bounds of up to five classes of IDPs: quantiles of the areas' figures, so that
    each colour holds about as many areas (a few very large areas do not flatten the rest)."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return []
    bounds: list[float] = []
    for i in range(1, len(COLOURS) + 1):
        value = ordered[min(len(ordered) - 1, math.ceil(i * len(ordered) / len(COLOURS)) - 1)]
        if not bounds or value > bounds[-1]:
            bounds.append(value)
    return bounds


def _colour(value: float | None, bounds: list[float]) -> str:
    if value is None:
        return NO_DATA
    shift = len(COLOURS) - len(bounds)  # few classes: use the darker end of the scale
    for i, bound in enumerate(bounds):
        if value <= bound:
            return COLOURS[i + shift]
    return COLOURS[-1]


def map_svg(features: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The admin areas (GeoJSON features of `views.map_view`) as SVG paths coloured by IDPs,
    in an equirectangular projection scaled by the cosine of the mean latitude (true shapes
    at a province's scale); areas the gazetteer has no boundary for are circles at their
    centroid. None when nothing can be drawn."""
    shapes: list[tuple[dict[str, Any], BaseGeometry | None]] = []
    points: list[tuple[float, float]] = []
    for f in features:
        geometry = shape(f["geometry"]) if f.get("geometry") else None
        centroid = f["properties"].get("centroid")
        if geometry is not None and not geometry.is_empty:
            shapes.append((f, geometry))
            x0, y0, x1, y1 = geometry.bounds
            points += [(x0, y0), (x1, y1)]
        elif centroid:
            shapes.append((f, None))
            points.append((centroid[0], centroid[1]))
    if not points:  # the tables still hold every area's figures
        return None
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * stretch, north - south, 1e-6)
    scale = MAP_WIDTH / span
    pad = 8.0
    width = (east - west) * stretch * scale + 2 * pad
    height = (north - south) * scale + 2 * pad

    def xy(lon: float, lat: float) -> str:
        return f"{(lon - west) * stretch * scale + pad:.1f},{(north - lat) * scale + pad:.1f}"

    bounds = classes([f["properties"].get("ind") for f, _ in shapes])
    items: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []  # area names, where few enough areas to read them
    for f, geometry in shapes:
        props = f["properties"]
        fill = _colour(props.get("ind"), bounds)
        if geometry is None:
            lon, lat = props["centroid"]
            at = xy(lon, lat).split(",")
            items.append({"kind": "point", "at": at, "fill": fill,
                          "name": props.get("name"), "ind": props.get("ind")})
            labels.append({"at": [at[0], f"{float(at[1]) - 9:.1f}"], "name": props.get("name")})
            continue
        polygons = getattr(geometry, "geoms", [geometry])
        rings = [ring for p in polygons if p.geom_type == "Polygon"
                 for ring in (p.exterior, *p.interiors)]
        d = " ".join("M" + " L".join(xy(x, y) for x, y in ring.coords[:-1]) + " Z"
                     for ring in rings)
        items.append({"kind": "area", "d": d, "fill": fill, "name": props.get("name"),
                      "ind": props.get("ind")})
        largest = max(polygons, key=lambda p: p.area)
        labels.append({"at": xy(*largest.representative_point().coords[0]).split(","),
                        "name": props.get("name")})
    legend = []
    shift = len(COLOURS) - len(bounds)
    low = min((f["properties"]["ind"] for f, _ in shapes
               if f["properties"].get("ind") is not None), default=None)
    for i, bound in enumerate(bounds):
        legend.append({"fill": COLOURS[i + shift], "low": low if i == 0 else bounds[i - 1],
                       "high": bound, "first": i == 0})
    labels = [x for x in labels if x["name"]] if len(labels) <= MAX_LABELS else []
    return {"width": round(width, 1), "height": round(height, 1), "items": items,
            "labels": labels,
            "legend": legend, "no_data": NO_DATA,
            "has_no_data": any(f["properties"].get("ind") is None for f, _ in shapes),
            "points": sum(1 for _, g in shapes if g is None),
            "unmapped": len(features) - len(shapes)}


# ---- HTML ----------------------------------------------------------------------------------
@cache
def _environment() -> jinja2.Environment:
    """The web app's templates with the same language helpers, but no request: the CLI
    renders the report too. Autoescaped: an area name is text, whatever it contains."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB / "templates"),
                             autoescape=True)
    i18n.install(env)
    return env


def render_html(data: dict[str, Any], lang: str = i18n.DEFAULT, *, inline_css: bool = False,
                links: dict[str, str] | None = None) -> str:
    """The report page. `inline_css`: the stylesheet in the page (for a PDF printed from a
    file); else linked from /static. `links`: the screen-only toolbar (PDF, dashboard,
    languages), none in a file."""
    css = STYLESHEET.read_text(encoding="utf-8") if inline_css else None
    template = _environment().get_template("report/round.html")
    return template.render(**data, lang=lang if lang in i18n.LANGUAGES else i18n.DEFAULT,
                           css=css, links=links or {})


# ---- PDF -----------------------------------------------------------------------------------
def chromium() -> str | None:
    """The Chromium to print with: $PANTAU_CHROMIUM, else the first on PATH, else None."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        return named if Path(named).is_file() and os.access(named, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: str) -> bytes:
    """The page printed to PDF (A4, as the print stylesheet sets) by headless Chromium, from
    a temporary folder that is removed after; NoChromium when there is none."""
    browser = chromium()
    if browser is None:
        raise NoChromium
    with PRINTING, tempfile.TemporaryDirectory(prefix="pantau-report-") as folder:
        page, out = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [browser, "--headless", "--disable-gpu", "--no-first-run",
                   "--disable-extensions", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={out}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        try:
            done = subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PantauError("invalid", message=f"Chromium ({browser}) did not print the "
                              f"report within {PDF_TIMEOUT} s") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PantauError("invalid", message=f"Chromium ({browser}) printed no PDF "
                              f"(exit {done.returncode}): {' / '.join(tail) or 'no message'}")
        return out.read_bytes()


def round_report_pdf(ws: Workspace, operation: str, assessment_type: str, round_number: int,
                     lang: str = i18n.DEFAULT) -> bytes:
    """The round report as PDF bytes (see `print_pdf`)."""
    if chromium() is None:  # before the queries: say it at once
        raise NoChromium
    data = report_data(ws, operation, assessment_type, round_number)
    return print_pdf(render_html(data, lang, inline_css=True))
