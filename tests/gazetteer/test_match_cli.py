"""`pantau gazetteer match` end to end, on both stores, against the imported global list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.gazetteer.files import write_csv

HEADER = ["Site", "Provinsi", "Kabupaten/Kota", "IDPs"]
ROWS = [
    ["PAL-001", "Sulawesi Tengah", "Kota Palu", "1200"],      # exact, exact
    ["PAL-002", "SULAWESI TENGAH", "Palu City", "85"],        # exact, fuzzy
    ["SIG-001", "Qqqz", "Sigi", "40"],                        # adm1 not found: whole country
    ["DON-001", "Sulawesi Tengah", "", "7"],                  # empty adm2
    ["XSS-001", "Sulawesi Tengah", "<b>Donggala</b>", "3"],   # HTML stays text
    ["BDG-001", "Jawa Barat", "Kab. Bandung", "12"],          # the regency, not the city
    ["ZZZ-001", "Jawa Barat", "Qwxzv", "1"],                  # not found
]


@pytest.fixture
def idn(ws, pcodes_csv):
    ws.gazetteer.import_file(pcodes_csv, country="IDN")
    return ws


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_match_a_csv(cli, idn, tmp_path):
    src = write_csv(tmp_path / "sites.csv", [HEADER, *ROWS])
    out = cli("gazetteer", "match", src, "--country", "IDN").output
    assert "7 rows" in out and "admin 2" in out and "Kabupaten/Kota" in out
    assert "1 admin 2 name(s) were searched in the whole country" in out

    rows = _read(tmp_path / "sites.pcoded.csv")
    assert [r["Site"] for r in rows] == [r[0] for r in ROWS]  # every row, in order
    assert [[r[c] for c in HEADER] for r in rows] == ROWS  # originals untouched
    assert list(rows[0])[:4] == HEADER
    assert [r["adm1_pcode"] for r in rows] == ["ID72", "ID72", "", "ID72", "ID72", "ID32",
                                               "ID32"]
    assert [r["adm2_pcode"] for r in rows] == ["ID7271", "ID7271", "ID7210", "", "ID7205",
                                               "ID3204", ""]
    assert [r["adm2_match"] for r in rows] == ["exact", "fuzzy", "exact", "not_found",
                                               "fuzzy", "fuzzy", "not_found"]
    assert rows[1]["adm2_name"] == "Kota Palu" and 0.62 < float(rows[1]["adm2_score"]) < 1

    report = _read(tmp_path / "sites.match-report.csv")
    assert len(report) == 2 * len(ROWS)
    sigi = [r for r in report if r["input name"] == "Sigi"][0]
    assert sigi["row"] == "4" and sigi["searched in"] == "whole country"
    assert sigi["matched P-code"] == "ID7210" and sigi["level"] == "2"
    empty = [r for r in report if r["row"] == "5" and r["level"] == "2"][0]
    assert (empty["input name"], empty["kind"], empty["matched P-code"]) == \
        ("", "not_found", "")
    missing = [r for r in report if r["input name"] == "Qwxzv"][0]
    assert (missing["searched in"], missing["kind"]) == ("children of ID32", "not_found")


def test_named_columns_xlsx_out_and_report_path(cli, idn, tmp_path):
    src = write_csv(tmp_path / "in.csv", [["prov", "kab"], ["Sulawesi Tengah", "Kota Palu"]])
    cli("gazetteer", "match", src, "--country", "ID", "--adm1", "PROV", "--adm2", "kab",
        "--out", tmp_path / "out.xlsx", "--report", tmp_path / "r.csv")
    sheet = load_workbook(tmp_path / "out.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("prov", "kab", "adm1_pcode", "adm1_name")
    assert values[1][:3] == ("Sulawesi Tengah", "Kota Palu", "ID72")
    assert "ID7271" in values[1]
    assert len(_read(tmp_path / "r.csv")) == 2


def test_latin1_semicolon_xlsx_title_row_and_hxl(cli, idn, tmp_path):
    latin = write_csv(tmp_path / "latin.csv", [["Province", "District"],
                                              ["Sulawési Tengah", "Kota Palú"]],
                      encoding="latin-1", delimiter=";")
    cli("gazetteer", "match", latin, "--country", "IDN")
    row = _read(tmp_path / "latin.pcoded.csv")[0]
    assert (row["Province"], row["adm2_pcode"]) == ("Sulawési Tengah", "ID7271")

    wb = Workbook()
    ws = wb.active
    ws.append(["Displacement sites, October 2018"])
    ws.append(["site", "admin1", "admin2"])
    ws.append(["#loc+name", "#adm1+name", "#adm2+name"])
    ws.append(["Balaroa", "Sulawesi Tengah", "Kota Palu"])
    wb.save(tmp_path / "titled.xlsx")
    cli("gazetteer", "match", tmp_path / "titled.xlsx", "--country", "IDN")
    with (tmp_path / "titled.pcoded.csv").open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0][:4] == ["site", "admin1", "admin2", "adm1_pcode"]
    assert lines[1][:4] == ["#loc+name", "#adm1+name", "#adm2+name", "#adm1+code"]
    assert lines[2][0] == "Balaroa" and "ID7271" in lines[2]


def test_existing_output_columns_are_not_overwritten(cli, idn, tmp_path):
    src = write_csv(tmp_path / "s.csv", [["adm1", "adm1_pcode"], ["Sulawesi Tengah", "old"]])
    cli("gazetteer", "match", src, "--country", "IDN", "--adm1", "adm1")
    row = _read(tmp_path / "s.pcoded.csv")[0]
    assert (row["adm1_pcode"], row["pantau_adm1_pcode"]) == ("old", "ID72")


def test_bad_input(cli, idn, tmp_path):
    src = write_csv(tmp_path / "s.csv", [["Provinsi", "n"], ["Sulawesi Tengah", "1"]])
    bad = cli("gazetteer", "match", src, "--country", "IDN", "--adm2", "Kabupaten", ok=False)
    assert bad.exit_code == 1
    assert "s.csv: no column 'Kabupaten' for admin 2 names" in bad.output
    assert "Provinsi" in bad.output

    none = write_csv(tmp_path / "n.csv", [["site", "count"], ["A", "1"]])
    bad = cli("gazetteer", "match", none, "--country", "IDN", ok=False)
    assert bad.exit_code == 1 and "--adm1" in bad.output and "n.csv" in bad.output

    gone = cli("gazetteer", "match", tmp_path / "missing.csv", "--country", "IDN", ok=False)
    assert gone.exit_code == 1 and "missing.csv" in gone.output


def test_no_gazetteer_for_the_country(cli, idn, tmp_path):
    src = write_csv(tmp_path / "s.csv", [["Province"], ["Nord-Ouest"]])
    bad = cli("gazetteer", "match", src, "--country", "HTI", ok=False)
    assert bad.exit_code == 1 and "HTI" in bad.output and "import" in bad.output


def test_matcher_from_the_store(idn, pcodes_csv):
    matcher = idn.gazetteer.matcher("ID")
    assert matcher.match("Palu", level=2, parent="ID72").pcode == "ID7271"
    assert matcher.match("Central Sulawesi", level=1).pcode == "ID72"
