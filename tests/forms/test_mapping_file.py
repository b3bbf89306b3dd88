"""The YAML mapping file: the fallback for untagged forms, and overrides of the tags."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pantau.errors import ImportFailed
from pantau.store.models import FormVersion
from tests.forms.xlsforms import write_xlsform

UNTAGGED = [["date", "tgl", "Tanggal", "", ""],
            ["text", "kode_lokasi", "Kode lokasi", "", ""],
            ["begin_group", "wilayah", "Wilayah", "", ""],
            ["text", "kab", "Kabupaten", "", ""],
            ["end_group", "", "", "", ""],
            ["integer", "kk", "Jumlah KK", "", ""],
            ["integer", "jiwa", "Jumlah jiwa", "", ""],
            ["integer", "anak_perempuan", "Anak perempuan", "#affected+host+f", ""],
            ["text", "catatan", "Catatan", "#meta+note", ""]]


@pytest.fixture
def op(ws):
    ws.operations.create("idn-sulteng", "IDN", "Central Sulawesi", avg_household_size=4.0)
    return "idn-sulteng"


def _mapfile(tmp_path, text):
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_file_maps_an_untagged_form(ws, op, tmp_path):
    form = write_xlsform(tmp_path / "posko.xlsx", UNTAGGED, {"form_id": "posko", "version": "1"})
    untagged = ws.forms.import_xlsform(op, form)
    assert set(untagged.unmapped) >= {"tgl", "kode_lokasi", "wilayah/kab", "kk", "jiwa"}
    mapping = _mapfile(tmp_path, """
estimate_individuals: true
fields:
  tgl: "#date+reported"
  kode_lokasi: {dimension: site_code}
  wilayah/kab: "#adm2+code"
  kk: {population_group: idps, unit: households}
  jiwa: "#affected+idps+ind"
  anak_perempuan:                # overrides the form's own tag
    population_group: idps
    sex: f
    age_group: children
  catatan: null
""")
    info = ws.forms.import_xlsform(op, form, mapping=mapping)
    assert info.status == "mapping_updated" and info.versions == 1 and info.unmapped == []
    shown = {f["path"]: f for f in ws.forms.inspect(op, "posko")["fields"]}
    assert shown["kk"]["dimensions"].startswith("population_group=idps, unit=households")
    assert "individuals estimated" in shown["kk"]["dimensions"]
    assert shown["anak_perempuan"]["tag"] == "#affected+idps+ind+f+children"
    assert shown["catatan"]["role"] == "ignored"
    assert shown["kode_lokasi"]["dimensions"] == "site_code"
    out = ws.ingest.receive(op, "posko", _incoming({
        "tgl": "2018-10-05", "kode_lokasi": "P-01", "wilayah/kab": "ID7271", "kk": "10",
        "jiwa": "", "anak_perempuan": "3"}))
    from pantau.store.models import Observation
    with ws.session() as s:
        rows = s.scalars(select(Observation).where(Observation.version_id == out.version_id)
                         .order_by(Observation.field)).all()
        got = [(r.field, r.indicator, r.unit, r.value, r.estimated, r.site_code,
                r.admin2_pcode, str(r.date)) for r in rows]
    assert got == [
        ("anak_perempuan", "#affected+idps+ind+f+children", "individuals", 3.0, False, "P-01",
         "ID7271", "2018-10-05"),
        ("kk", "#affected+idps+hh", "households", 10.0, False, "P-01", "ID7271", "2018-10-05"),
        ("kk", "#affected+idps+ind", "individuals", 40.0, True, "P-01", "ID7271",
         "2018-10-05")]
    # The same file and mapping again: nothing changes.
    assert ws.forms.import_xlsform(op, form, mapping=mapping).status == "unchanged"


def _incoming(data):
    from pantau.ingest import Incoming

    return Incoming(instance_id="uuid:m1", data=data, raw=b"{}", raw_format="json",
                    source="file")


@pytest.mark.parametrize("text, fragments", [
    ("fields:\n  nowhere: '#affected+idps'\n", ["map.yaml, field 'nowhere'", "no such field"]),
    ("fields:\n  kk: 'affected'\n", ["field 'kk'", "must start with '#'"]),
    ("fields:\n  kk: {population_group: aliens}\n", ["population_group 'aliens'"]),
    ("fields:\n  kk: {colour: red}\n", ["unknown dimension 'colour'"]),
    ("fields:\n  kk: {dimension: planet}\n", ["dimension must be one of"]),
    ("fields:\n  kk: 12\n", ["expected an HXL tag"]),
    ("fields: [a, b]\n", ["'fields' must map"]),
    ("colour: red\n", ["unknown key 'colour'"]),
    ("estimate_individuals: maybe\n", ["true or false"]),
    ("fields: {kk: [unclosed\n", ["not a YAML mapping file"]),
    ("- just\n- a list\n", ["a YAML mapping with a 'fields' key"]),
])
def test_bad_mapping_files_store_nothing(ws, op, tmp_path, text, fragments):
    form = write_xlsform(tmp_path / "posko.xlsx", UNTAGGED, {"form_id": "posko", "version": "1"})
    with pytest.raises(ImportFailed) as caught:
        ws.forms.import_xlsform(op, form, mapping=_mapfile(tmp_path, text))
    details = caught.value.details()
    for fragment in fragments:
        assert fragment in details, details
    with ws.session() as s:
        assert s.scalar(select(func.count()).select_from(FormVersion)) == 0


def test_ambiguous_bare_name_must_use_the_path(ws, op, tmp_path):
    form = write_xlsform(tmp_path / "two.xlsx", [
        ["begin_group", "a", "A", "", ""], ["integer", "n", "N", "", ""],
        ["end_group", "", "", "", ""], ["begin_group", "b", "B", "", ""],
        ["integer", "n", "N", "", ""], ["end_group", "", "", "", ""]],
        {"form_id": "two", "version": "1"})
    with pytest.raises(ImportFailed) as caught:
        ws.forms.import_xlsform(op, form, mapping={"fields": {"n": "#affected+idps"}})
    assert "a/n, b/n" in caught.value.details()
    info = ws.forms.import_xlsform(op, form, mapping={"fields": {"a/n": "#affected+idps",
                                                                "b/n": "#affected+host"}})
    assert info.unmapped == [] and info.values == 2
