"""The cleaning log: exported, edited offline, applied back as new versions — or refused
whole, with every problem listed by file, row and field."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from pantau.errors import ImportFailed
from pantau.store.models import CleaningLog, Observation, Submission, SubmissionVersion
from tests.quality.conftest import FORM, OP

HEADER = ["uuid", "field", "old_value", "new_value", "reason"]


def read_csv(path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path, rows, header=HEADER, delimiter=",", bom=False):  # type: ignore[no-untyped-def]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def households(ws, iid):  # type: ignore[no-untyped-def]
    """The current version's stored answer and observed value of IDP households."""
    with ws.session() as s:
        v = s.scalar(select(SubmissionVersion).join(Submission).where(
            Submission.instance_id == iid, SubmissionVersion.current.is_(True)))
        obs = s.scalar(select(Observation.value).where(
            Observation.version_id == v.id, Observation.field == "population/idp_hh"))
        return v.data["population/idp_hh"], obs


def test_export_flagged_edit_and_apply_makes_new_versions(sa, ws, tmp_path):
    bad, good = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60),
                        sa.record("SIG-001", "2018-10-06"))
    ws.quality.check(OP)
    out = tmp_path / "log.csv"
    assert ws.quality.clean_export(OP, out, flagged=True) == 1
    [row] = read_csv(out)
    assert row["uuid"] == bad and row["field"] == "population/idp_ind"
    assert row["old_value"] == row["new_value"] == "60" and row["round"] == "1"
    assert row["site"] == "PAL-001" and "constraint" in row["flags"]
    row["new_value"], row["reason"] = "320", "enumerator typed households as individuals"
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    result = ws.quality.clean_apply(OP, out, by="ana")
    assert (result.changed, result.deleted, result.unchanged) == (1, 0, 0)
    detail = ws.ingest.submission(OP, FORM, bad)
    assert detail.info.versions_count == 2
    old, new = detail.versions[0], detail.versions[1]
    assert not old.current and new.current and new.id == result.versions[0]
    assert old.data["population/idp_ind"] == "60" and new.data["population/idp_ind"] == "320"
    assert new.deprecated_id == old.instance_id and new.raw_format == "json"
    # the new version is checked: the constraint holds now, but the parts still sum to 60
    assert sa.flags().get(bad) == [("sex_age_sum", "population/idp_ind")]
    with ws.session() as s:
        log = s.scalars(select(CleaningLog)).one()
        assert (log.field, log.old_value, log.new_value, log.changed_by) == (
            "population/idp_ind", "60", "320", "ana")
        assert (log.from_version_id, log.to_version_id) == (old.id, new.id)
        assert log.source == "log.csv, row 2"
        ind = s.scalar(select(Observation.value).where(
            Observation.version_id == new.id, Observation.field == "population/idp_ind"))
        assert ind == 320
    assert households(ws, good) == ("50", 50)


def test_export_all_answers_to_xlsx_and_apply_with_excel_cells(sa, ws, tmp_path):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05"))
    out = tmp_path / "all.xlsx"
    n = ws.quality.clean_export(OP, out, form=FORM)
    assert n > 20
    wb = load_workbook(out)
    sheet = wb["cleaning_log"]
    head = [c.value for c in sheet[1]]
    for r in sheet.iter_rows(min_row=2):
        cells = dict(zip(head, r, strict=True))
        if cells["field"].value == "population/idp_hh":
            cells["new_value"].value = 52.0  # Excel stores numbers as floats
            cells["reason"].value = "recount"
        if cells["field"].value == "assessment_date":
            cells["new_value"].value = dt.datetime(2018, 10, 6)  # a date cell
            cells["reason"].value = "date of the visit"
    wb.save(out)
    result = ws.quality.clean_apply(OP, out)
    assert result.changed == 2 and result.unchanged == n - 2
    assert households(ws, iid) == ("52", 52)
    detail = ws.ingest.submission(OP, FORM, iid)
    assert detail.versions[-1].data["assessment_date"] == "2018-10-06"


def test_semicolons_bom_day_first_dates_and_escaped_text(sa, ws, tmp_path):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05", comments="-ok"))
    path = write_rows(tmp_path / "excel.csv", [
        [iid, "assessment_date", "05/10/2018", "07/10/2018", "revisited"],
        [iid, "comments", "'-ok", "'=not a formula", "typo"],
    ], delimiter=";", bom=True)
    assert ws.quality.clean_apply(OP, path).changed == 2
    data = ws.ingest.submission(OP, FORM, iid).versions[-1].data
    assert data["assessment_date"] == "2018-10-07" and data["comments"] == "=not a formula"


