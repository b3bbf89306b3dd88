"""Versions by valid-from date, crosswalks between them and translating old P-codes."""

from __future__ import annotations

import datetime as dt

import pytest

from pantau.errors import ImportFailed, PantauError
from tests.gazetteer.files import write_csv

HEADER = ["ADM1_PCODE", "ADM1_EN", "ADM2_PCODE", "ADM2_EN", "validOn"]
V2019 = [("ID72", "Sulawesi Tengah", "ID7271", "Kota Palu"),
         ("ID72", "Sulawesi Tengah", "ID7205", "Donggala"),
         ("ID72", "Sulawesi Tengah", "ID7210", "Sigi"),
         ("ID76", "Sulawesi Barat", "ID7604", "Mamuju"),
         ("ID76", "Sulawesi Barat", "ID7605", "Mamuju Utara")]
V2021 = [("ID72", "Sulawesi Tengah", "ID7271", "Palu"),        # renamed
         ("ID72", "Sulawesi Tengah", "ID7205", "Donggala"),    # unchanged
         ("ID72", "Sulawesi Tengah", "ID7211", "Sigi"),        # recoded
         ("ID76", "Sulawesi Barat", "ID7606", "Mamuju"),       # split (with ID7607)
         ("ID76", "Sulawesi Barat", "ID7607", "Mamuju Tengah"),
         ("ID76", "Sulawesi Barat", "ID7608", "Pasangkayu")]   # ID7605 renamed and recoded
V2022 = [r if r[2] != "ID7211" else ("ID72", "Sulawesi Tengah", "ID7212", "Sigi") for r in V2021]


def _load(ws, tmp_path, rows, date):
    path = write_csv(tmp_path / f"idn_{date}.csv", [HEADER, *[(*r, date) for r in rows]])
    return ws.gazetteer.import_file(path, country="IDN")


@pytest.fixture
def history(ws, tmp_path):
    _load(ws, tmp_path, V2019, "2019-01-01")
    _load(ws, tmp_path, V2021, "2021-01-01")
    return ws


def test_versions_and_version_on(history):
    ws = history
    assert [(v.label, v.units) for v in ws.gazetteer.versions("IDN")] == [
        ("2019-01-01", {1: 2, 2: 5}), ("2021-01-01", {1: 2, 2: 6})]
    assert ws.gazetteer.version_on("IDN", dt.date(2018, 12, 31)) is None
    assert ws.gazetteer.version_on("IDN", dt.date(2020, 6, 1)).label == "2019-01-01"
    assert ws.gazetteer.version_on("ID", dt.date(2021, 1, 1)).label == "2021-01-01"
    assert ws.gazetteer.unit("ID7271").name == "Palu"  # the current version
    assert ws.gazetteer.unit("ID7271", version="2019-01-01").name == "Kota Palu"
    assert ws.gazetteer.unit("ID7210").version == "2019-01-01"  # only there
    assert [u.pcode for u in ws.gazetteer.units("IDN", version="2019-01-01", parent="ID76")] \
        == ["ID7604", "ID7605"]
    with pytest.raises(PantauError, match="No admin unit 'ID9999'"):
        ws.gazetteer.unit("ID9999")
    with pytest.raises(PantauError, match="No gazetteer version of IDN '2000'"):
        ws.gazetteer.units("IDN", version="2000")


def test_computed_crosswalk(history):
    rows = history.gazetteer.crosswalk("IDN", "2019-01-01", "2021-01-01")
    got = {(r.old_pcode, r.new_pcode): r.change for r in rows}
    assert got == {
        ("ID72", "ID72"): "unchanged", ("ID76", "ID76"): "unchanged",
        ("ID7271", "ID7271"): "renamed", ("ID7205", "ID7205"): "unchanged",
        ("ID7210", "ID7211"): "recoded", ("ID7604", "ID7606"): "recoded",
        ("ID7605", None): "retired", (None, "ID7607"): "new", (None, "ID7608"): "new",
    }
    assert next(r.note for r in rows if r.change == "renamed") == "Kota Palu → Palu"


def test_override_file_for_splits(history, tmp_path):
    override = write_csv(tmp_path / "xwalk.csv", [
        ["old_pcode", "new_pcode", "change", "note"],
        ["ID7604", "ID7606", "split", "Mamuju Tengah split off in 2020"],
        ["ID7604", "ID7607", "split", "Mamuju Tengah split off in 2020"],
        ["id7605", "ID7608", "recoded", "Mamuju Utara renamed Pasangkayu"]])
    rows = history.gazetteer.crosswalk("IDN", "2019-01-01", "2021-01-01", override)
    got = {(r.old_pcode, r.new_pcode): r.change for r in rows}
    assert got[("ID7604", "ID7606")] == got[("ID7604", "ID7607")] == "split"
    assert got[("ID7605", "ID7608")] == "recoded"
    assert (None, "ID7607") not in got and ("ID7605", None) not in got
    assert history.gazetteer.translate("ID7604", "IDN") == ["ID7606", "ID7607"]
    assert history.gazetteer.translate("ID7605", "IDN") == ["ID7608"]


def test_bad_override_file(history, tmp_path):
    override = write_csv(tmp_path / "xwalk.csv", [
        ["old_pcode", "new_pcode", "change"],
        ["ID7604", "ID7699", "split"], ["ID7699", "ID7606", "merged"],
        ["ID7604", "ID7606", "moved"]])
    with pytest.raises(ImportFailed) as exc:
        history.gazetteer.crosswalk("IDN", "2019-01-01", "2021-01-01", override)
    details = exc.value.details()
    assert "row 2, field 'new_pcode': ID7699 is not in the newer version" in details
    assert "row 3, field 'old_pcode': ID7699 is not in the older version" in details
    assert "row 4, field 'change': change 'moved' is not one of" in details


def test_translate_through_a_chain_of_versions(history, tmp_path):
    ws = history
    _load(ws, tmp_path, V2022, "2022-01-01")
    assert ws.gazetteer.translate("ID7210", "IDN") == ["ID7212"]
    assert ws.gazetteer.translate("ID7210", "IDN", "2021-01-01") == ["ID7211"]
    assert ws.gazetteer.translate("ID7211", "IDN") == ["ID7212"]
    assert ws.gazetteer.translate("id 7205", "IDN") == ["ID7205"]
    assert ws.gazetteer.translate("ID7605", "IDN") == []  # retired
    with pytest.raises(PantauError, match="No P-code"):
        ws.gazetteer.translate("ID9999", "IDN")


def test_cli_crosswalk_and_translate(cli, history, tmp_path):
    out = cli("gazetteer", "crosswalk", "IDN", "2019-01-01", "2021-01-01",
              "--out", tmp_path / "xwalk.csv").output
    assert "ID7210" in out and "recoded" in out and "3 unchanged" in out
    assert "ID7205" not in out  # unchanged rows are listed only with --all
    assert (tmp_path / "xwalk.csv").read_text(encoding="utf-8-sig").startswith(
        "old_pcode,new_pcode,change,note")
    assert "ID7205" in cli("gazetteer", "crosswalk", "IDN", "2019-01-01", "2021-01-01",
                           "--all").output
    assert "ID7210 → ID7211" in cli("gazetteer", "translate", "ID7210", "IDN").output
    assert "(retired)" in cli("gazetteer", "translate", "ID7605", "IDN").output
    out = cli("gazetteer", "crosswalk", "IDN", "2019-01-01", "2019-01-01", ok=False)
    assert out.exit_code == 1 and "two different versions" in out.output
    out = cli("gazetteer", "versions", "--country", "IDN").output
    assert "2019-01-01" in out and "2021-01-01" in out
