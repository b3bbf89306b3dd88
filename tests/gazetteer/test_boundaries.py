"""Boundaries as GeoJSON, GeoPackage and zipped Shapefile: stored, attached, checked."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from pantau.errors import ImportFailed
from tests.gazetteer.files import (
    ADM1,
    ADM2,
    UTM50S,
    adm2_props,
    geojson,
    gpkg,
    write_csv,
    zipped_shapefile,
)

IDN_LIST = [["Location", "Admin Level", "P-Code", "Name", "Parent P-Code", "Valid from date"],
            ["#country+code", "#geo+admin_level", "#adm+code", "#adm+name", "#adm+code+parent",
             "#date+start"],
            ["IDN", "1", "ID72", "Sulawesi Tengah", "IDN", "2020-04-01"],
            ["IDN", "1", "ID76", "Sulawesi Barat", "IDN", "2020-04-01"],
            ["IDN", "2", "ID7271", "Kota Palu", "ID72", "2020-04-01"],
            ["IDN", "2", "ID7205", "Donggala", "ID72", "2020-04-01"]]


def _adm2_features(codes=tuple(ADM2)):
    return [(adm2_props(c), ADM2[c][2]) for c in codes]


def test_geojson_adm1_then_adm2_into_one_version(ws, tmp_path):
    adm1 = geojson(tmp_path / "idn_adm1.geojson", [
        ({"ADM1_PCODE": c, "ADM1_EN": n, "ADM0_PCODE": "ID"}, g) for c, (n, g) in ADM1.items()])
    first = ws.gazetteer.import_file(adm1, label="cod-ab", valid_from=dt.date(2020, 4, 1))
    assert (first.kind, first.countries[0].added, first.countries[0].with_geometry) == (
        "boundaries", {1: 2}, 2)
    second = ws.gazetteer.import_file(geojson(tmp_path / "idn_adm2.json", _adm2_features()),
                                      label="cod-ab")
    c = second.countries[0]
    assert (c.action, c.added, c.with_geometry) == ("added to", {2: 4}, 4)
    palu = ws.gazetteer.unit("ID7271")
    lon, lat = palu.centroid
    assert palu.has_geometry and ADM2["ID7271"][2].contains(shapely.Point(lon, lat))
    wkbs = dict(ws.gazetteer.geometries("IDN", 2))
    assert set(wkbs) == set(ADM2)
    assert shapely.from_wkb(wkbs["ID7205"]).equals(ADM2["ID7205"][2])
    assert [p for p, _ in ws.gazetteer.geometries("IDN", 1)] == ["ID72", "ID76"]
    assert ws.gazetteer.versions("IDN")[0].with_geometry == 6


def test_boundaries_attach_to_the_hdx_version(ws, tmp_path):
    ws.gazetteer.import_file(write_csv(tmp_path / "pcodes.csv", IDN_LIST))
    feats = _adm2_features()
    feats[0][0]["ADM2_EN"] = "Palu"
    result = ws.gazetteer.import_file(geojson(tmp_path / "adm2.geojson", feats))
    c = result.countries[0]
    # validOn 2020-04-01 names the existing version: two units get boundaries, two are new
    assert (c.label, c.action, c.added, c.with_geometry) == ("2020-04-01", "added to",
                                                             {2: 2}, 4)
    assert len(ws.gazetteer.versions()) == 1
    palu = ws.gazetteer.unit("ID7271")
    assert palu.name == "Kota Palu" and palu.has_geometry  # the gazetteer's name is kept
    assert any("ID7271 is named 'Palu' here and 'Kota Palu' in the gazetteer" in str(w)
               for w in result.warnings)


def test_geopackage_with_a_layer_per_level(ws, tmp_path):
    path = gpkg(tmp_path / "idn.gpkg", {
        "idn_admbnda_adm1": [({"ADM1_PCODE": c, "ADM1_EN": n, "ADM0_PCODE": "ID",
                               "validOn": "2020-04-01"}, g) for c, (n, g) in ADM1.items()],
        "idn_admbnda_adm2": _adm2_features(),
    })
    result = ws.gazetteer.import_file(path)
    c = result.countries[0]
    assert (c.label, c.added, c.with_geometry) == ("2020-04-01", {1: 2, 2: 4}, 6)
    sigi = ws.gazetteer.unit("ID7210")
    assert sigi.parent_pcode == "ID72" and sigi.has_geometry
    assert shapely.from_wkb(dict(ws.gazetteer.geometries("IDN", 1))["ID76"]).equals(
        ADM1["ID76"][1])


def test_zipped_shapefile(ws, tmp_path):
    feats = _adm2_features()
    feats[0][0]["ADM2_EN"] = "Kota Palu – Tondo"  # non-ASCII through the .dbf
    result = ws.gazetteer.import_file(zipped_shapefile(tmp_path / "idn_adm2.zip", feats))
    assert result.countries[0].added == {1: 2, 2: 4}
    assert ws.gazetteer.unit("ID7271").name == "Kota Palu – Tondo"
    assert shapely.from_wkb(dict(ws.gazetteer.geometries("IDN", 2))["ID7604"]).equals(
        ADM2["ID7604"][2])


def test_invalid_polygon_is_repaired_with_a_warning(ws, tmp_path):
    bowtie = Polygon([(119.8, -0.98), (119.95, -0.7), (119.95, -0.98), (119.8, -0.7)])
    feats = [(adm2_props("ID7271"), bowtie)]
    result = ws.gazetteer.import_file(geojson(tmp_path / "x.geojson", feats))
    assert any("invalid (Self-intersection" in str(w) and "repaired" in str(w)
               for w in result.warnings)
    geom = shapely.from_wkb(dict(ws.gazetteer.geometries("IDN", 2))["ID7271"])
    assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")


def test_feature_without_geometry_is_kept_with_a_warning(ws, tmp_path):
    feats = [(adm2_props("ID7271"), None), (adm2_props("ID7205"), ADM2["ID7205"][2])]
    result = ws.gazetteer.import_file(geojson(tmp_path / "x.geojson", feats))
    assert any("ID7271 has no geometry" in str(w) for w in result.warnings)
    assert not ws.gazetteer.unit("ID7271").has_geometry


def _projected(geom):
    return shapely.affinity.scale(geom, 100_000, 100_000, origin=(0, 0))


@pytest.mark.parametrize("write, expected", [
    (lambda p: geojson(p / "x.geojson", [(adm2_props("ID7271"),
                                          _projected(ADM2["ID7271"][2]))]),
     "they look projected (metres)"),
    (lambda p: geojson(p / "x.geojson", _adm2_features(), crs="urn:ogc:def:crs:EPSG::32750"),
     "declares the coordinate system urn:ogc:def:crs:EPSG::32750"),
    (lambda p: gpkg(p / "x.gpkg", {"adm2": _adm2_features()}, srs_id=32750),
     "the layer uses coordinate system 32750"),
    (lambda p: zipped_shapefile(p / "x.zip", _adm2_features(), prj=UTM50S),
     "the .prj file declares a projected coordinate system"),
    (lambda p: geojson(p / "x.geojson", [(adm2_props("ID7271"),
                                          LineString([(119.8, -0.9), (119.9, -0.8)]))]),
     "row 1, field 'geometry': ID7271: the geometry is a LineString"),
    (lambda p: geojson(p / "x.geojson", [({"NAME": "Palu"}, box(119.8, -1, 119.9, -0.9))]),
     "no P-code property"),
    (lambda p: geojson(p / "x.geojson", [(adm2_props("ID7271"), ADM2["ID7271"][2]),
                                         (adm2_props("ID7271"), ADM2["ID7205"][2])]),
     "P-code ID7271 appears twice (row 1 and row 2)"),
])
def test_bad_boundaries_change_nothing(ws, tmp_path, write, expected):
    with pytest.raises(ImportFailed) as exc:
        ws.gazetteer.import_file(write(tmp_path))
    assert expected in exc.value.details()
    assert ws.gazetteer.versions() == []


def test_unreadable_boundary_files(cli, tmp_path):
    (tmp_path / "x.geojson").write_text("{not json")
    out = cli("gazetteer", "import", tmp_path / "x.geojson", ok=False)
    assert out.exit_code == 1 and "not valid GeoJSON" in out.output
    (tmp_path / "x.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    out = cli("gazetteer", "import", tmp_path / "x.zip", ok=False)
    assert "no shapefile" in out.output
    (tmp_path / "x.gpkg").write_text("not sqlite")
    assert "not a GeoPackage" in cli("gazetteer", "import", tmp_path / "x.gpkg", ok=False).output


def test_boundaries_level_must_match_the_gazetteer(ws, tmp_path):
    ws.gazetteer.import_file(write_csv(tmp_path / "pcodes.csv", IDN_LIST))
    wrong = [({"ADM1_PCODE": "ID7271", "ADM1_EN": "Kota Palu", "validOn": "2020-04-01"},
              ADM2["ID7271"][2])]
    with pytest.raises(ImportFailed) as exc:
        ws.gazetteer.import_file(geojson(tmp_path / "x.geojson", wrong), country="IDN")
    assert "ID7271 is admin-1 here but admin-2 in the gazetteer" in exc.value.details()
    assert not ws.gazetteer.unit("ID7271").has_geometry


def test_cli_import_boundaries(cli, tmp_path):
    path = gpkg(tmp_path / "idn.gpkg", {"adm2": _adm2_features()})
    out = cli("gazetteer", "import", path, "--label", "bps-2020").output
    assert "bps-2020" in out and "created" in out and "boundaries" in out
    out = cli("gazetteer", "units", "IDN", "--level", "2").output
    assert "Kota Palu" in out and "yes" in out
