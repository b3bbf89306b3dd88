"""Make a boundary storable: polygons only, valid, 2D, in longitude/latitude.

The point stored with each area is shapely's `representative_point`, not the centroid: the
centroid of a crescent-shaped or island district can fall outside it (in the sea, in the
neighbour), and maps put the label and the "zoom to" marker on that point.
"""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

from pantau.gazetteer.records import Geometry

POLYGONAL = ("Polygon", "MultiPolygon")


class GeometryProblem(ValueError):
    """A boundary that cannot be stored; the message says why."""


def looks_projected(bounds: tuple[float, float, float, float]) -> bool:
    """Coordinates outside ±180/±90 are metres or feet of a projected system, not degrees."""
    min_x, min_y, max_x, max_y = bounds
    return min_x < -180.0001 or max_x > 180.0001 or min_y < -90.0001 or max_y > 90.0001


def projected_message(bounds: tuple[float, float, float, float]) -> str:
    min_x, min_y, max_x, max_y = bounds
    return (f"coordinates reach x {min_x:,.0f} … {max_x:,.0f}, y {min_y:,.0f} … {max_y:,.0f}: "
            "they look projected (metres), not longitude/latitude; reproject the file to "
            "WGS 84 (EPSG:4326) first, e.g. `ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg`")


def prepare(geom: BaseGeometry) -> tuple[Geometry, str | None]:
    """The storable form of a boundary and a warning when it had to be repaired."""
    warning = None
    if geom.geom_type not in POLYGONAL and geom.geom_type != "GeometryCollection":
        raise GeometryProblem(f"the geometry is a {geom.geom_type}; admin boundaries must be "
                              "polygons")
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = _polygons_only(shapely.make_valid(geom))
        warning = f"the boundary was invalid ({reason}) and was repaired"
    elif geom.geom_type == "GeometryCollection":
        geom = _polygons_only(geom)
    if geom.is_empty:
        raise GeometryProblem("the boundary holds no polygon")
    min_x, min_y, max_x, max_y = geom.bounds
    if looks_projected((min_x, min_y, max_x, max_y)):
        raise GeometryProblem(projected_message((min_x, min_y, max_x, max_y)))
    point = geom.representative_point()
    return Geometry(shapely.to_wkb(geom), min_x, min_y, max_x, max_y, point.x, point.y), warning


def _polygons_only(geom: BaseGeometry) -> BaseGeometry:
    """make_valid may return lines or points beside the polygons (collapsed slivers): drop them."""
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL]
    polys: list[BaseGeometry] = []
    for part in parts:
        polys.extend(shapely.get_parts(part))
    if not polys:
        return shapely.geometry.Polygon()
    return shapely.multipolygons(polys) if len(polys) > 1 else polys[0]
