"""Read boundary files — GeoJSON, GeoPackage, Shapefile (or a .zip of one) — as plain features.

No GDAL: GeoJSON is JSON, a GeoPackage is SQLite (a small binary header in front of WKB) and
pyshp reads shapefiles. Every layer of a GeoPackage or zip is read, so a COD-AB package with
one layer per admin level imports in one go. Coordinates must be WGS 84 longitude/latitude.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from pantau.errors import PantauError, Problem, Problems

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


@dataclass
class Feature:
    source: str  # file (and layer) name, for messages
    number: int  # 1-based position in its layer
    properties: dict[str, Any]
    geometry: BaseGeometry | None


def read_features(path: Path, problems: Problems) -> list[Feature]:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _geojson(path, problems)
    if suffix == ".gpkg":
        return _gpkg(path, problems)
    if suffix == ".shp":
        files = {p.suffix.lower(): p.read_bytes() for p in path.parent.glob(path.stem + ".*")}
        return _shapefile(path.name, files, problems)
    if suffix == ".zip":
        return _zip(path, problems)
    raise PantauError("unreadable_file", source=path.name, message="not a boundary file")


def _unreadable(path: Path, why: str) -> PantauError:
    return PantauError("unreadable_file", source=path.name, message=why)


# GeoJSON ---------------------------------------------------------------------------------
def _geojson(path: Path, problems: Problems) -> list[Feature]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _unreadable(path, f"not valid GeoJSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        raise _unreadable(path, "not a GeoJSON FeatureCollection")
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs and not any(k in crs.upper() for k in ("CRS84", "4326")):
        problems.add(f"the file declares the coordinate system {crs}; pantau needs WGS 84 "
                     "longitude/latitude (EPSG:4326): reproject it first", None, "crs")
    items = data.get("features", []) if data["type"] == "FeatureCollection" else [data]
    out = []
    for i, item in enumerate(items, start=1):
        geom = None
        if isinstance(item, dict) and item.get("geometry"):
            try:
                geom = shape(item["geometry"])
            except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
                problems.add("the geometry cannot be read", i, "geometry")
                continue
        props = item.get("properties") if isinstance(item, dict) else None
        out.append(Feature(path.name, i, props or {}, geom))
    return out


# GeoPackage ------------------------------------------------------------------------------
def _gpkg(path: Path, problems: Problems) -> list[Feature]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        layers = conn.execute("SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
                              "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                              "WHERE c.data_type = 'features' ORDER BY c.table_name").fetchall()
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, f"not a GeoPackage ({exc})") from exc
    out: list[Feature] = []
    try:
        for table, column, srs_id in layers:
            source = f"{path.name} (layer {table})"
            if not _geographic_srs(conn, srs_id):
                problems.items.append(Problem(source, f"the layer uses coordinate system {srs_id}"
                                              "; pantau needs WGS 84 longitude/latitude "
                                              "(EPSG:4326): reproject it first", None, column))
                continue
            cur = conn.execute(f'SELECT * FROM "{table}"')  # names come from gpkg_contents
            names = [d[0] for d in cur.description]
            for i, values in enumerate(cur, start=1):
                props = dict(zip(names, values, strict=True))
                blob = props.pop(column, None)
                try:
                    geom = _gpkg_geometry(blob)
                except (ValueError, struct.error, shapely.errors.ShapelyError):
                    problems.items.append(Problem(source, "the geometry cannot be read", i,
                                                  column))
                    continue
                out.append(Feature(source, i, props, geom))
    finally:
        conn.close()
    if not layers:
        problems.add("the GeoPackage has no feature layer")
    return out


def _geographic_srs(conn: sqlite3.Connection, srs_id: int) -> bool:
    if srs_id == 4326:
        return True
    row = conn.execute("SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
                       (srs_id,)).fetchone()
    definition = (row[0] if row else "") or ""
    return definition.lstrip().upper().startswith(("GEOGCS", "GEOGCRS"))


def _gpkg_geometry(blob: bytes | None) -> BaseGeometry | None:
    """GeoPackage binary: 'GP', version, flags, srs_id, optional envelope, then WKB."""
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP":
        raise ValueError("not GeoPackage geometry")
    flags = blob[3]
    envelope = _ENVELOPE.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad envelope")
    if flags & 0b10000:  # empty geometry
        return None
    return shapely.from_wkb(blob[8 + envelope:])


# Shapefile -------------------------------------------------------------------------------
def _zip(path: Path, problems: Problems) -> list[Feature]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise _unreadable(path, "not a readable zip file") from exc
    with archive:
        members = [n for n in archive.namelist() if not n.startswith("__MACOSX")]
        shps = sorted(n for n in members if n.lower().endswith(".shp"))
        if not shps:
            raise _unreadable(path, "the zip holds no shapefile (.shp)")
        out: list[Feature] = []
        for shp in shps:
            stem = shp[:-4]
            files = {n[len(stem):].lower(): archive.read(n) for n in members
                     if n.startswith(stem + ".")}
            out += _shapefile(f"{path.name} ({Path(shp).name})", files, problems)
        return out


def _shapefile(source: str, files: dict[str, bytes], problems: Problems) -> list[Feature]:
    import shapefile

    if ".dbf" not in files:
        raise PantauError("unreadable_file", source=source,
                          message="the .dbf file with the attributes is missing beside the .shp")
    prj = files.get(".prj", b"").decode("latin-1").strip().upper()
    if prj and not prj.startswith(("GEOGCS", "GEOGCRS")):
        problems.items.append(Problem(source, "the .prj file declares a projected coordinate "
                                      "system; pantau needs WGS 84 longitude/latitude "
                                      "(EPSG:4326): reproject it first", None, ".prj"))
        return []
    encoding = files.get(".cpg", b"utf-8").decode("ascii", "replace").strip() or "utf-8"
    for enc in (encoding, "latin-1"):
        try:
            reader = shapefile.Reader(shp=io.BytesIO(files[".shp"]), dbf=io.BytesIO(files[".dbf"]),
                                      shx=io.BytesIO(files[".shx"]) if ".shx" in files else None,
                                      encoding=enc)
            records = list(reader.iterShapeRecords())
            break
        except (UnicodeDecodeError, LookupError):
            continue
        except (shapefile.ShapefileException, struct.error) as exc:
            raise PantauError("unreadable_file", source=source,
                              message=f"not a readable shapefile ({exc})") from exc
    out = []
    for i, item in enumerate(records, start=1):
        geo = item.shape.__geo_interface__ if item.shape.shapeType else None
        out.append(Feature(source, i, item.record.as_dict(), shape(geo) if geo else None))
    return out