def test_every_bad_row_is_listed_and_nothing_is_applied(sa, ws, tmp_path):
    a, b = sa.send(sa.record("PAL-001", "2018-10-05"), sa.record("SIG-001", "2018-10-06"))
    path = write_rows(tmp_path / "bad.csv", [
        ["uuid:nope", "population/idp_hh", "50", "51", "x"],              # 2 unknown uuid
        [a, "population/idp_hh", "49", "51", "x"],                        # 3 stale old value
        [a, "population/idp_ind", "200", "many", "x"],                    # 4 type
        [a, "location/site_type", "camp", "tent", "x"],                   # 5 choice
        [b, "population/idp_hh", "50", "-3", "x"],                        # 6 constraint
        [b, "population/no_such", "", "1", "x"],                          # 7 unknown field
        [b, "population/idp_ind", "200", "210", "x"],                     # 8 fine …
        [b, "population/idp_ind", "200", "220", "x"],                     # 9 … duplicate
        [b, "services/water_on_site", "yes", "=IF(A1,1,0)", "x"],         # 10 formula
        [b, "comments", "Contact Ibu Sari at 0812-3456-7890", "", ""],    # 11 no reason
        [b, "_delete", "", "maybe", "x"],                                 # 12 bad delete
        [a, "location/site_name", "Posko Ibu Sari", "Posko Ibu Sari", ""],  # 13 unchanged
    ])
    with pytest.raises(ImportFailed) as exc:
        ws.quality.clean_apply(OP, path)
    lines = exc.value.details().splitlines()
    expected = [
        ("row 2, field 'uuid'", "unknown uuid 'uuid:nope'"),
        ("row 3, field 'population/idp_hh'", "stale old value"),
        ("row 4, field 'population/idp_ind'", "(type): not a whole number"),
        ("row 5, field 'location/site_type'", "(choice): an answer that is not in the choice"),
        ("row 6, field 'population/idp_hh'", "(constraint): breaks the constraint `. >= 0`"),
        ("row 7, field 'population/no_such'", "unknown field"),
        ("row 9, field 'population/idp_ind'", "uuid and field again (first on row 8)"),
        ("row 10, field 'services/water_on_site'", "a formula, not a value"),
        ("row 11, field 'reason'", "a change needs a reason"),
        ("row 12, field '_delete'", "new_value is `yes`"),
    ]
    assert len(lines) == len(expected), "\n".join(lines)
    for line, (where, what) in zip(sorted(lines, key=_row), expected, strict=True):
        assert line.startswith(f"bad.csv, {where}: ") and what in line, line
    assert "0812" not in exc.value.details()  # answers never appear in messages
    for iid in (a, b):
        assert ws.ingest.submission(OP, FORM, iid).info.versions_count == 1
    with ws.session() as s:
        assert s.scalars(select(CleaningLog)).all() == []


def _row(line: str) -> int:
    return int(line.split("row ", 1)[1].split(",", 1)[0])


def test_missing_columns_are_an_error(sa, ws, tmp_path):
    path = write_rows(tmp_path / "cols.csv", [["x", "y"]], header=["uuid", "field"])
    with pytest.raises(ImportFailed) as exc:
        ws.quality.clean_apply(OP, path)
    assert "missing column(s): old_value, new_value, reason" in exc.value.details()


def test_delete_row_deletes_softly_with_its_reason(sa, ws, tmp_path):
    keep, gone = sa.send(sa.record("PAL-001", "2018-10-05"), sa.record("PAL-001", "2018-10-06"))
    path = write_rows(tmp_path / "del.csv", [[gone, "_delete", "", "yes", "duplicate visit"]])
    result = ws.quality.clean_apply(OP, path, by="ana")
    assert result.deleted == 1 and result.versions == []
    with ws.session() as s:
        sub = s.scalar(select(Submission).where(Submission.instance_id == gone))
        assert sub.deleted_at is not None and sub.deleted_reason == "duplicate visit"
        assert s.scalar(select(SubmissionVersion.id).where(
            SubmissionVersion.submission_id == sub.id)) is not None  # nothing lost
        log = s.scalars(select(CleaningLog)).one()
        assert (log.field, log.new_value, log.to_version_id) == ("_delete", "yes", None)
    assert [x.instance_id for x in ws.ingest.submissions(OP)] == [keep]
    again = write_rows(tmp_path / "again.csv", [[gone, "population/idp_hh", "50", "5", "x"]])
    with pytest.raises(ImportFailed) as exc:
        ws.quality.clean_apply(OP, again)
    assert "is deleted" in exc.value.details()


def test_clean_cli(sa, cli, tmp_path):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05", hh=80, ind=60))
    cli("check", OP)
    out = tmp_path / "log.xlsx"
    assert "1 row(s) written" in cli("clean", "export", OP, "--flagged", "--out", out).output
    wb = Workbook()
    sheet = wb.active
    sheet.append(HEADER)
    sheet.append([iid, "population/idp_ind", 60, 240, "typo"])
    wb.save(out)
    done = cli("clean", "apply", OP, out, "--by", "ana").output
    assert "log.xlsx: 1 change(s) in 1 new version(s), 0 submission(s) deleted" in done
    bad = write_rows(tmp_path / "bad.csv", [[iid, "population/idp_ind", "60", "1", "x"]])
    result = cli("clean", "apply", OP, bad, ok=False)
    assert result.exit_code == 1
    assert "bad.csv, row 2, field 'population/idp_ind': stale old value" in result.output


def test_a_formula_in_a_workbook_is_a_problem(sa, ws, tmp_path):
    [iid] = sa.send(sa.record("PAL-001", "2018-10-05"))
    wb = Workbook()
    sheet = wb.active
    sheet.append(HEADER)
    sheet.append([iid, "population/idp_hh", 50, "=B1*2", "doubled"])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(ImportFailed) as exc:
        ws.quality.clean_apply(OP, tmp_path / "f.xlsx")
    assert "f.xlsx, row 2, field 'cell D2': a formula, not a value" in exc.value.details()
    assert ws.ingest.submission(OP, FORM, iid).info.versions_count == 1
