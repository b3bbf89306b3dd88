"""Writers for the files users bring: COD-AB CSV/XLSX, GeoJSON, GeoPackage, zipped shapefiles.

The GeoPackage writer follows the OGC spec (gpkg_spatial_ref_sys, gpkg_contents,
gpkg_geometry_columns, GP header + WKB) with nothing but sqlite3, so the reader is tested
against a real file layout rather than against itself.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

WGS84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
         'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]')
UTM50S = ('PROJCS["WGS 84 / UTM zone 50S",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",'
          '6378137,298.257223563]]],PROJECTION["Transverse_Mercator"],UNIT["metre",1]]')

# Simplified, real-shaped areas around Palu (Sulawesi Tengah, ID72) and Sulawesi Barat (ID76)
ADM2 = {
    "ID7271": ("Kota Palu", "ID72", box(119.80, -0.98, 119.95, -0.70)),
    "ID7205": ("Donggala", "ID72", Polygon([(119.40, -0.98), (119.80, -0.98), (119.80, -0.70),
                                            (120.10, -0.70), (120.10, 0.30), (119.40, 0.30)])),
    "ID7210": ("Sigi", "ID72", box(119.40, -1.80, 120.40, -0.98)),
    "ID7604": ("Mamuju", "ID76", box(118.80, -2.90, 119.40, -1.80)),
}
ADM1 = {"ID72": ("Sulawesi Tengah", box(119.40, -1.80, 120.40, 0.30)),
        "ID76": ("Sulawesi Barat", box(118.80, -2.90, 119.40, -0.98))}


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def adm2_props(code: str) -> dict[str, Any]:
    name, parent, _ = ADM2[code]
    return {"ADM2_PCODE": code, "ADM2_EN": name, "ADM1_PCODE": parent,
            "ADM1_EN": ADM1[parent][0], "ADM0_PCODE": "ID", "ADM0_EN": "Indonesia",
            "validOn": "2020-04-01"}


def geojson(path: Path, features: list[tuple[dict[str, Any], BaseGeometry | None]],
            crs: str | None = None) -> Path:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": mapping(geom) if geom is not None else None} for props, geom in features]}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _gp_blob(geom: BaseGeometry, srs_id: int) -> bytes:
    flags = 0b00000011  # little-endian header, envelope [minx, maxx, miny, maxy]
    minx, miny, maxx, maxy = geom.bounds
    return (b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
            + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geom))


def gpkg(path: Path, layers: dict[str, list[tuple[dict[str, Any], BaseGeometry]]],
         srs_id: int = 4326) -> Path:
    """A GeoPackage with one polygon layer per entry of `layers`."""
    con = sqlite3.connect(path)
    con.executescript("""
        PRAGMA application_id = 1196444487;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME,
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
            m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
    """)
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, ?, '')",
                (WGS84,))
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('UTM 50S', 32750, 'EPSG', 32750, ?, "
                "'')", (UTM50S,))
    for name, feats in layers.items():
        keys = list(dict.fromkeys(k for props, _ in feats for k in props))
        cols = ", ".join(f'"{k}" TEXT' for k in keys)
        con.execute(f'CREATE TABLE "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
                    f'geom MULTIPOLYGON, {cols})')
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                    "VALUES (?, 'features', ?, ?)", (name, name, srs_id))
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', ?, 0, "
                    "0)", (name, srs_id))
        marks = ", ".join("?" for _ in keys)
        names = ", ".join(f'"{k}"' for k in keys)
        for props, geom in feats:
            con.execute(f'INSERT INTO "{name}" (geom, {names}) VALUES (?, {marks})',
                        [_gp_blob(geom, srs_id)] + [props.get(k) for k in keys])
    con.commit()
    con.close()
    return path


def zipped_shapefile(path: Path, feats: list[tuple[dict[str, Any], BaseGeometry]],
                     prj: str = WGS84, encoding: str = "utf-8") -> Path:
    """A .zip holding one shapefile (.shp, .shx, .dbf, .prj, .cpg), as HDX distributes them."""
    import shapefile

    stem = path.with_suffix("")
    keys = list(dict.fromkeys(k for props, _ in feats for k in props))
    with shapefile.Writer(str(stem), shapeType=shapefile.POLYGON, encoding=encoding) as w:
        for k in keys:
            w.field(k[:10], "C", 100)
        for props, geom in feats:
            rings = [list(p.exterior.coords)[::-1] for p in shapely.get_parts(geom)]
            w.poly(rings)
            w.record(*[props.get(k) or "" for k in keys])
    stem.with_suffix(".prj").write_text(prj)
    stem.with_suffix(".cpg").write_text(encoding)
    with zipfile.ZipFile(path, "w") as z:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            z.write(stem.with_suffix(ext), "idn_adm2" + ext)
    return path
