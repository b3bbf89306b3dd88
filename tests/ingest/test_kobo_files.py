"""KoboToolbox exports (CSV, XLSX, JSON) through `ws.ingest.import_file` and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pantau.errors import PantauError
from pantau.ingest.headers import HeaderResolver
from pantau.ingest.kobo.files import read_kobo_export
from tests.ingest.kobo_server import FORM, OP, FakeKobo, add_form, answers


@pytest.fixture
def kobo() -> FakeKobo:
    fake = FakeKobo()
    for n in range(1, 5):
        fake.add(n, households=0)
    fake.subs[1].status = "validation_status_approved"
    return fake


def _data(ws, instance_id: str) -> dict:  # type: ignore[no-untyped-def]
    detail = ws.ingest.submission(OP, FORM, instance_id)
    return next(v.data for v in detail.versions if v.current)


def test_json_export_stores_every_submission_with_kobo_meta(ws, tmp_path: Path,
                                                            kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    result = ws.ingest.import_file(OP, FORM, kobo.json_export(tmp_path / "data.json"))
    assert result.counts == {"created": 4}
    subs = {s.instance_id: s for s in ws.ingest.submissions(OP, FORM)}
    assert set(subs) == {s.instance_id for s in kobo.subs}
    approved = subs[kobo.subs[1].instance_id]
    assert approved.review_state == "approved"
    assert _data(ws, kobo.subs[2].instance_id) == answers(3, households=0)


def test_same_submissions_in_csv_xlsx_json_are_duplicates(ws, tmp_path: Path,
                                                          kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    first = ws.ingest.import_file(OP, FORM, kobo.json_export(tmp_path / "k.json"))
    assert first.counts["created"] == 4
    exports = [kobo.csv_export(tmp_path / "comma.csv"),
               kobo.csv_export(tmp_path / "semi.csv", sep=";", group_sep="."),
               kobo.csv_export(tmp_path / "labels.csv", labels=True),
               kobo.csv_export(tmp_path / "split.csv", split=True),
               kobo.csv_export(tmp_path / "labels_split.csv", labels=True, split=True),
               kobo.csv_export(tmp_path / "bom.csv", encoding="utf-8-sig"),
               kobo.xlsx_export(tmp_path / "k.xlsx"),
               kobo.xlsx_export(tmp_path / "labels.xlsx", labels=True),
               kobo.json_export(tmp_path / "list.json", bare_list=True)]
    for path in exports:
        again = ws.ingest.import_file(OP, FORM, path)
        assert again.counts == {"duplicate": 4}, (path.name, again.messages)
    assert len(ws.ingest.submissions(OP, FORM)) == 4


def test_xlsx_repeat_sheet_joins_by_parent_index(ws, tmp_path: Path) -> None:
    add_form(ws, tmp_path)
    fake = FakeKobo()
    fake.add(1, households=3)
    fake.add(2, households=0)
    fake.add(3, households=1)
    result = ws.ingest.import_file(OP, FORM, fake.xlsx_export(tmp_path / "rep.xlsx"))
    assert result.counts == {"created": 3}
    assert _data(ws, fake.subs[0].instance_id)["households"] == answers(1, 3)["households"]
    assert "households" not in _data(ws, fake.subs[1].instance_id)
    again = ws.ingest.import_file(OP, FORM, fake.json_export(tmp_path / "rep.json"))
    assert again.counts == {"duplicate": 3}


def test_latin1_semicolon_csv_and_excel_serial_dates(ws, tmp_path: Path) -> None:
    add_form(ws, tmp_path)
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "visit_date;location/site_id;idp_hh;notes;meta/instanceID;_submission_time\n"
        "45353;ST-0009;1.234;Pengungsi di Petobo – <script>x</script>;uuid:a1;2024-03-02T01:00:00\n"
        ";;;;;\n"
        "2024-03-04;ST-0010;12;Café Palu;uuid:a2;2024-03-04T01:00:00\n"
        .replace("–", "-").encode("cp1252"))
    result = ws.ingest.import_file(OP, FORM, path)
    assert result.counts == {"created": 2}
    one = _data(ws, "uuid:a1")
    assert one["visit_date"] == "2024-03-02"
    assert one["idp_hh"] == "1.234"  # thousands separator kept: the mapping judges it
    assert one["notes"] == "Pengungsi di Petobo - <script>x</script>"
    assert _data(ws, "uuid:a2")["notes"] == "Café Palu"


def test_unknown_headers_stop_the_import_before_storing(ws, tmp_path: Path) -> None:
    add_form(ws, tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text("location/site_id,idp_households,Jumlah KK,_uuid,_id,_tags\n"
                    "ST-1,4,5,0a,1,\n", encoding="utf-8")
    with pytest.raises(PantauError) as err:
        ws.ingest.import_file(OP, FORM, path)
    assert "'idp_households' matches no field" in str(err.value)
    assert "'Jumlah KK'" in str(err.value)
    assert ws.ingest.submissions(OP, FORM) == []


def test_repeat_columns_in_a_csv_are_named(ws, tmp_path: Path) -> None:
    add_form(ws, tmp_path)
    path = tmp_path / "rep.csv"
    path.write_text("location/site_id,households/members,_uuid\nST-1,4,0a\n")
    with pytest.raises(PantauError, match="households/members' is a field of a repeat"):
        ws.ingest.import_file(OP, FORM, path)


def test_truncated_json_stores_nothing(ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    path = kobo.json_export(tmp_path / "cut.json")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: int(len(text) * 0.8)], encoding="utf-8")
    with pytest.raises(PantauError, match=r"truncated JSON at character [\d,]+ \(record 4\)"):
        ws.ingest.import_file(OP, FORM, path)
    assert ws.ingest.submissions(OP, FORM) == []


def test_broken_json_names_the_record(tmp_path: Path, kobo: FakeKobo) -> None:
    path = kobo.json_export(tmp_path / "broken.json")
    text = path.read_text(encoding="utf-8")
    cut = text.index('"_id": 102')
    path.write_text(text[:cut] + "'_id': 102" + text[cut + 10:], encoding="utf-8")
    with pytest.raises(PantauError, match=r"broken JSON .* \(record 2\)"):
        list(read_kobo_export(path, []))


def test_record_without_instance_id_and_unknown_keys_are_quarantined(
        ws, tmp_path: Path, kobo: FakeKobo) -> None:
    add_form(ws, tmp_path)
    records = [kobo.record(s) for s in kobo.subs[:2]]
    del records[0]["meta/instanceID"], records[0]["_uuid"]
    records[1]["old_field"] = "5"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = ws.ingest.import_file(OP, FORM, path)
    assert result.counts == {"quarantined": 2}
    reasons = sorted(q.reason for q in ws.ingest.quarantined(OP))
    assert reasons[0].startswith("keys that match no field of the form: old_field")
    assert reasons[1].startswith("no instance id")


def test_big_json_streams_record_by_record(tmp_path: Path) -> None:
    """Records far bigger than the scanner's chunk, and many of them, come out whole."""
    fields = [{"path": "notes", "name": "notes", "type": "text", "repeat": None}]
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as f:
        f.write('{"count": 3000, "next": null, "results": [')
        for n in range(3000):
            note = ("x" * 200_000) if n == 7 else f"n{n} ü"
            f.write(("," if n else "") + json.dumps({"_uuid": f"u{n}", "notes": note}))
        f.write('], "previous": null}')
    records = list(read_kobo_export(path, fields))
    assert len(records) == 3000
    assert len(records[7].data["notes"]) == 200_000  # type: ignore[union-attr]
    assert records[2999].data == {"notes": "n2999 ü"}  # type: ignore[union-attr]


