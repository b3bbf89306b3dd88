"""COD-AB tables (CSV and XLSX) as HDX publishes them, and the broken copies people pass on."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from pantau.errors import ImportFailed
from tests.gazetteer.files import write_csv

HEADER = ["ADM0_EN", "ADM0_PCODE", "ADM1_EN", "ADM1_ID", "ADM1_PCODE", "ADM2_EN", "ADM2_ID",
          "ADM2_REF", "ADM2ALT1EN", "ADM2_PCODE", "date", "validOn", "validTo"]
ROWS = [
    ["Indonesia", "ID", "Sulawesi Tengah", "Sulawesi Tengah", "ID72", "Palu", "Kota Palu",
     "Palu", "Palu City", "ID7271", "2019-12-20", "2020-04-01", ""],
    ["Indonesia", "ID", "Sulawesi Tengah", "Sulawesi Tengah", "ID72", "Donggala", "Donggala",
     "", "", "ID7205", "2019-12-20", "2020-04-01", ""],
    ["Indonesia", "ID", "Sulawesi Tengah", "Sulawesi Tengah", "ID72", "Sigi", "Sigi", "", "",
     "ID7210", "2019-12-20", "2020-04-01", ""],
    ["Indonesia", "ID", "Sulawesi Barat", "Sulawesi Barat", "ID76", "Mamuju", "Mamuju", "", "",
     "ID7604", "2019-12-20", "2020-04-01", ""],
]


def _row(pcode, **changes):
    row = dict(zip(HEADER, next(r for r in ROWS if r[9] == pcode), strict=True))
    row.update(changes)
    return [row[h] for h in HEADER]


def test_codab_csv(ws, tmp_path):
    result = ws.gazetteer.import_file(write_csv(tmp_path / "idn_adm2.csv", [HEADER, *ROWS]))
    [idn] = result.countries
    assert (result.kind, idn.country_iso3, idn.label, idn.valid_from, idn.added) == (
        "cod-ab", "IDN", "2020-04-01", dt.date(2020, 4, 1), {1: 2, 2: 4})
    palu = ws.gazetteer.unit("ID7271", "IDN")
    assert (palu.name, palu.parent_pcode, palu.level) == ("Palu", "ID72", 2)
    assert palu.names == {"en": "Palu", "id": "Kota Palu", "ref": "Palu", "alt": ["Palu City"]}
    assert [u.pcode for u in ws.gazetteer.units("IDN", parent="ID72")] == [
        "ID7205", "ID7210", "ID7271"]
    assert ws.gazetteer.versions("IDN")[0].source == "cod-ab"


def test_xlsx_with_title_row_and_one_sheet_per_level(ws, tmp_path):
    wb = Workbook()
    adm0 = wb.active
    adm0.title = "ADM0"
    adm0.append(["ADM0_EN", "ADM0_PCODE"])
    adm0.append(["Indonesia", "ID"])
    adm2 = wb.create_sheet("ADM2")
    adm2.append(["Indonesia: administrative level 2 boundaries (BPS, 2020)"])
    adm2.append([])
    adm2.append(HEADER)
    for r in ROWS:
        adm2.append(r[:11] + [dt.datetime(2020, 4, 1), None])
    wb.save(tmp_path / "idn_adminboundaries_tabulardata.xlsx")
    result = ws.gazetteer.import_file(tmp_path / "idn_adminboundaries_tabulardata.xlsx")
    assert result.countries[0].added == {1: 2, 2: 4}
    assert any("header on row 3" in n for n in result.notes)
    assert ws.gazetteer.unit("ID7604").name == "Mamuju"


@pytest.mark.parametrize("encoding, delimiter", [("latin-1", ";"), ("utf-8-sig", ","),
                                                 ("cp1252", "\t")])
def test_encodings_and_separators(ws, tmp_path, encoding, delimiter):
    rows = [["ADM1_PCODE", "ADM1_FR", "ADM2_PCODE", "ADM2_FR", "validOn"],
            ["TCD01", "Batha", "TCD0101", "Batha Est", "04/09/2012"],
            ["TCD02", "Borkou", "TCD0201", "Borkou Yala", "04/09/2012"],
            ["TCD03", "Chari-Baguirmi", "TCD0301", "Baguirmi Ndjaména", "04/09/2012"]]
    ws.gazetteer.import_file(write_csv(tmp_path / "tcd.csv", rows, encoding, delimiter),
                             country="TCD")
    assert ws.gazetteer.unit("TCD0301").name == "Baguirmi Ndjaména"
    assert ws.gazetteer.versions("TCD")[0].valid_from == dt.date(2012, 9, 4)


def test_names_keep_html_as_text_and_lose_control_characters(ws, tmp_path):
    rows = [HEADER, _row("ID7271", ADM2_EN="<script>alert(1)</script> Palu"),
            _row("ID7205", ADM2_EN="Dong\x1bgala\x07\n  Barat")]
    ws.gazetteer.import_file(write_csv(tmp_path / "x.csv", rows))
    assert ws.gazetteer.unit("ID7271").name == "<script>alert(1)</script> Palu"
    assert ws.gazetteer.unit("ID7205").name == "Dong gala Barat"


def test_parent_code_mismatch_is_a_warning(ws, tmp_path):
    rows = [HEADER, _row("ID7271"), _row("ID7604", ADM2_PCODE="ID7371", ADM1_PCODE="ID76")]
    result = ws.gazetteer.import_file(write_csv(tmp_path / "x.csv", rows))
    assert any("ID7371 does not start with its parent's code ID76" in str(w)
               for w in result.warnings)
    assert ws.gazetteer.unit("ID7371").parent_pcode == "ID76"


@pytest.mark.parametrize("rows, kwargs, expected", [
    ([_row("ID7271"), _row("ID7205", ADM1_EN="Sulteng")], {},
     "row 3, field 'ADM1_EN': ID72 is named 'Sulteng' here but 'Sulawesi Tengah' on row 2"),
    ([_row("ID7271"), _row("ID7205", ADM2_PCODE="ID7271")], {},
     "P-code ID7271 appears twice (row 2 and row 3)"),
    ([_row("ID7271", ADM2_PCODE="PH7271")], {}, "'PH7271' does not start with ID or IDN"),
    ([_row("ID7271", ADM2_PCODE="ID72-71")], {}, "not written as a P-code"),
    ([_row("ID7271", ADM2_EN="")], {}, "row 2, field 'ADM2_EN': the name of ID7271 is empty"),
    ([_row("ID7271", ADM2_PCODE="")], {}, "row 2, field 'ADM2_PCODE': the P-code is empty"),
    ([_row("ID7271", ADM0_PCODE="XX")], {}, "field 'ADM0_PCODE': 'XX' is not a country code"),
    ([_row("ID7271")], {"country": "PHL"}, "row is for IDN, not PHL"),
    ([_row("ID7271", validOn="", date="")], {}, "no valid-from date for IDN"),
    ([_row("ID7271", validOn="someday")], {}, "'someday' is not a date"),
])
def test_bad_tables_change_nothing(ws, tmp_path, rows, kwargs, expected):
    with pytest.raises(ImportFailed) as exc:
        ws.gazetteer.import_file(write_csv(tmp_path / "bad.csv", [HEADER, *rows]), **kwargs)
    assert expected in exc.value.details()
    assert ws.gazetteer.versions() == []


def test_wrong_length_once_the_table_is_loaded(ws, tmp_path, pcode_lengths_csv):
    path = write_csv(tmp_path / "x.csv", [HEADER, _row("ID7271", ADM2_PCODE="ID72071")])
    ws.gazetteer.import_file(pcode_lengths_csv)
    with pytest.raises(ImportFailed, match="1 problem") as exc:
        ws.gazetteer.import_file(path)
    assert "'ID72071' has 7 characters; admin-2 P-codes of IDN have 6" in exc.value.details()


def test_valid_from_argument_labels_and_duplicates(ws, tmp_path):
    path = write_csv(tmp_path / "x.csv", [HEADER, *ROWS])
    ws.gazetteer.import_file(path, valid_from=dt.date(2021, 1, 1))
    again = ws.gazetteer.import_file(path, valid_from=dt.date(2021, 1, 1))
    assert again.countries[0].action == "unchanged"
    changed = write_csv(tmp_path / "y.csv", [HEADER, *ROWS[:3]])
    result = ws.gazetteer.import_file(changed, valid_from=dt.date(2021, 1, 1))
    assert result.countries[0].label == "2021-01-01.2"
    with pytest.raises(ImportFailed, match="1 problem") as exc:
        ws.gazetteer.import_file(changed, label="2021-01-01")
    assert "already has a gazetteer version '2021-01-01'" in exc.value.details()
    assert [v.label for v in ws.gazetteer.versions("IDN")] == ["2021-01-01", "2021-01-01.2"]


def test_not_a_gazetteer(ws, tmp_path, cli):
    path = write_csv(tmp_path / "sites.csv", [["site", "lat"], ["Huntap Tondo", "-0.86"]])
    out = cli("gazetteer", "import", path, ok=False)
    assert out.exit_code == 1 and "not a gazetteer table" in out.output
    missing = write_csv(tmp_path / "x.csv", [["ADM1_PCODE", "ADM2_PCODE", "ADM2_EN"],
                                             ["ID72", "ID7271", "Palu"]])
    with pytest.raises(ImportFailed) as exc:
        ws.gazetteer.import_file(missing, valid_from=dt.date(2020, 1, 1))
    assert "no name column for admin-1 (e.g. ADM1_EN)" in exc.value.details()
