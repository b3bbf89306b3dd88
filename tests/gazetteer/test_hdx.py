"""The HDX global P-code list and length table, through the Python API and the CLI."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from pantau.errors import ImportFailed
from tests.gazetteer.files import write_csv

HEADER = ["Location", "Admin Level", "P-Code", "Name", "Parent P-Code", "Valid from date"]
TAGS = ["#country+code", "#geo+admin_level", "#adm+code", "#adm+name", "#adm+code+parent",
        "#date+start"]


def _file_counts(path, iso3):
    with open(path, encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if r and r[0] == iso3]
    return dict(Counter(int(r[1]) for r in rows))


def test_whole_global_list(ws, pcodes_csv, pcode_lengths_csv):
    assert ws.gazetteer.import_file(pcode_lengths_csv).formats == 156
    result = ws.gazetteer.import_file(pcodes_csv)
    assert result.kind == "hdx-global" and len(result.countries) == 156
    idn = next(c for c in result.countries if c.country_iso3 == "IDN")
    assert (idn.label, idn.action, idn.added) == ("2020-04-01", "created",
                                                  _file_counts(pcodes_csv, "IDN"))
    palu = ws.gazetteer.unit("ID7271")
    assert (palu.name, palu.level, palu.parent_pcode, palu.has_geometry) == (
        "Kota Palu", 2, "ID72", False)
    assert ws.gazetteer.unit("ID72").name == "Sulawesi Tengah"
    assert ws.gazetteer.unit("ID72").parent_pcode is None  # admin 1 lies in the country
    assert [u.pcode for u in ws.gazetteer.units("TCD", level=1)][:2] == ["TCD01", "TCD02"]
    versions = ws.gazetteer.versions("IDN")
    assert [(v.label, v.units) for v in versions] == [("2020-04-01", {1: 34, 2: 522})]
    # real oddities are warnings, not failures: Kyrgyz fixed-width codes, Somalia's
    # "Unspecified" district
    messages = [str(w) for w in result.warnings]
    assert any("KG02205000000 does not start with its parent's code KG02000000000" in m
               for m in messages)
    assert any("'UNSPECIFIED'" in m or "Unspecified" in m for m in messages)
    # importing the same list again changes nothing
    again = ws.gazetteer.import_file(pcodes_csv)
    assert {c.action for c in again.countries} == {"unchanged"}
    assert len(ws.gazetteer.versions()) == 156


def test_length_table(ws, pcode_lengths_csv):
    assert ws.gazetteer.format("TCD") is None
    ws.gazetteer.import_file(pcode_lengths_csv)
    tcd = ws.gazetteer.format("TD")
    assert (tcd.prefix_len, tcd.lengths) == (3, (2, 2))
    assert ws.gazetteer.format("MDG").lengths == (2, -1, -1, 3)  # "3|7" alternatives vary
    assert ws.gazetteer.convert("td 7") == "TCD07"
    assert ws.gazetteer.convert("ID7") == "ID07"
    assert ws.gazetteer.level_of("ID7271") == 2
    assert any("TCD07" in p for p in ws.gazetteer.validate("TD07"))
    assert ws.gazetteer.validate("ID7271", "IDN", 2) == []
    # a second import replaces, never duplicates
    ws.gazetteer.import_file(pcode_lengths_csv)
    assert ws.gazetteer.format("IDN").lengths == (2, 2, 3)


def test_length_table_bad_rows(ws, tmp_path):
    path = write_csv(tmp_path / "len.csv", [
        ["Location", "Country Length", "Admin 1 Length", "Admin 2 Length"],
        ["#country+code", "#country+len", "#adm1+len", "#adm2+len"],
        ["IDN", "2", "2", "2"], ["XYZ", "2", "2", ""], ["TCD", "5", "2", "2"],
        ["IDN", "2", "2", "2"]])
    with pytest.raises(ImportFailed) as exc:
        ws.gazetteer.import_file(path)
    details = exc.value.details()
    assert "row 4, field 'Location': 'XYZ' is not a country code" in details
    assert "row 5, field 'Country Length'" in details and "0, 2 or 3" in details
    assert "IDN appears twice (rows 3 and 6)" in details
    assert ws.gazetteer.format("IDN") is None


def test_country_filter_and_cli(cli, ws, pcodes_csv, pcode_lengths_csv):
    cli("gazetteer", "import", pcode_lengths_csv)
    out = cli("gazetteer", "import", pcodes_csv, "--country", "ID").output
    assert "IDN" in out and "2020-04-01" in out and "522" in out
    assert [v.country_iso3 for v in ws.gazetteer.versions()] == ["IDN"]
    out = cli("gazetteer", "versions").output
    assert "IDN" in out and "adm2: 522" in out
    out = cli("gazetteer", "units", "IDN", "--parent", "ID72").output
    assert "Kota Palu" in out and "ID7271" in out and "Sulawesi Barat" not in out
    assert "34 unit(s)" in cli("gazetteer", "units", "IDN", "--level", "1").output
    out = cli("gazetteer", "validate", "ID7271", "TD07", ok=False)
    assert out.exit_code == 1 and "ID7271: valid" in out.output and "TCD07" in out.output
    assert cli("gazetteer", "validate", "ID72", "ID7271").exit_code == 0
    out = cli("gazetteer", "convert", "td7", "ID7", "IDN7271").output
    assert "TCD07" in out and "ID07" in out and "\tID7271" in out
    assert "TD07" in cli("gazetteer", "convert", "TCD07", "--to", "iso2").output
    bad = cli("gazetteer", "convert", "XX12", ok=False)
    assert bad.exit_code == 1 and "does not start with" in bad.output


def test_unknown_country_filter(cli, pcodes_csv):
    out = cli("gazetteer", "import", pcodes_csv, "--country", "XK1", ok=False)
    assert out.exit_code == 1 and "not an ISO 3166" in out.output


def _global(tmp_path, rows, name="p.csv"):
    return write_csv(tmp_path / name, [HEADER, TAGS, *rows])


@pytest.mark.parametrize("rows, expected", [
    ([["XXX", "1", "XX01", "Nowhere", "XXX", "2020-01-01"]],
     "row 3, field 'Location': 'XXX' is not a country code"),
    ([["IDN", "1", "ID72", "Sulawesi Tengah", "IDN", "2020-04-01"],
      ["IDN", "1", "ID72", "Sulteng", "IDN", "2020-04-01"]],
     "P-code ID72 appears twice (row 3 and row 4)"),
    ([["IDN", "2", "ID7271", "Kota Palu", "ID72", "2020-04-01"]],
     "row 3, field 'P-Code': parent ID72 of ID7271 does not exist"),
    ([["IDN", "2", "ID7271", "Kota Palu", "ID7205", "2020-04-01"],
      ["IDN", "2", "ID7205", "Donggala", "ID7271", "2020-04-01"]],
     "parents form a loop"),
    ([["IDN", "1", "ID72", "  ", "IDN", "2020-04-01"]],
     "row 3, field 'Name': the name of ID72 is empty"),
    ([["IDN", "7", "ID72", "Sulawesi Tengah", "IDN", "2020-04-01"]],
     "row 3, field 'Admin Level': admin level 7 is above the maximum 5"),
    ([["IDN", "1", "ID72", "Sulawesi Tengah", "IDN", "1 April"]],
     "row 3, field 'Valid from date': '1 April' is not a date"),
    ([["IDN", "1", "ID72", "Sulawesi Tengah", "ID76", "2020-04-01"]],
     "an admin-1 unit lies in the country, not in 'ID76'"),
])
def test_bad_global_rows_change_nothing(ws, tmp_path, rows, expected):
    with pytest.raises(ImportFailed) as exc:
        ws.gazetteer.import_file(_global(tmp_path, rows))
    assert expected in exc.value.details()
    assert ws.gazetteer.versions() == []


def test_cli_lists_every_problem(cli, ws, tmp_path):
    path = _global(tmp_path, [["IDN", "2", "ID7271", "Kota Palu", "ID72", "2020-04-01"],
                              ["ZZZ", "1", "ZZ01", "x", "ZZZ", "2020-04-01"]])
    out = cli("gazetteer", "import", path, ok=False)
    assert out.exit_code == 1 and "2 problem(s); nothing was imported" in out.output
    assert "ZZZ" in out.output and "ID72 of ID7271 does not exist" in out.output
    assert ws.gazetteer.versions() == []