def test_header_resolver_spellings() -> None:
    fields = [
        {"path": "g", "name": "g", "type": "group", "label": {"en": "Group"}},
        {"path": "g/a-b", "name": "a-b", "type": "integer", "label": {"en": "Count"}},
        {"path": "g/sel", "name": "sel", "type": "select_multiple", "label": {"en": "Pick"},
         "choices": [{"name": "x", "label": {"en": "Ex"}}]},
        {"path": "h/sel", "name": "sel", "type": "text", "label": {"en": "Pick"}},
    ]
    cols = HeaderResolver(fields).resolve(
        ["g-a-b", "g.a-b", "a-b", "Group/Count", "g/sel/x", "Group/Pick/Ex", "sel", "Pick",
         "_id", "meta-instanceID", "SubmissionDate"])
    assert [c.path for c in cols.columns] == ["g/a-b"] * 4 + ["g/sel"] * 2
    assert [c.choice for c in cols.columns if c.kind == "choice"] == ["x", "x"]
    assert cols.meta == {"_id": 8, "instanceID": 9}
    assert [h for h, _ in cols.unknown] == ["sel", "Pick", "SubmissionDate"]


def test_cli_imports_a_kobo_export(cli, tmp_path: Path, kobo: FakeKobo) -> None:
    cli("operation", "create", OP, "--country", "IDN", "--name", "Sulteng 2018")
    from tests.ingest.kobo_server import write_form

    cli("form", "import", OP, write_form(tmp_path / "f.xlsx"))
    cli("submissions", "import", OP, FORM, kobo.csv_export(tmp_path / "k.csv", sep=";"))
    listed = cli("submissions", "list", OP, "--form", FORM)
    assert "4 submission(s)" in listed.output
    assert kobo.subs[0].instance_id in listed.output


def test_quarantined_record_goes_in_once_the_form_knows_its_field(ws, tmp_path: Path,
                                                                  kobo: FakeKobo) -> None:
    from tests.ingest.kobo_server import write_form

    add_form(ws, tmp_path)
    record = kobo.record(kobo.subs[0])
    record["water_source"] = "well"
    path = tmp_path / "new_field.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    assert ws.ingest.import_file(OP, FORM, path).counts == {"quarantined": 1}
    assert ws.ingest.reprocess(OP).counts == {"still_failing": 1}
    ws.forms.import_xlsform(OP, write_form(tmp_path / "v2.xlsx", "2024040101",
                                           [["text", "water_source", "Water", "Air", ""]]))
    assert ws.ingest.reprocess(OP).counts == {"resolved": 1}
    assert _data(ws, kobo.subs[0].instance_id)["water_source"] == "well"
    assert ws.ingest.quarantined(OP) == []


def test_kept_raw_records_read_back_the_same(tmp_path: Path) -> None:
    """What the quarantine keeps (CSV line, API record, XLSX row with its repeat rows) is
    read again into the same submission."""
    from pantau.forms.importer import read_and_map
    from pantau.ingest.kobo import reparse
    from tests.ingest.kobo_server import write_form

    fields = read_and_map(write_form(tmp_path / "f.xlsx"), None)[0].fields
    fake = FakeKobo()
    fake.add(1, households=2)
    fake.add(2, households=0)
    for path in (fake.xlsx_export(tmp_path / "a.xlsx"), fake.json_export(tmp_path / "a.json"),
                 fake.csv_export(tmp_path / "a.csv", labels=True, split=True, sep=";")):
        for rec in read_kobo_export(path, fields):
            again = reparse(rec.raw, rec.raw_format, fields, rec.origin)
            assert isinstance(again, type(rec)) and again.data == rec.data, path.name
            assert again.instance_id == rec.instance_id  # type: ignore[union-attr]
