"""Importing XLSForms: versions, idempotence, assessment types and every kind of bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pantau.errors import ImportFailed, PantauError
from pantau.store.models import Form, FormVersion
from tests.forms.xlsforms import site_form, write_xlsform


@pytest.fixture
def op(ws):
    ws.operations.create("idn-sulteng", "IDN", "Central Sulawesi Earthquake 2018",
                         avg_household_size=4.0)
    return "idn-sulteng"


def _counts(ws) -> tuple[int, int]:
    with ws.session() as s:
        return (s.scalar(select(func.count()).select_from(Form)),
                s.scalar(select(func.count()).select_from(FormVersion)))


def test_import_keeps_every_version_and_is_idempotent(ws, op, tmp_path):
    v1 = site_form(tmp_path / "sa-v1.xlsx", version="2024010101")
    info = ws.forms.import_xlsform(op, v1)
    assert (info.status, info.form_id, info.version, info.versions) == (
        "created", "idn_sa", "2024010101", 1)
    assert info.assessment_type == "SA"  # from the form_id idn_sa
    assert ws.forms.import_xlsform(op, v1).status == "unchanged"
    assert _counts(ws) == (1, 1)

    v2 = site_form(tmp_path / "sa-v2.xlsx", version="2024020101",
                   extra=[["integer", "boys", "IDP boys", "#affected+idps+ind+m+children", ""]])
    info = ws.forms.import_xlsform(op, v2)
    assert (info.status, info.version, info.versions) == ("new_version", "2024020101", 2)
    versions = ws.forms.versions(op, "idn_sa")
    assert [(v.version, v.current) for v in versions] == [("2024010101", False),
                                                          ("2024020101", True)]
    assert ws.forms.get(op, "idn_sa").version == "2024020101"
    assert 'version="2024010101"' in ws.forms.xform(op, "idn_sa", "2024010101")
    assert 'version="2024020101"' in ws.forms.xform(op, "idn_sa")
    name, content = ws.forms.xlsform(op, "idn_sa", "2024010101")
    assert name == "sa-v1.xlsx" and content == v1.read_bytes()
    # The old file again: still two versions, the new one stays current.
    assert ws.forms.import_xlsform(op, v1).status == "unchanged"
    assert ws.forms.get(op, "idn_sa").version == "2024020101"
    assert [f.form_id for f in ws.forms.list(op)] == ["idn_sa"]


def test_fields_follow_the_shared_contract(ws, op, tmp_path):
    ws.forms.import_xlsform(op, site_form(tmp_path / "sa.xlsx"))
    with ws.session() as s:
        fields = s.scalar(select(FormVersion.fields))
    by_path = {f["path"]: f for f in fields}
    assert list(by_path)[:4] == ["visit_date", "site_id", "place", "place/adm1"]
    assert by_path["place/adm2"] == {
        "path": "place/adm2", "name": "adm2", "type": "text", "list": None, "choices": None,
        "label": {"default": "Regency"}, "hxl": "#adm2+code", "repeat": None,
        "personal": False, "personal_why": None, "quasi": False}  # pantau.forms.personal
    assert by_path["needs"]["type"] == "select_multiple"
    assert by_path["needs"]["choices"][1] == {"name": "wash", "label": {"default": "WASH"}}
    assert "meta" not in by_path and "meta/instanceID" not in by_path


def test_changed_file_under_the_same_version_is_refused(ws, op, tmp_path):
    ws.forms.import_xlsform(op, site_form(tmp_path / "a.xlsx", version="7"))
    changed = site_form(tmp_path / "b.xlsx", version="7",
                        extra=[["integer", "boys", "Boys", "#affected+idps+ind+m", ""]])
    with pytest.raises(PantauError, match="already has a version '7' with other content"):
        ws.forms.import_xlsform(op, changed)
    assert _counts(ws) == (1, 1)


def test_missing_version_is_derived_from_the_file(ws, op, tmp_path):
    path = write_xlsform(tmp_path / "nover.xlsx",
                         [["integer", "n", "N", "#affected+idps+ind", ""]],
                         {"form_id": "quick_ett", "form_title": "Quick"})
    info = ws.forms.import_xlsform(op, path)
    assert info.version.startswith("auto-") and len(info.version) == 17
    assert info.assessment_type == "ETT"
    assert f'version="{info.version}"' in ws.forms.xform(op, "quick_ett")
    assert ws.forms.import_xlsform(op, path).status == "unchanged"


def test_assessment_type_from_argument_or_settings(ws, op, tmp_path):
    path = write_xlsform(tmp_path / "f.xlsx", [["integer", "n", "N", "#affected+idps", ""]],
                         {"form_id": "village_form", "version": "1",
                          "assessment_type": "ba"})
    assert ws.forms.import_xlsform(op, path).assessment_type == "BA"
    plain = write_xlsform(tmp_path / "g.xlsx", [["integer", "n", "N", "", ""]],
                          {"form_id": "plain", "version": "1"})
    assert ws.forms.import_xlsform(op, plain).assessment_type is None
    assert ws.forms.import_xlsform(op, plain, assessment_type="SA").assessment_type == "SA"


def test_no_form_id_uses_the_file_name_with_a_warning(ws, op, tmp_path):
    path = write_xlsform(tmp_path / "village_survey.xlsx",
                         [["integer", "n", "N", "#affected+idps", ""]], {"version": "3"})
    info = ws.forms.import_xlsform(op, path)
    assert info.form_id == "village_survey"
    assert any("no form_id" in w for w in info.warnings)


def _bad(ws, op, path, *fragments, **kwargs):
    with pytest.raises(PantauError) as caught:
        ws.forms.import_xlsform(op, path, **kwargs)
    text = str(caught.value)
    if isinstance(caught.value, ImportFailed):
        text += "\n" + caught.value.details()
    for fragment in fragments:
        assert fragment in text, text
    assert _counts(ws) == (0, 0)


def test_not_an_xlsform(ws, op, tmp_path):
    csv = tmp_path / "form.csv"
    csv.write_text("type,name\ninteger,n\n", encoding="utf-8")
    _bad(ws, op, csv, "form.csv", "not an XLSForm", "Excel workbook")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"<html><body>Sign in to KoboToolbox</body></html>")
    _bad(ws, op, fake, "fake.xlsx", "not an XLSForm")
    empty = write_xlsform(tmp_path / "nosurvey.xlsx", [], header=["a", "b"])
    _bad(ws, op, empty, "nosurvey.xlsx", "type")
    _bad(ws, op, tmp_path / "missing.xlsx", "missing.xlsx")


def test_pyxform_errors_are_shown_with_their_row(ws, op, tmp_path):
    dup = write_xlsform(tmp_path / "dup.xlsx", [["integer", "n", "N", "", ""],
                                                ["integer", "n", "N again", "", ""]],
                        {"form_id": "dup", "version": "1"})
    _bad(ws, op, dup, "dup.xlsx", "pyxform", "row : 3", "'n'")
    unknown = write_xlsform(tmp_path / "type.xlsx", [["integr", "n", "N", "", ""]],
                            {"form_id": "t", "version": "1"})
    _bad(ws, op, unknown, "Unknown question type 'integr'")
    group = write_xlsform(tmp_path / "grp.xlsx", [["begin_group", "g", "G", "", ""],
                                                  ["integer", "n", "N", "", ""]],
                          {"form_id": "g", "version": "1"})
    _bad(ws, op, group, "Unmatched 'begin_group'")


def test_bad_hxl_tags_name_row_and_field(ws, op, tmp_path):
    path = write_xlsform(tmp_path / "tags.xlsx", [
        ["integer", "a", "A", "affected+idps", ""],
        ["integer", "b", "B", "#affected+idps+<b>", ""],
        ["integer", "c", "C", "#affected+idps+returnees", ""],
        ["integer", "d", "D", "#affected+f+m", ""],
    ], {"form_id": "tags", "version": "1"})
    _bad(ws, op, path, "4 problem(s)", "tags.xlsx, row 2, field 'a'", "must start with '#'",
         "row 3, field 'b'", "attribute '<b>'", "row 4, field 'c'",
         "two values for population group", "row 5, field 'd'")


def test_unknown_assessment_type(ws, op, tmp_path):
    path = site_form(tmp_path / "sa.xlsx")
    _bad(ws, op, path, "unknown assessment type 'XYZ'", assessment_type="XYZ")


def test_unknown_operation(ws, tmp_path):
    with pytest.raises(PantauError, match="No operation 'nowhere'"):
        ws.forms.import_xlsform("nowhere", site_form(tmp_path / "sa.xlsx"))
    assert _counts(ws) == (0, 0)
