"""The shipped DTM forms: valid for pyxform, bilingual, fully HXL-mapped, up to date."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from pantau.forms import inspect_file
from pantau.forms.library import path_of, shipped
from pantau.forms.library.build import SURVEY_COLUMNS, workbook
from pantau.forms.library.specs import BA, ETT, SA

SPECS = {s.file: s for s in (BA, SA, ETT)}
EN, ID = "label::English (en)", "label::Bahasa Indonesia (id)"


@pytest.mark.parametrize("file", list(SPECS))
def test_shipped_form_converts_and_maps_every_number(file):
    path = path_of(file)
    result = convert(path.read_bytes(), file_type=".xlsx")
    assert result.warnings == []
    assert 'lang="English (en)"' in result.xform and 'lang="Bahasa Indonesia (id)"' in \
        result.xform
    shown = inspect_file(path)
    assert shown["unmapped_values"] == []
    assert shown["form_id"] == SPECS[file].form_id and shown["version"] == SPECS[file].version
    numbers = [f for f in shown["fields"] if f["type"] == "integer"]
    assert numbers and all(f["role"] == "value" for f in numbers)
    assert any(f["dimensions"] == "date" for f in shown["fields"])


@pytest.mark.parametrize("file", list(SPECS))
def test_shipped_form_is_bilingual_and_has_sane_constraints(file):
    wb = load_workbook(path_of(file))
    survey = list(wb["survey"].iter_rows(values_only=True))
    head = list(survey[0])
    assert head == SURVEY_COLUMNS
    col = {name: head.index(name) for name in head}
    for row in survey[1:]:
        kind = row[col["type"]]
        if kind in ("start", "end", "today") or str(kind).startswith("end_"):
            continue
        assert row[col[EN]] and row[col[ID]], f"{file}: {row[col['name']]} lacks a label"
        if kind == "integer":
            assert ". >= 0" in row[col["constraint"]]
        if kind == "integer" and row[col["name"]].endswith("ind") and \
                "+ind" in row[col["hxl"]] and "+f" not in row[col["hxl"]] \
                and "+m" not in row[col["hxl"]]:
            assert "coalesce(${" in row[col["constraint"]], "households ≤ individuals"
    settings = dict(zip(*wb["settings"].iter_rows(values_only=True), strict=True))
    assert settings["default_language"] == "English (en)" and settings["form_title"]
    names = {r[0] for r in wb["choices"].iter_rows(min_row=2, values_only=True)}
    assert names  # only the lists in use are written


@pytest.mark.parametrize("file", list(SPECS))
def test_committed_files_match_the_generator(file):
    """build.py is the source: the .xlsx in the package must be what it writes."""
    fresh = workbook(SPECS[file])
    shipped_wb = load_workbook(path_of(file))
    for sheet in ("survey", "choices", "settings"):
        want = [tuple(c if c is not None else "" for c in r)
                for r in fresh[sheet].iter_rows(values_only=True)]
        got = [tuple(c if c is not None else "" for c in r)
               for r in shipped_wb[sheet].iter_rows(values_only=True)]
        assert got == want, f"{file}/{sheet}: run python -m pantau.forms.library.build"


def test_no_personal_data_is_tagged():
    for file in SPECS:
        fields = inspect_file(path_of(file))["fields"]
        assert not any("name" in f["path"] and "informant" in f["path"] for f in fields)


def test_library_lists_the_shipped_forms():
    assert [(f["form_id"], f["assessment_type"]) for f in shipped()] == [
        ("dtm_ba", "BA"), ("dtm_sa", "SA"), ("dtm_ett", "ETT"), ("dtm_fmr", "FMR"),
        ("dtm_fms", "FMS")]


def test_imported_library_forms_get_their_assessment_type(ws, tmp_path):
    ws.operations.create("idn-sulteng", "IDN", "Central Sulawesi")
    written = ws.forms.export_library(tmp_path / "forms")
    types = {ws.forms.import_xlsform("idn-sulteng", p).assessment_type for p in written}
    assert types == {"BA", "SA", "ETT", "FMR", "FMS"}
