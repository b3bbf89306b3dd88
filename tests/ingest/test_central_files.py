"""ODK Central exports: `submissions.csv.zip` with repeat CSVs, and a plain Central CSV."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pantau.errors import PantauError
from tests.ingest.central_fixtures import add_central_form, current, filled
from tests.ingest.central_server import FORM, OP


@pytest.fixture
def form(ws, tmp_path):
    return add_central_form(ws, tmp_path)


@pytest.fixture
def central():
    fake = filled(6)
    fake.review(fake.subs[0], "approved")
    fake.review(fake.subs[1], "hasIssues")
    fake.review(fake.subs[2], "rejected")
    return fake


def test_zip_with_repeats_gives_the_answers_as_the_form_wrote_them(ws, form, central,
                                                                   tmp_path):
    result = ws.ingest.import_file(OP, FORM, central.export_zip(tmp_path / "export.zip"))
    assert result.counts == {"created": 6}
    for sub in central.subs:
        detail, version = current(ws, sub.root)
        assert version.data == sub.data
        assert detail.info.source == "central"
        assert detail.submitter == "enumerator 1"
        assert version.form_version == "2024050101"
    first, version = current(ws, central.subs[0].root)
    assert version.data["households"][1] == {"households/head_sex": "m",
                                             "households/members": "1"}
    assert version.data["gps"] == "-0.8911 119.8711 12 5"
    assert version.data["needs"] == "water food"
    assert version.raw_format == "json"  # the main row and its repeat rows, as CSV text
    states = [current(ws, s.root)[0].info.review_state for s in central.subs[:4]]
    assert states == ["approved", "has_issues", "rejected", "received"]
    _, no_repeat = current(ws, central.subs[1].root)
    assert no_repeat.raw_format == "csv" and "households" not in no_repeat.data

    again = ws.ingest.import_file(OP, FORM, tmp_path / "export.zip")
    assert again.counts == {"duplicate": 6}


def test_plain_csv_in_latin1_and_with_bom(ws, form, central, tmp_path):
    central.subs[0].data["location/adm2"] = "Palu Utara – Tondo"  # en dash: cp1252 only
    rows = central.main_rows()
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in rows) + "\n"
    latin = tmp_path / "central-latin.csv"
    latin.write_bytes(text.encode("cp1252"))
    result = ws.ingest.import_file(OP, FORM, latin)
    assert result.counts == {"created": 6}
    _, version = current(ws, central.subs[0].root)
    assert version.data["location/adm2"] == "Palu Utara – Tondo"
    assert "households" not in version.data  # a plain CSV holds no repeats

    bom = tmp_path / "central-bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert ws.ingest.import_file(OP, FORM, bom).counts == {"duplicate": 6}


def test_split_select_multiple_and_bare_names(ws, form, central, tmp_path):
    """Central's "split select multiples" adds needs/<choice> 0/1 columns; with "group
    names" off, group fields are bare names."""
    header = ["SubmissionDate", "site_id", "adm2", "date", "idp_hh", "needs/food",
              "needs/water", "needs/shelter", "meta-instanceID", "KEY", "ReviewState"]
    sub = central.subs[0]
    row = ["2024-05-01T08:00:01.000Z", "ST0001", "ID7271", "2024-05-01", "11", "1", "1", "0",
           sub.root, sub.root, "approved"]
    path = tmp_path / "split.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    assert ws.ingest.import_file(OP, FORM, path).counts == {"created": 1}
    _, version = current(ws, sub.root)
    assert version.data == {"location/site_id": "ST0001", "location/adm2": "ID7271",
                            "date": "2024-05-01", "idp_hh": "11", "needs": "food water"}


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_broken_archives_are_refused_whole(ws, form, central, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(PantauError, match="not a readable zip"):
        ws.ingest.import_file(OP, FORM, bad)

    main = central.export_zip(tmp_path / "export.zip")
    with zipfile.ZipFile(main) as zf:
        repeat = zf.read(f"{FORM}-households.csv").decode()
        table = zf.read(f"{FORM}.csv").decode()
    with pytest.raises(PantauError, match="no main CSV"):
        ws.ingest.import_file(OP, FORM, _zip(tmp_path / "nomain.zip",
                                             {f"{FORM}-households.csv": repeat}))
    with pytest.raises(PantauError, match=r"unsafe file name '\.\./\.\./x\.csv'"):
        ws.ingest.import_file(OP, FORM, _zip(tmp_path / "climb.zip",
                                             {f"{FORM}.csv": table, "../../x.csv": table}))
    with pytest.raises(PantauError, match="'sa_central-people.csv' matches no repeat"):
        ws.ingest.import_file(OP, FORM, _zip(tmp_path / "other.zip",
                                             {f"{FORM}.csv": table,
                                              f"{FORM}-people.csv": repeat}))
    wrong = table.replace("idp_hh", "idp_households", 1)
    with pytest.raises(PantauError, match="'idp_households' match no field"):
        ws.ingest.import_file(OP, FORM, _zip(tmp_path / "wrong.zip", {f"{FORM}.csv": wrong}))
    assert ws.ingest.submissions(OP) == []


def test_rows_that_cannot_be_placed_go_to_the_quarantine(ws, form, central, tmp_path):
    main = central.main_rows()
    repeat = central.repeat_rows()
    main.pop(1)  # the first submission is missing from the main table, its repeats are not
    main.append(main[1] + ["extra cell"])
    text = "\n".join(",".join(r) for r in main) + "\n"
    path = _zip(tmp_path / "orphans.zip", {f"{FORM}.csv": text,
                                           f"{FORM}-households.csv":
                                           "\n".join(",".join(r) for r in repeat) + "\n"})
    result = ws.ingest.import_file(OP, FORM, path)
    assert result.counts == {"created": 5, "quarantined": 2}
    reasons = sorted(q.reason for q in ws.ingest.quarantined(OP))
    assert reasons[0].startswith("repeat rows of a submission that is not in the main CSV")
    assert reasons[1].startswith("the row has 24 cells")


def test_a_row_for_an_unknown_form_version_is_reprocessed_once_the_version_exists(
        ws, form, central, tmp_path):
    central.subs[0].version = "2024060101"
    path = tmp_path / "central.csv"
    path.write_text("\n".join(",".join(r) for r in central.main_rows()) + "\n",
                    encoding="utf-8")
    assert ws.ingest.import_file(OP, FORM, path).counts == {"created": 5, "quarantined": 1}
    add_central_form(ws, tmp_path, "2024060101")
    ws.ingest.reprocess(OP)
    assert ws.ingest.quarantined(OP) == []
    _, version = current(ws, central.subs[0].root)
    assert version.form_version == "2024060101"
    assert version.data == {k: v for k, v in central.subs[0].data.items() if k != "households"}


def test_cli_import_ends_with_the_same_summary_as_a_pull(cli, ws, form, central, tmp_path):
    rows = central.main_rows()
    bad = [[*r, "extra cell"] for r in central.main_rows()[1:] for _ in range(4)]  # 24 rows
    path = tmp_path / "central.csv"
    path.write_text("\n".join(",".join(r) for r in rows + bad) + "\n", encoding="utf-8")
    out = cli("submissions", "import", OP, FORM, path).output
    assert ("Imported 30 record(s) from central.csv: 6 new, 0 edited, 0 already here, "
            "0 conflict(s), 24 quarantined.") in out
    assert out.count("quarantined: the row has 24 cells, the header 23") == 20
    assert f"… and 4 more: see `pantau submissions quarantine {OP}`" in out
