"""`ws.publish.export` and `pantau export`: every format, HXL read back with libhxl."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import hxl
import openpyxl
import pytest
import shapely
from shapely.geometry import shape

from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.gazetteer.files import ADM2

D1, D2 = dt.date(2018, 10, 5), dt.date(2018, 11, 5)


@pytest.fixture
def op(ws: Workspace, tmp_path: Path) -> Workspace:
    sc.build(ws, tmp_path)
    sc.site(ws, D1, "S1", "ID7271", hh=100, ind=450, f=(10, 20, 100, 5), m=(10, 25, 90, 5),
            origin="ID7205", needs="food wash")
    sc.site(ws, D1, "S2", "ID7205", hh=50, ind=200, needs="food")
    sc.site(ws, D2, "S1", "ID7271", hh=80, ind=300)
    sc.site(ws, D2, "S9", "ID7604", hh=999, ind=9999, state="received")
    sc.village(ws, D1, "ID7210", [("ID7271", "earthquake", 10, 40)], returnees=(3, 12))
    ws.analytics.refresh(sc.OP)
    return ws


def _hxl(path: Path) -> hxl.Dataset:
    return hxl.data(str(path), hxl.InputOptions(allow_local=True)).cache()


def test_csv_is_hxl_with_the_dtm_tags(op: Workspace, tmp_path: Path) -> None:
    out = op.publish.export(sc.OP, "area_totals", tmp_path / "adm2.csv", admin_level=2)
    assert (out.format, out.rows) == ("csv", 4)
    data = _hxl(out.path)
    tags = data.display_tags
    for t in ("#adm1+code", "#adm1+name", "#adm2+code", "#affected+idps+ind",
              "#affected+idps+hh", "#affected+idps+f", "#affected+idps+m", "#date+reported",
              "#round+code", "#assessment+type", "#operation+name", "#affected+returnees+ind"):
        assert t in tags, t
    palu = [r for r in data if r.get("#adm2+code") == "ID7271"]
    by_round = {(r.get("#assessment+type"), r.get("#round+code")): r for r in palu}
    first = by_round[("SA", "1")]
    assert (first.get("#affected+idps+ind"), first.get("#affected+idps+hh"),
            first.get("#affected+idps+f"), first.get("#affected+idps+m"),
            first.get("#date+reported"), first.get("#adm1+name")) == \
        ("450", "100", "135", "130", "2018-10-15", "Sulawesi Tengah")
    assert by_round[("SA", "2")].get("#affected+idps+ind") == "300"
    sigi = [r for r in data if r.get("#adm2+code") == "ID7210"][0]
    assert (sigi.get("#assessment+type"), sigi.get("#affected+returnees+ind")) == ("BA", "12")
    assert "9999" not in out.path.read_text(encoding="utf-8-sig")  # not approved


def test_current_has_one_round_per_type(op: Workspace, tmp_path: Path) -> None:
    out = op.publish.export(sc.OP, "current", tmp_path / "current.csv", admin_level=0)
    rows = {r.get("#assessment+type"): r for r in _hxl(out.path)}
    assert set(rows) == {"SA", "BA"}
    assert (rows["SA"].get("#round+code"), rows["SA"].get("#affected+idps+ind")) == ("2", "300")
    assert (rows["BA"].get("#round+code"), rows["BA"].get("#affected+idps+ind")) == ("1", "40")


@pytest.mark.parametrize("table", ["totals", "round_change", "origin_matrix", "needs",
                                   "latest_round", "rounds"])
def test_every_table_exports_as_hxl_csv_and_xlsx(op: Workspace, tmp_path: Path,
                                                 table: str) -> None:
    csv_out = op.publish.export(sc.OP, table, tmp_path / f"{table}.csv")
    xlsx_out = op.publish.export(sc.OP, table, tmp_path / f"{table}.xlsx")
    from_csv, from_xlsx = _hxl(csv_out.path), _hxl(xlsx_out.path)
    assert from_csv.display_tags == from_xlsx.display_tags
    assert all(t.startswith("#") for t in from_csv.display_tags)
    assert len(list(from_csv)) == len(list(from_xlsx)) == csv_out.rows > 0


def test_origin_columns_are_tagged_as_origins(op: Workspace, tmp_path: Path) -> None:
    out = op.publish.export(sc.OP, "origin_matrix", tmp_path / "flows.csv",
                            assessment_type="SA", round_number=1)
    rows = [r for r in _hxl(out.path) if r.get("#adm2+code+origin")]
    assert [(r.get("#adm1+code+origin"), r.get("#adm2+code+origin"),
             r.get("#adm2+code-origin"), r.get("#affected+ind")) for r in rows] == \
        [("ID72", "ID7205", "ID7271", "450")]


def test_xlsx_has_a_metadata_sheet(op: Workspace, tmp_path: Path) -> None:
    out = op.publish.export(sc.OP, "current", tmp_path / "current.xlsx", admin_level=1)
    wb = openpyxl.load_workbook(out.path)
    assert wb.sheetnames == ["data", "metadata"]
    meta = {r[0]: r[1] for r in wb["metadata"].iter_rows(min_row=2, values_only=True)}
    assert meta["operation"] == sc.OP and meta["table"] == "current"
    assert "approved" in meta["counting_rule"] and meta["filters"] == "admin_level=1"
    assert meta["rows"] == "2" and meta["refreshed_at"] not in ("", "None")


def test_geojson_has_the_boundaries_of_the_round(op: Workspace, tmp_path: Path) -> None:
    out = op.publish.export(sc.OP, "current", tmp_path / "adm.geojson")
    doc = json.loads(out.path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["hxl"]["idps_ind"] == "#affected+idps+ind"
    by_level: dict[int, list[dict]] = {}
    for f in doc["features"]:
        by_level.setdefault(f["properties"]["admin_level"], []).append(f)
    assert all(f["geometry"] is None for f in by_level[0])  # no country outline loaded
    palu = next(f for f in by_level[2] if f["properties"]["admin2_pcode"] == "ID7271")
    assert shape(palu["geometry"]).equals(ADM2["ID7271"][2])
    assert palu["properties"]["idps_ind"] == 300
    assert all(f["geometry"] for f in by_level[1])
    assert out.with_geometry == len(by_level[1]) + len(by_level[2])
    assert shapely.is_valid(shape(by_level[1][0]["geometry"]))


def test_parquet_holds_the_same_rows_as_the_csv(op: Workspace, tmp_path: Path) -> None:
    pq = op.publish.export(sc.OP, "area_totals", tmp_path / "t.parquet")
    csv_ = op.publish.export(sc.OP, "area_totals", tmp_path / "t.csv")
    con = duckdb.connect()
    got = con.execute(f"SELECT admin2_pcode, round_number, idps_ind, reporting_date FROM "
                      f"'{pq.path}' WHERE admin_level = 2 AND assessment_type = 'SA' "
                      f"ORDER BY 1, 2").fetchall()
    assert got == [("ID7205", 1, 200.0, sc.R1[1]), ("ID7271", 1, 450.0, sc.R1[1]),
                   ("ID7271", 2, 300.0, sc.R2[1])]
    assert pq.rows == csv_.rows and pq.columns == csv_.columns


def test_cli_refresh_and_export(cli, op: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = " ".join(cli("refresh", sc.OP).output.split())
    assert "(incremental refresh)" in out and "observations count" in out and "current" in out
    assert "(full refresh)" in " ".join(cli("refresh", sc.OP, "--full").output.split())
    target = tmp_path / "adm1.xlsx"
    out = cli("export", sc.OP, "--level", "1", "--type", "sa", "--out", target).output
    assert "Wrote 1 rows (xlsx)" in " ".join(out.split())
    assert [r.get("#adm1+code") for r in _hxl(target)] == ["ID72"]
    out = cli("export", sc.OP, "--table", "current", "--format", "geojson", "--out",
              tmp_path / "x.json").output
    assert "with a boundary" in out


def test_cli_errors_are_messages(cli, op: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("export", sc.OP, "--out", tmp_path / "x.txt", ok=False)
    assert out.exit_code == 1 and "unknown export format" in out.output
    out = cli("export", sc.OP, "--table", "facts", "--out", tmp_path / "x.csv", ok=False)
    assert out.exit_code == 1 and "No analytics table" in out.output
    out = cli("export", sc.OP, "--table", "rounds", "--out", tmp_path / "x.geojson", ok=False)
    assert out.exit_code == 1 and "no admin areas" in out.output
    out = cli("refresh", "nope", ok=False)
    assert out.exit_code == 1 and "No operation 'nope'" in out.output
    assert not (tmp_path / "x.csv").exists()


def test_a_name_that_looks_like_a_formula_is_text(op: Workspace, tmp_path: Path) -> None:
    from shapely.geometry import box

    from tests.gazetteer.files import adm2_props, geojson

    props = {**adm2_props("ID7271"), "ADM2_PCODE": "ID7299", "ADM2_EN": "=HYPERLINK(\"x\")"}
    op.gazetteer.import_file(geojson(tmp_path / "evil.geojson",
                                     [(props, box(120.5, -1.0, 120.6, -0.9))]), label="cod-ab")
    sc.site(op, D1, "S7", "ID7299", ind=5)
    op.analytics.refresh(sc.OP)
    out = op.publish.export(sc.OP, "area_totals", tmp_path / "t.csv", admin_level=2)
    assert "'=HYPERLINK" in out.path.read_text(encoding="utf-8-sig")
    xlsx = op.publish.export(sc.OP, "area_totals", tmp_path / "t.xlsx", admin_level=2)
    names = [c.value for row in openpyxl.load_workbook(xlsx.path)["data"].iter_rows()
             for c in row]
    assert "'=HYPERLINK(\"x\")" in names
