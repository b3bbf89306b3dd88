"""Personal data never reaches public outputs, logs or messages; record-level exports drop
it unless asked, and are blocked when their re-identification risk is too high.

A form with the personal fields DTM teams add to a site assessment (a focal point's name and
phone, an ID number, a household's GPS point, free-text comments, the respondent's sex and
age) is filled with planted values; every output is then scanned for them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from pathlib import Path

import openpyxl
import pytest

from pantau.errors import PantauError
from pantau.publish import dtm_api
from pantau.workspace import Workspace
from tests.analytics import scenario as sc
from tests.conftest import Cli
from tests.forms.xlsforms import write_xlsform

D1 = dt.date(2018, 10, 5)
FORM = "idn_sa_contacts"
NAMES = ["Siti Aminah Lapasere", "Budi Santoso Tadulako", "Ani Wulandari Palupi"]
PHONES = ["+62 812 5550 1234", "0813-4455-6677", "+62 821 9000 4321"]
NIKS = ["7271010101800001", "7271020202810002", "7205030303820003"]
GPS = ["-0.8917 119.8707 12 5", "-0.9012 119.8655 10 4", "-0.6743 119.7432 8 6"]
NOTES = ["family of Lapasere behind the mosque", "Tadulako house near the river",
         "Palupi widow with 4 children"]
PLANTED = NAMES + PHONES + NIKS + GPS + NOTES + ["Lapasere", "Tadulako", "Palupi"]


def _form(tmp: Path) -> Path:
    rows = [
        ["date", "assessment_date", "Date", "#date+assessment", ""],
        ["text", "site_id", "Site ID", "#loc+code", ""],
        ["text", "adm1", "Province", "#adm1+code", ""],
        ["text", "adm2", "Regency", "#adm2+code", ""],
        ["integer", "idp_hh", "IDP households", "#affected+idps+hh", ""],
        ["integer", "idp_ind", "IDP individuals", "#affected+idps+ind", ""],
        ["text", "focal_name", "Name of the site focal point", "", ""],
        ["text", "focal_phone", "Phone of the focal point", "#contact+phone", ""],
        ["text", "nik", "NIK of the respondent", "", ""],
        ["geopoint", "hh_gps", "GPS of the respondent's household", "", ""],
        ["text", "comments", "Comments", "", ""],
        ["select_one sex", "respondent_sex", "Sex of the respondent", "", ""],
        ["integer", "respondent_age", "Age of the respondent", "", ""],
    ]
    return write_xlsform(tmp / "contacts.xlsx", rows,
                         {"form_id": FORM, "version": "1", "assessment_type": "SA"},
                         [["sex", "f", "Female"], ["sex", "m", "Male"]])


@pytest.fixture
def op(ws: Workspace, tmp_path: Path) -> Workspace:
    sc.build(ws, tmp_path)
    ws.forms.import_xlsform(sc.OP, _form(tmp_path))
    for i, (adm2, hh, ind) in enumerate([("ID7271", 100, 450), ("ID7205", 50, 200),
                                         ("ID7271", 20, 90)]):
        sc.send(ws, FORM, {
            "assessment_date": D1.isoformat(), "site_id": f"S{i}", "adm1": "ID72",
            "adm2": adm2, "idp_hh": str(hh), "idp_ind": str(ind), "focal_name": NAMES[i],
            "focal_phone": PHONES[i], "nik": NIKS[i], "hh_gps": GPS[i], "comments": NOTES[i],
            "respondent_sex": "f" if i < 2 else "m", "respondent_age": "34"}, "approved")
    ws.analytics.refresh(sc.OP)
    return ws


def _text(path: Path) -> str:
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(str(c) for sheet in wb for row in sheet.iter_rows(values_only=True)
                         for c in row if c is not None)
    if path.suffix == ".parquet":
        import duckdb

        return "\n".join(map(str, duckdb.connect().execute(
            f"SELECT * FROM '{path}'").fetchall()))
    return path.read_text(encoding="utf-8-sig")


def _leaks(text: str) -> list[str]:
    return [p for p in PLANTED if p in text]


def test_no_public_output_holds_a_planted_value(op: Workspace, cli: Cli, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    said: list[str] = []
    out = tmp_path / "out"
    for table in ("current", "area_totals", "totals", "displacement", "round_change",
                  "origin_matrix", "needs", "latest_round", "rounds"):
        for suffix in ("csv", "xlsx", "parquet"):
            said.append(cli("export", sc.OP, "--table", table, "--out",
                            out / f"{table}.{suffix}").output)
    said.append(cli("export", sc.OP, "--table", "current", "--out", out / "c.geojson").output)
    said.append(cli("publish", "hdx", sc.OP, "--out", out / "hdx", "--org", "iom",
                    "--maintainer", "dtm", "--dry-run").output)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 9 * 3 + 1 + 7
    for path in files:
        assert _leaks(_text(path)) == [], path.name
    served = json.dumps([dtm_api.records(op, dtm_api.Query(level=lv, operation=sc.OP))
                         for lv in (0, 1, 2)])
    assert "540" in served and _leaks(served) == []
    assert _leaks("\n".join(said)) == [] and _leaks(caplog.text) == []


def test_record_level_outputs_redact_unless_asked(op: Workspace, cli: Cli,
                                                  tmp_path: Path) -> None:
    iid = op.ingest.submissions(sc.OP, FORM)[0].instance_id
    shown = cli("submissions", "show", sc.OP, FORM, iid, "--data").output
    assert _leaks(shown) == [] and "‹personal›" in shown and "450" in shown
    full = cli("submissions", "show", sc.OP, FORM, iid, "--data", "--include-personal").output
    assert NAMES[0] in full and NIKS[0] in full  # the scan can see a leak
    cli("clean", "export", sc.OP, "--form", FORM, "--out", tmp_path / "clean.xlsx")
    text = _text(tmp_path / "clean.xlsx")
    assert _leaks(text) == [] and "idp_ind" in text and "focal_name" not in text
    said = cli("check", sc.OP).output + cli("flags", sc.OP, ok=False).output
    assert _leaks(said) == []


def test_records_export_drops_personal_fields_and_checks_the_risk(
        op: Workspace, cli: Cli, tmp_path: Path) -> None:
    blocked = cli("export", "records", sc.OP, "--form", FORM, "--out", tmp_path / "r.csv",
                  ok=False)
    message = " ".join(blocked.output.split())
    assert blocked.exit_code == 1 and "record-level release blocked" in message
    assert "100.0%" in message and "respondent_sex, respondent_age" in message
    assert not (tmp_path / "r.csv").exists() and _leaks(message) == []
    out = cli("export", "records", sc.OP, "--form", FORM, "--out", tmp_path / "r.csv",
              "--key", "respondent_sex", "--max-risk", "0.7").output
    said = " ".join(out.split())
    assert "Wrote 3 records" in said and "global re-identification risk 66.67%" in said
    assert "Personal fields left out: focal_name, focal_phone, nik, hh_gps, comments" in said
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["instance_id", "form_version", "round_number", "review_state"]
    assert "focal_name" not in rows[0] and "idp_ind" in rows[0]
    assert rows[1][rows[0].index("idp_ind")] == "#affected+idps+ind"
    assert sorted(r[rows[0].index("idp_ind")] for r in rows[2:]) == ["200", "450", "90"]
    assert _leaks(_text(tmp_path / "r.csv")) == []
    cli("export", "records", sc.OP, "--form", FORM, "--out", tmp_path / "p.xlsx",
        "--include-personal", "--key", "respondent_sex", "--max-risk", "1")
    text = _text(tmp_path / "p.xlsx")
    assert all(n in text for n in NAMES) and "INCLUDED (not for publication)" in text


def test_records_export_errors_name_the_problem(op: Workspace, tmp_path: Path) -> None:
    with pytest.raises(PantauError, match="has 3 forms .*name one with --form"):
        op.publish.records(sc.OP, tmp_path / "r.csv")
    with pytest.raises(PantauError, match="--key focal_name: no such field in the exported"):
        op.publish.records(sc.OP, tmp_path / "r.csv", FORM, keys=["focal_name"])
    with pytest.raises(PantauError, match="use .csv or .xlsx"):
        op.publish.records(sc.OP, tmp_path / "r.json", FORM)
    with pytest.raises(PantauError, match="unknown review state"):
        op.publish.records(sc.OP, tmp_path / "r.csv", FORM, states=("done",))
    assert not list(tmp_path.glob("r.*"))
    ok = op.publish.records(sc.OP, tmp_path / "r.csv", FORM, keys=[], states=("received",))
    assert ok.rows == 0 and ok.risk.global_risk == 0


def test_quarantine_and_import_messages_hold_no_planted_value(op: Workspace, cli: Cli,
                                                              tmp_path: Path) -> None:
    records = [{"_uuid": "u1", "meta/instanceID": "uuid:u1", "focal_name": NAMES[0],
                "old_contact": PHONES[0], "nik": NIKS[0]},
               {"focal_name": NAMES[1], "comments": NOTES[1]},
               {"_uuid": "u3", "meta/instanceID": "uuid:u3", "idp_ind": NAMES[2],
                "hh_gps": GPS[2], "assessment_date": NOTES[2]}]
    path = tmp_path / "kobo.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    said = cli("submissions", "import", sc.OP, FORM, path).output
    listed = cli("submissions", "quarantine", sc.OP).output
    reasons = "\n".join(q.reason for q in op.ingest.quarantined(sc.OP))
    assert "old_contact" in reasons  # the reason names the field, not the value
    assert _leaks(said) == [] and _leaks(listed) == [] and _leaks(reasons) == []


def test_retention_erases_personal_answers_and_keeps_the_figures(
        op: Workspace, cli: Cli, tmp_path: Path) -> None:
    from pantau.ingest import Incoming

    data = {"assessment_date": D1.isoformat(), "site_id": "S9", "adm1": "ID72",
            "adm2": "ID7271", "idp_ind": "10", "focal_name": "Rahmawati Planted"}
    first = Incoming(instance_id="uuid:kept", data=data, raw=json.dumps(data).encode(),
                     raw_format="json", source="file", origin="test", review_state="approved")
    assert op.ingest.receive(sc.OP, FORM, first).status == "created"
    op.analytics.refresh(sc.OP)
    before = _text(op.publish.export(sc.OP, "area_totals", tmp_path / "a.csv").path)
    out = cli("erase-personal", sc.OP, ok=False)
    assert out.exit_code == 1 and "has no retention period" in out.output
    said = " ".join(cli("erase-personal", sc.OP, "--older-than", "0", "--dry-run")
                    .output.split())
    assert "Would erase the personal answers of 4 submission version(s)" in said
    iid = op.ingest.submissions(sc.OP, FORM)[0].instance_id
    assert NAMES[0] in cli("submissions", "show", sc.OP, FORM, iid, "--data",
                           "--include-personal").output
    folder = op.settings.workspace / "disclosure"
    folder.mkdir()
    (folder / f"{sc.OP}.yaml").write_text("retention_days: 0\n", encoding="utf-8")
    said = " ".join(cli("erase-personal", sc.OP).output.split())
    assert "Erased the personal answers of 4 submission version(s)" in said
    for sub in op.ingest.submissions(sc.OP, FORM):
        detail = op.ingest.submission(sc.OP, FORM, sub.instance_id)
        for v in detail.versions:
            assert _leaks(json.dumps(v.data)) == [] and "focal_name" not in v.data
            assert "Planted" not in json.dumps(v.data)
    with op.session() as s:
        from sqlalchemy import select

        from pantau.store.models import SubmissionVersion

        raws = b"".join(s.scalars(select(SubmissionVersion.raw)))
    assert not any(p.encode() in raws for p in PLANTED) and b"Rahmawati" not in raws
    assert b'"idp_ind": "450"' in raws  # the figures' answers stay
    op.analytics.refresh(sc.OP)
    assert _text(op.publish.export(sc.OP, "area_totals", tmp_path / "b.csv").path) == before
    # The same record again is recognised, and does not bring the name back.
    assert op.ingest.receive(sc.OP, FORM, first).status == "duplicate"
    again = " ".join(cli("erase-personal", sc.OP).output.split())
    assert "Erased the personal answers of 0 submission version(s)" in again
