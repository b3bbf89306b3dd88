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


def test_a_corrected_mapping_recomputes_stored_observations(ws, op, cli, tmp_path):
    """Submissions received while the form was unmapped get their figures (and their round)
    once the mapping is fixed; nothing has to be imported again."""
    import datetime as dt

    from pantau.ingest import Incoming
    from pantau.store.models import Observation

    first = ws.operations.add_round(op, "BA", 1, dt.date(2018, 10, 1), dt.date(2018, 10, 15))
    second = ws.operations.add_round(op, "BA", 2, dt.date(2018, 10, 16), dt.date(2018, 10, 31))
    form = write_xlsform(tmp_path / "posko.xlsx", UNTAGGED, {"form_id": "posko", "version": "1"})
    ws.forms.import_xlsform(op, form, assessment_type="BA")
    for n, (day, kk) in enumerate([("2018-10-05", "10"), ("2018-10-20", "7"), ("", "3")]):
        ws.ingest.receive(op, "posko", Incoming(
            instance_id=f"uuid:r{n}", data={"tgl": day, "kk": kk, "anak_perempuan": "2"},
            raw=b"{}", raw_format="json", source="file"))

    def figures():
        with ws.session() as s:
            return sorted((r.field, r.indicator, r.value, str(r.date), r.round_id)
                          for r in s.scalars(select(Observation)))

    before = figures()
    assert {f[0] for f in before} == {"anak_perempuan"}  # the only tagged field
    assert {sub.round_id for sub in ws.ingest.submissions(op)} == {None}

    mapping = _mapfile(tmp_path, 'fields:\n  tgl: "#date+reported"\n'
                                 '  kk: {population_group: idps, unit: households}\n')
    out = cli("form", "import", op, form, "--mapping", mapping).output
    assert "recomputed for 3 submission(s)" in out

    after = figures()
    assert ("kk", "#affected+idps+hh", 10.0, "2018-10-05", first.id) in after
    assert ("kk", "#affected+idps+hh", 7.0, "2018-10-20", second.id) in after
    assert ("kk", "#affected+idps+hh", 3.0, "None", None) in after
    assert len(after) == 6  # kk and the still-tagged anak_perempuan, for each submission
    rounds = sorted((s.instance_id, s.round_id) for s in ws.ingest.submissions(op))
    assert rounds == [("uuid:r0", first.id), ("uuid:r1", second.id), ("uuid:r2", None)]
